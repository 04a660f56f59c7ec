"""Sorting of the audit record: the ``sortBy`` input and the columns each field sorts by."""

from __future__ import annotations

import graphene

from ..core import pagination

AUDIT_EVENT_SORT_FIELDS = {"created_at": ["created_at", "pk"]}

RetentionAuditEventSortField = graphene.Enum(
    "RetentionAuditEventSortField",
    [("CREATED_AT", "created_at")],
    description="When the action was taken (ASC: the oldest first).",
)

RetentionAuditEventSortingInput = pagination.sorting_input(
    "RetentionAuditEventSortingInput",
    RetentionAuditEventSortField,
    "Sort audit events by the selected field.",
)
