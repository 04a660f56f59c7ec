"""The ledger's part of a customer's data export (erasure: the account's link is set null by
the database; entries keep their amounts for the books)."""

from __future__ import annotations

from typing import Any

from ..privacy import exporter
from .models import LedgerEntry, LoyaltyAccount


@exporter("loyalty")
def export_loyalty(customer_id: str) -> dict[str, Any]:
    account = LoyaltyAccount.objects.filter(customer_id=customer_id).first()
    if account is None:
        return {}
    entries = LedgerEntry.objects.filter(account=account).order_by("pk")
    return {
        "available_points": account.available_points,
        "pending_points": account.pending_points,
        "lifetime_points": account.lifetime_points,
        "entries": [
            {
                "type": entry.type,
                "points": entry.points,
                "order_id": entry.order_id,
                "reason": entry.reason,
                "created_at": entry.created_at.isoformat(),
            }
            for entry in entries
        ],
    }
