"""Erasing and exporting one customer's points and what hangs on her account: the ledger's
rows and those of its sibling domains (tiers, holds, birthday, referrals and campaigns). One
module, because the erasure must run in one order: the siblings' rows are found through the
account before it loses its customer link.

Erasure (inside Saleor's deleting transaction) keeps every amount for the books and cuts the
person out:

- the ``LoyaltyAccount`` loses its customer link (as the database would do, done here too so the
  3.x hook that runs after the deletion finds the same result); its entries, lots, holds, tier and
  tier history stay with the anonymous account, so balances and reports still add up;
- the idempotency keys that name her id (``signup:customer:<id>``,
  ``birthday:customer:<id>:<year>``, ``campaign:<key>:customer:<id>``) are rewritten to name the
  anonymous account (``erased-account:<account>``); nobody can be credited under them again;
- her birthday is deleted;
- her referral code is deleted (nobody can claim it any more); the referrals stay, both those she
  made and the one that brought her, so the ledger entries they explain and the referrer's
  monthly cap stay right (a friend who is erased still counted as brought that month); the
  checkout token she gave a code at is cleared. Self-referral checks read addresses and e-mails
  from Saleor at the moment of the claim, so the plugin stores no fingerprint of them;
- her id leaves every campaign's list of customers (``bonuses.remove_from_campaign_audiences``).

Active point holds are not touched: they end as any hold does (spent with their gift card, or
released by ``release_stale_holds``), on the anonymous account.
"""

from __future__ import annotations

import re
from typing import Any

from .. import lock_objects
from ..bonuses.models import CustomerBirthday, LoyaltyCampaign
from ..bonuses.services import remove_from_campaign_audiences
from ..privacy import eraser, exporter, not_personal
from ..referrals.models import Referral, ReferralCode
from ..tiers.models import TierChange
from .models import LedgerEntry, LoyaltyAccount, PointHold

not_personal(
    {
        "LedgerEntry.staff_user_id": "the staff member who adjusted: the audit trail of staff",
        "LoyaltyCampaign.staff_user_id": "the staff member who sent it: the audit trail of staff",
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
    "AccountTier.account",
    "AccountTier.name",
    "TierChange.account",
    "LoyaltyCampaign.audience",
]
BIRTHDAY_FIELDS = ["CustomerBirthday.customer", "CustomerBirthday.birthday"]
REFERRAL_FIELDS = [
    "ReferralCode.account",
    "Referral.referrer",
    "Referral.referee",
    "Referral.checkout_token",
    "Referral.referrer_points",  # kept on the referral for the books, exported as "points"
    "Referral.referee_points",
]


def _customer_keys(customer_id: str) -> re.Pattern[str]:
    return re.compile(rf"customer:{re.escape(customer_id)}(?=:|$)")


@eraser(fields=[*LOYALTY_FIELDS, *BIRTHDAY_FIELDS, *REFERRAL_FIELDS])
def erase_ledger(customer_id: str) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "birthdays_deleted": CustomerBirthday.objects.filter(customer_id=customer_id).delete()[0],
        "campaigns_unlisted": remove_from_campaign_audiences(customer_id),
    }
    account = lock_objects.account_of_customer(customer_id)
    if account is None:
        return summary
    pattern = _customer_keys(customer_id)
    rewritten = 0
    keyed = LedgerEntry.objects.filter(
        account=account, idempotency_key__regex=rf"customer:{re.escape(customer_id)}(:|$)"
    ).order_by("pk")
    for entry in keyed:
        key = pattern.sub(f"erased-account:{account.pk}", entry.idempotency_key)
        LedgerEntry.objects.filter(pk=entry.pk).update(idempotency_key=key)
        rewritten += 1
    summary["keys_rewritten"] = rewritten
    summary["referral_codes_deleted"] = ReferralCode.objects.filter(account=account).delete()[0]
    summary["referral_tokens_cleared"] = Referral.objects.filter(
        referee=account, checkout_token__gt=""
    ).update(checkout_token="")
    summary["accounts_unlinked"] = LoyaltyAccount.objects.filter(pk=account.pk).update(
        customer=None
    )
    return summary


def _account(customer_id: str) -> LoyaltyAccount | None:
    return LoyaltyAccount.objects.filter(customer_id=customer_id).first()


@exporter("loyalty", fields=LOYALTY_FIELDS)
def export_loyalty(customer_id: str) -> dict[str, Any]:
    account = _account(customer_id)
    if account is None:
        return {}
    entries = LedgerEntry.objects.filter(account=account).order_by("pk")
    tier = getattr(account, "tier", None)
    holds = PointHold.objects.filter(account=account).order_by("pk")
    listed_in = LoyaltyCampaign.objects.filter(audience__customer_ids__contains=[customer_id])
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
        "campaigns_listed_in": list(listed_in.order_by("pk").values_list("key", flat=True)),
    }


@exporter("birthday", fields=BIRTHDAY_FIELDS)
def export_birthday(customer_id: str) -> dict[str, Any]:
    row = CustomerBirthday.objects.filter(customer_id=customer_id).first()
    if row is None:
        return {}
    return {"birthday": row.birthday.isoformat(), "changed_at": row.changed_at.isoformat()}


def _referral(referral: Referral, side: str) -> dict[str, Any]:
    # What she earned or was promised, never who the other person is.
    return {
        "code": referral.code,
        "status": referral.status,
        "points": referral.referrer_points if side == "referrer" else referral.referee_points,
        "created_at": referral.created_at.isoformat(),
    }


@exporter("referrals", fields=REFERRAL_FIELDS)
def export_referrals(customer_id: str) -> dict[str, Any]:
    account = _account(customer_id)
    if account is None:
        return {}
    referred_by = Referral.objects.filter(referee=account).first()
    made = Referral.objects.filter(referrer=account).order_by("pk")
    return {
        # read only: exporting must not create a code
        "code": ReferralCode.objects.filter(account=account).values_list("code", flat=True).first(),
        "referred_by": None
        if referred_by is None
        else {
            **_referral(referred_by, "referee"),
            "checkout_token": referred_by.checkout_token,
        },
        "friends_referred": [_referral(referral, "referrer") for referral in made],
    }
