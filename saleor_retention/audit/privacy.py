"""The audit record's part of erasure and export.

The record is about staff: when a staff member's account is deleted, the events they acted on
stay (what was done, to what, when), with the actor unlinked and the frozen e-mail cleared. The
payloads name rows (a review, a card, a ledger entry, an account), never a customer's id or
details, so erasing a customer changes nothing here; the account a points adjustment names is
unlinked from her by the ledger's own eraser.
"""

from __future__ import annotations

from typing import Any

from ..privacy import eraser, exporter, not_personal
from .models import AuditEvent

AUDIT_FIELDS = ["AuditEvent.actor", "AuditEvent.actor_email", "AuditEvent.payload"]
not_personal(
    {
        "AuditEvent.actor_app_name": "the name a merchant gave a Saleor app (an integration), "
        "not a person's"
    }
)


@eraser(fields=AUDIT_FIELDS)
def erase_audit_actor(customer_id: str) -> dict[str, Any]:
    unlinked = AuditEvent.objects.filter(actor_id=customer_id).update(actor=None, actor_email="")
    return {"events_unlinked": unlinked}


@exporter("audit", fields=AUDIT_FIELDS)
def export_audit_actor(customer_id: str) -> list[dict[str, Any]]:
    """The staff actions this account is on record for (empty for a shopper)."""
    return [
        {
            "action": row.action,
            "target_type": row.target_type,
            "target_id": row.target_id,
            "payload": row.payload,
            "created_at": row.created_at.isoformat(),
        }
        for row in AuditEvent.objects.filter(actor_id=customer_id).order_by("pk")
    ]
