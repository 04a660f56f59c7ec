"""The ``filter:`` input of ``retentionAuditEvents``."""

from __future__ import annotations

import graphene
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from .. import saleor_types
from ..core.access import QueryArgumentError, pk_from_global_id
from ..core.filters import enum_values
from .types import RetentionAuditActionEnum


class RetentionAuditEventFilterInput(graphene.InputObjectType):
    action = graphene.List(graphene.NonNull(RetentionAuditActionEnum), description="Any of these.")
    actor = graphene.ID(description="One staff member's actions (their User id).")
    target_type = graphene.String(description="One target type, e.g. Review or ForumTopic.")
    target = graphene.ID(
        description="The actions on one row: its global id as targetId shows it (a Plugin: "
        "Saleor's plugin id)."
    )
    since = saleor_types.DateTime(description="Events at or after this time.")
    until = saleor_types.DateTime(description="Events before this time; after since.")


def audit_filter_values(filter: dict) -> dict:
    """The selector's arguments from the input: the actor's pk (a typed refusal for another
    type's id) and the action values."""
    actor_id = None
    if filter.get("actor") is not None:
        actor_id = pk_from_global_id(filter["actor"], "User")
        if actor_id is None:
            raise QueryArgumentError(
                _("%(id)s is not a user id.") % {"id": filter["actor"]}, field="actor"
            )
    since, until = filter.get("since"), filter.get("until")
    if since is not None and until is not None and until <= since:
        raise QueryArgumentError(_("The end must be after the start."), field="until")
    return {
        "actions": enum_values(filter.get("action")),
        "actor_id": actor_id,
        "target_type": filter.get("target_type"),
        "since": since,
        "until": until,
    }


def filter_target(rows: QuerySet, target: str | None) -> QuerySet:
    """Events on the row ``target`` names, as ``RetentionAuditEvent.targetId`` shows it."""
    if target is None:
        return rows
    shown_as_plugin = Q(target_type="Plugin", target_id=target)
    try:
        kind, pk = from_global_id(target)
    except Exception:  # noqa: BLE001 - not a global id: only a plugin id can match
        return rows.filter(shown_as_plugin)
    if not kind or kind == "Plugin" or not pk:
        return rows.filter(shown_as_plugin)
    return rows.filter(shown_as_plugin | Q(target_type=kind, target_id=pk))
