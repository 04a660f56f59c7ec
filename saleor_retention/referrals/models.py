"""Referrals: each customer's code, and who brought whom.

Both sides are ``LoyaltyAccount`` rows, not Saleor users: an account outlives its customer (Saleor
may delete the user; the account then keeps ``customer = NULL`` for the books), so a referral and
the rewards it paid stay explainable. The rules live in ``referrals.services``; these tables keep the
invariants a race could otherwise break:

- one code per account, and every code unique (``ReferralCode``);
- one referral per referee, whichever code and however many requests (``Referral.referee`` is a
  one-to-one), and never an account referring itself.

The points are ledger entries under ``referral:<id>:referrer`` / ``referral:<id>:referee`` and,
when taken back, ``referral-reversal:<id>:referrer`` / ``referral-reversal:<id>:referee``.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint
from ..ledger.models import LoyaltyAccount

# Unambiguous characters (no 0/O, 1/I/L): codes are read aloud and typed from screenshots.
REFERRAL_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERRAL_CODE_MIN_LENGTH = 8
REFERRAL_CODE_MAX_LENGTH = 10


class ReferralCode(models.Model):
    account = models.OneToOneField(
        LoyaltyAccount, on_delete=models.PROTECT, related_name="referral_code"
    )
    code = models.CharField(max_length=REFERRAL_CODE_MAX_LENGTH, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            check_constraint(
                Q(code__regex=r"^[2-9A-HJKMNP-Z]{8,10}$"), name="ledger_referral_code_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"referral code {self.code} of account {self.account_id}"


class Referral(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the friend's first paid order")
        REWARDED = "rewarded", _("rewarded")
        REVERSED = "reversed", _("reversed: the first order was refunded or cancelled")
        REJECTED = "rejected", _("rejected: the order looked like a self-referral")

    referrer = models.ForeignKey(
        LoyaltyAccount, on_delete=models.PROTECT, related_name="referrals_made"
    )
    referee = models.OneToOneField(
        LoyaltyAccount, on_delete=models.PROTECT, related_name="referred_by"
    )
    code = models.CharField(max_length=REFERRAL_CODE_MAX_LENGTH)  # the code the friend gave
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The bonuses in force when the friend gave the code: the terms they were shown.
    referrer_points = models.PositiveIntegerField()
    referee_points = models.PositiveIntegerField()
    checkout_token = models.CharField(max_length=64, blank=True, default="")
    qualifying_order_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    note = models.CharField(max_length=200, blank=True, default="")  # why rejected, for staff
    created_at = models.DateTimeField(default=timezone.now)  # the monthly cap counts these
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            check_constraint(~Q(referrer=F("referee")), name="ledger_referral_not_self"),
        ]
        indexes = [models.Index(fields=["referrer", "created_at"])]

    def __str__(self) -> str:
        return (
            f"referral {self.pk}: account {self.referee_id} by {self.referrer_id} ({self.status})"
        )
