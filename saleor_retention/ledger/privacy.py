"""The ledger's part of erasure and export: her loyalty account, its entries, lots and holds.

Erasure (inside Saleor's deleting transaction) keeps every amount for the books and cuts the
person out:

- the idempotency keys that name her id (``signup:customer:<id>``,
  ``birthday:customer:<id>:<year>``, ``campaign:<key>:customer:<id>``) are rewritten to name the
  anonymous account (``erased-account:<account>``); nobody can be credited under them again;
- the ``LoyaltyAccount`` loses its customer link (as the database would do, done here too so the
  3.x hook that runs after the deletion finds the same result); its entries, lots and holds stay
  with the anonymous account, so balances and reports still add up.

Active point holds are not touched: they end as any hold does (spent with their gift card, or
released by ``release_stale_holds``), on the anonymous account.

The sibling domains erase their own rows in their own ``privacy`` modules (``bonuses``: her
birthday and campaign lists; ``referrals``: her code and checkout token; ``tiers``: kept with the
account). Those that find their rows through her account run before this eraser unlinks it
(``privacy.ERASURE_ORDER``), and add their keys to the ``loyalty`` export section
(``privacy.export_part``).
"""

from __future__ import annotations

import re
from typing import Any

from .. import lock_objects
from ..privacy import eraser, exporter, not_personal
from .models import LedgerEntry, LoyaltyAccount, PointHold
from .selectors import account_for_customer

not_personal(
    {
        "LedgerEntry.staff_user_id": "the staff member who adjusted: the audit trail of staff",
        "LoyaltyAccount.expiring_points_cache": (
            "points per expiry date, a copy of the lots' own figures (which stay for the books)"
        ),
    }
)

LOYALTY_FIELDS = [
    "LoyaltyAccount.customer",
    "LedgerEntry.account",
    "LedgerEntry.details",
    "LedgerEntry.idempotency_key",
    "PointLot.account",
    "PointHold.account",
    "PointHold.checkout_token",
]


def _customer_keys(customer_id: str) -> re.Pattern[str]:
    return re.compile(rf"customer:{re.escape(customer_id)}(?=:|$)")


@eraser(fields=LOYALTY_FIELDS)
def erase_ledger(customer_id: str) -> dict[str, Any]:
    account = lock_objects.account_of_customer(customer_id)
    if account is None:
        return {}
    pattern = _customer_keys(customer_id)
    rewritten = 0
    keyed = LedgerEntry.objects.filter(
        account=account, idempotency_key__regex=rf"customer:{re.escape(customer_id)}(:|$)"
    ).order_by("pk")
    for entry in keyed:
        key = pattern.sub(f"erased-account:{account.pk}", entry.idempotency_key)
        LedgerEntry.objects.filter(pk=entry.pk).update(idempotency_key=key)
        rewritten += 1
    return {
        "keys_rewritten": rewritten,
        "accounts_unlinked": LoyaltyAccount.objects.filter(pk=account.pk).update(customer=None),
    }


@exporter("loyalty", fields=LOYALTY_FIELDS)
def export_loyalty(customer_id: str) -> dict[str, Any]:
    """Her balances, entries and holds; the tiers and bonuses domains add their keys
    (``tier``, ``tier_history``, ``campaigns_listed_in``)."""
    account = account_for_customer(customer_id)
    if account is None:
        return {}
    entries = LedgerEntry.objects.filter(account=account).order_by("pk")
    holds = PointHold.objects.filter(account=account).order_by("pk")
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
                "key": entry.idempotency_key,
                "details": entry.details,
                "created_at": entry.created_at.isoformat(),
            }
            for entry in entries
        ],
        "holds": [
            {
                "checkout_token": hold.checkout_token,
                "points": hold.points,
                "amount": str(hold.amount),
                "currency": hold.currency,
                "status": hold.status,
                "order_id": hold.order_id,
                "created_at": hold.created_at.isoformat(),
                "expires_at": hold.expires_at.isoformat(),
            }
            for hold in holds
        ],
    }
