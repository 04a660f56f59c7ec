"""Reads of the audit record for staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import QuerySet

from .models import AuditEvent


def audit_events(
    *,
    actions: Sequence[str] | None = None,
    actor_id: str | None = None,
    target_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Newest first (the pagination's keyset ends with the pk); ``since`` inclusive, ``until``
    exclusive."""
    rows = AuditEvent.objects.all()
    if actions:
        rows = rows.filter(action__in=list(actions))
    if actor_id is not None:
        rows = rows.filter(actor_id=actor_id)
    if target_type:
        rows = rows.filter(target_type=target_type)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("-created_at", "-pk")
