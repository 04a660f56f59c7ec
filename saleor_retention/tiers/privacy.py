"""The tiers domain's part of erasure and export.

Her tier and its history stay with her loyalty account, which the ledger's eraser unlinks from
her (it runs after this one, ``privacy.ERASURE_ORDER``): a tier name and its changes say nothing
about who held them once the account is anonymous, and the tier reports still add up. Erasure
therefore changes nothing here and reports what it kept. The export shows them inside the
``loyalty`` section.
"""

from __future__ import annotations

from typing import Any

from ..ledger.selectors import account_for_customer
from ..privacy import eraser, export_part
from .models import AccountTier, TierChange

TIER_FIELDS = ["AccountTier.account", "AccountTier.name", "TierChange.account"]


@eraser(fields=TIER_FIELDS)
def erase_tiers(customer_id: str) -> dict[str, Any]:
    account = account_for_customer(customer_id)
    if account is None:
        return {}
    return {
        "tier_changes_kept": TierChange.objects.filter(account=account).count(),
    }


@export_part("loyalty", fields=TIER_FIELDS)
def export_tier(customer_id: str) -> dict[str, Any]:
    account = account_for_customer(customer_id)
    if account is None:
        return {}
    tier = AccountTier.objects.filter(account=account).first()
    return {
        "tier": None
        if tier is None
        else {
            "name": tier.name,
            "since": tier.since.isoformat(),
            "downgrade_due_at": tier.downgrade_due_at.isoformat()
            if tier.downgrade_due_at
            else None,
        },
        "tier_history": [
            {
                "from_tier": change.from_tier,
                "to_tier": change.to_tier,
                "measure": str(change.measure),
                "reason": change.reason,
                "created_at": change.created_at.isoformat(),
            }
            for change in TierChange.objects.filter(account=account).order_by("pk")
        ],
    }
