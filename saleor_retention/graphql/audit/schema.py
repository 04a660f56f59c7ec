"""``retentionAuditEvents``, mounted by ``graphql/schema.py``."""

from __future__ import annotations

import graphene

from ..core import pagination
from .filters import RetentionAuditEventFilterInput
from .resolvers import resolve_audit_events
from .sorters import RetentionAuditEventSortingInput
from .types import RetentionAuditEvent


def audit_events_field() -> graphene.Field:
    return pagination.connection_field(
        RetentionAuditEvent,
        filter=RetentionAuditEventFilterInput(),
        sort_by=RetentionAuditEventSortingInput(description="Default: newest first."),
        description=(
            "Staff (MANAGE_PLUGINS): the record of staff actions (moderation, card voids, "
            "points adjustments, forum pin / lock / hide, settings changes), newest first."
        ),
        resolver=resolve_audit_events,
    )
