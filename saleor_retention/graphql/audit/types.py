"""The audit record in GraphQL: the ``RetentionAuditEvent`` node (the list's input is in
filters.py and sorters.py, its resolver in resolvers.py, ``retentionAuditEvents`` in schema.py).

Staff holding Saleor's ``MANAGE_PLUGINS`` read it: the record spans every domain (reviews,
cards, points, forum) and the plugin's own settings, so it belongs to whoever administers the
plugin as a whole, not to the staff whose actions it records (``MANAGE_USERS`` adjusts points,
for instance, and should not be the only one to read about it)."""

from __future__ import annotations

import graphene
from graphql_relay import to_global_id

from ...audit.models import AuditAction, AuditEvent
from ...permissions import MANAGE_PLUGINS
from .. import saleor_types
from ..core.access import as_pk, has_permission
from ..core.types import choices_enum

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
    actor_app_id = graphene.ID(
        description="The App's id when an app acted (its token signed the request); null "
        "otherwise."
    )
    actor_app_name = graphene.String(
        required=True,
        description="The app's name when it acted; empty when a staff member acted.",
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
    def resolve_actor_app_id(root: AuditEvent, info):
        return to_global_id("App", root.actor_app_id) if root.actor_app_id else None

    @staticmethod
    def resolve_target_id(root: AuditEvent, info):
        if root.target_type == "Plugin":
            return root.target_id
        return to_global_id(root.target_type, root.target_id)
