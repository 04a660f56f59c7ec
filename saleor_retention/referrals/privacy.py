"""The referrals domain's part of erasure and export.

Erasure deletes her referral code (nobody can claim it any more) and clears the checkout token
she gave a code at. The referrals stay, both those she made and the one that brought her, so the
ledger entries they explain and the referrer's monthly cap stay right (a friend who is erased
still counted as brought that month). Self-referral checks read addresses and e-mails from
Saleor at the moment of the claim, so the plugin stores no fingerprint of them.

Her rows are found through her loyalty account, so this runs before the ledger's eraser unlinks
it (``privacy.ERASURE_ORDER``).
"""

from __future__ import annotations

from typing import Any

from ..ledger.selectors import account_for_customer
from ..privacy import eraser, exporter
from .models import Referral, ReferralCode

REFERRAL_FIELDS = [
    "ReferralCode.account",
    "Referral.referrer",
    "Referral.referee",
    "Referral.checkout_token",
    "Referral.referrer_points",  # kept on the referral for the books, exported as "points"
    "Referral.referee_points",
]


@eraser(fields=REFERRAL_FIELDS)
def erase_referrals(customer_id: str) -> dict[str, Any]:
    account = account_for_customer(customer_id)
    if account is None:
        return {}
    return {
        "referral_codes_deleted": ReferralCode.objects.filter(account=account).delete()[0],
        "referral_tokens_cleared": Referral.objects.filter(
            referee=account, checkout_token__gt=""
        ).update(checkout_token=""),
    }


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
    account = account_for_customer(customer_id)
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
