"""The cards domain's audit events: one writer per staff action, called inside the service's
transaction (Saleor's ``giftcard/events.py``; the record itself is ``audit/``)."""

from __future__ import annotations

from typing import Any

from ..audit import services as audit
from ..audit.models import AuditAction, AuditEvent


def card_voided_event(
    *, card: Any, staff_user_id: Any, status_before: str, reason: str
) -> AuditEvent:
    """Staff voided a card (``loyaltyCardVoid``)."""
    return audit.record(
        action=str(AuditAction.CARD_VOIDED),
        staff_user_id=staff_user_id,
        target_type="LoyaltyCard",
        target_id=card.pk,
        payload={"status": audit.changed(status_before, "void"), "reason": reason},
    )
