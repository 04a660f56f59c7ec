"""The staff adjustment's audit event, called inside ``services.points_adjust``'s transaction
(Saleor's ``giftcard/events.py``; the record itself is ``audit/``)."""

from __future__ import annotations

from typing import Any

from ..audit import services as audit
from ..audit.models import AuditAction, AuditEvent
from ..ledger.models import LedgerEntry


def points_adjusted_event(*, entry: LedgerEntry, staff_user_id: Any) -> AuditEvent:
    """Once per ledger entry: a replayed adjustment (same idempotency key) returns the first
    entry, which is already on record."""
    action, target_type = str(AuditAction.POINTS_ADJUSTED), "LoyaltyEntry"
    existing = audit.already_recorded(action=action, target_type=target_type, target_id=entry.pk)
    if existing is not None:
        return existing
    return audit.record(
        action=action,
        staff_user_id=staff_user_id,
        target_type=target_type,
        target_id=entry.pk,
        payload={"account": entry.account_id, "points": entry.points, "reason": entry.reason},
    )
