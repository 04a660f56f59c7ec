"""The audit record in GraphQL: ``retentionAuditEvents`` and the ``RetentionAuditEvent`` node.

Staff holding Saleor's ``MANAGE_PLUGINS`` read it: the record spans every domain (reviews,
cards, points, forum) and the plugin's own settings, so it belongs to whoever administers the
plugin as a whole, not to the staff whose actions it records (``MANAGE_USERS`` adjusts points,
for instance, and should not be the only one to read about it)."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _
from graphql_relay import to_global_id

from ...audit import selectors
from ...audit.models import AuditAction, AuditEvent
from .. import saleor_types
from ..core import pagination
from ..core.access import (
    QueryArgumentError,
    as_pk,
    has_permission,
    pk_from_global_id,
    require_permission,
)
from ..core.types import choices_enum

MANAGE_PLUGINS = "plugins.manage_plugins"

RetentionAuditActionEnum = choices_enum(
    "RetentionAuditAction",
    AuditAction,
    description=(
        "The staff action on record: a review moderated, a loyalty card voided, points "
        "adjusted, a forum topic pinned, locked or hidden (or the reverse), a forum post hidden "
        "or shown, the plugin's settings changed."
    ),
)


class RetentionAuditEvent(graphene.ObjectType):
    action = RetentionAuditActionEnum(required=True)
    actor_id = graphene.ID(
        description="The staff member's User id; null once their account is deleted, or when "
        "Saleor saved the settings without a signed-in user."
    )
    actor_email = graphene.String(
        required=True,
        description="The staff member's e-mail when they acted; empty once their account is "
        "deleted.",
    )
    target_type = graphene.String(
        required=True,
        description="The type acted on: Review, LoyaltyCard, LoyaltyEntry, ForumTopic, "
        "ForumPost or Plugin.",
    )
    target_id = graphene.ID(
        required=True,
        description="The global id of the row acted on (a Plugin: Saleor's plugin id).",
    )
    payload = saleor_types.JSONString(
        required=True,
        description='What changed: {"<field>": {"before": ..., "after": ...}} where a value '
        "moved, plus the decision or reason; a secret setting is named without its values.",
    )
    created_at = saleor_types.DateTime(required=True)

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (AuditEvent,)
        description = "One staff action on record (staff; needs MANAGE_PLUGINS)."

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: the same staff as ``retentionAuditEvents``."""
        pk = as_pk(id)
        if pk is None or not has_permission(info, MANAGE_PLUGINS):
            return None
        return AuditEvent.objects.filter(pk=pk).first()

    @staticmethod
    def resolve_actor_id(root: AuditEvent, info):
        return to_global_id("User", root.actor_id) if root.actor_id else None

    @staticmethod
    def resolve_target_id(root: AuditEvent, info):
        if root.target_type == "Plugin":
            return root.target_id
        return to_global_id(root.target_type, root.target_id)


class RetentionAuditEventFilterInput(graphene.InputObjectType):
    action = graphene.List(graphene.NonNull(RetentionAuditActionEnum), description="Any of these.")
    actor = graphene.ID(description="One staff member's actions (their User id).")
    target_type = graphene.String(description="One target type, e.g. Review or ForumTopic.")
    since = saleor_types.DateTime(description="Events at or after this time.")
    until = saleor_types.DateTime(description="Events before this time.")


def resolve_audit_events(root, info, filter=None, **page):
    require_permission(info, MANAGE_PLUGINS)
    filter = filter or {}
    actor_id = None
    if filter.get("actor") is not None:
        actor_id = pk_from_global_id(filter["actor"], "User")
        if actor_id is None:
            raise QueryArgumentError(
                _("%(id)s is not a user id.") % {"id": filter["actor"]}, field="actor"
            )
    rows = selectors.audit_events(
        actions=[getattr(a, "value", a) for a in filter.get("action") or []],
        actor_id=actor_id,
        target_type=filter.get("target_type"),
        since=filter.get("since"),
        until=filter.get("until"),
    )
    return pagination.paginate(rows, pagination.connection_type(RetentionAuditEvent), **page)


def audit_events_field() -> graphene.Field:
    return pagination.connection_field(
        RetentionAuditEvent,
        filter=RetentionAuditEventFilterInput(),
        description=(
            "Staff (MANAGE_PLUGINS): the record of staff actions (moderation, card voids, "
            "points adjustments, forum pin / lock / hide, settings changes), newest first."
        ),
        resolver=resolve_audit_events,
    )
