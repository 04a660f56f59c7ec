"""The points ledger: accounts with cached balances, immutable entries, and lots.

Invariants (kept by ``ledger.services`` under the account's row lock, backed by constraints):
- every credit is a ``PointLot`` with its own remaining amount, availability and expiry date;
- ``LoyaltyAccount.available_points`` / ``pending_points`` equal the remainders of the account's
  available / pending lots; ``debt_points`` is what a reversal could not take back;
- the sum of an account's ``LedgerEntry.points`` equals available + pending - debt;
- each business event posts at most one entry (``LedgerEntry.idempotency_key`` is unique).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint


class LoyaltyAccount(models.Model):
    # SET_NULL: when Saleor deletes the customer the amounts stay for the books.
    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="loyalty_account",
    )
    available_points = models.IntegerField(default=0)
    pending_points = models.IntegerField(default=0)
    held_points = models.IntegerField(default=0)
    debt_points = models.IntegerField(default=0)
    lifetime_points = models.IntegerField(default=0)
    # The spendable points by expiry date as ``me { loyalty { expiringPoints } }`` last read
    # them ({"tz": ..., "groups": [...]}): every write that moves points sets it back to null,
    # and the next read groups the lots again and keeps the result (ledger/selectors.py).
    expiring_points_cache = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            check_constraint(Q(available_points__gte=0), name="ledger_available_gte_0"),
            check_constraint(Q(pending_points__gte=0), name="ledger_pending_gte_0"),
            check_constraint(Q(debt_points__gte=0), name="ledger_debt_gte_0"),
            check_constraint(Q(lifetime_points__gte=0), name="ledger_lifetime_gte_0"),
            # Held points are spendable points set aside: never more than what is available.
            check_constraint(
                Q(held_points__gte=0) & Q(held_points__lte=F("available_points")),
                name="ledger_held_within_available",
            ),
        ]

    def __str__(self) -> str:
        return f"loyalty account {self.pk}"


class EntryType(models.TextChoices):
    EARN = "earn", _("Earned on an order")
    RELEASE = "release", _("Pending points became available")
    REDEEM = "redeem", _("Redeemed")
    REDEEM_RELEASE = "redeem_release", _("Redeemed points returned")
    REVERSAL = "reversal", _("Reversed (refund or cancellation)")
    EXPIRY = "expiry", _("Expired")
    SIGNUP_BONUS = "signup_bonus", _("Sign-up bonus")
    BIRTHDAY_BONUS = "birthday_bonus", _("Birthday bonus")
    REVIEW_REWARD = "review_reward", _("Review reward")
    REFERRAL_REWARD = "referral_reward", _("Referral reward")
    CAMPAIGN_BONUS = "campaign_bonus", _("Campaign bonus")
    CARD_BONUS = "card_bonus", _("Loyalty card bonus")
    ADJUSTMENT = "adjustment", _("Adjusted by staff")


class LedgerEntry(models.Model):
    """One immutable line of an account's history. ``points`` is the signed change of the
    customer's total (available + pending - debt)."""

    account = models.ForeignKey(LoyaltyAccount, on_delete=models.PROTECT, related_name="entries")
    type = models.CharField(max_length=32, choices=EntryType.choices)
    points = models.IntegerField()
    idempotency_key = models.CharField(max_length=200, unique=True)
    order_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    staff_user_id = models.CharField(max_length=64, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-pk",)
        indexes = [models.Index(fields=["account", "-id"])]

    def __str__(self) -> str:
        return f"{self.type} {self.points:+d} ({self.idempotency_key})"


class PointLot(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        AVAILABLE = "available", _("available")

    account = models.ForeignKey(LoyaltyAccount, on_delete=models.PROTECT, related_name="lots")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="lot")
    amount = models.PositiveIntegerField()
    remaining = models.IntegerField()
    status = models.CharField(max_length=16, choices=Status.choices)
    available_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)  # null: never expires
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            check_constraint(
                Q(remaining__gte=0) & Q(remaining__lte=F("amount")),
                name="ledger_lot_remaining_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status", "expires_at"]),
            models.Index(fields=["status", "available_at"]),
        ]

    def __str__(self) -> str:
        return f"lot {self.pk}: {self.remaining}/{self.amount} {self.status}"


class LotMovement(models.Model):
    """How an entry changed a lot: negative when it consumed points, positive when it gave
    them back (so a reversed spend restores exactly the lots it used)."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(PointLot, on_delete=models.PROTECT, related_name="movements")
    points = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "lot"], name="ledger_one_movement_per_lot"),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} on lot {self.lot_id} by entry {self.entry_id}"


class PointHold(models.Model):
    """Points set aside for one checkout, backed by a single-use Saleor gift card.

    The gift card is how Saleor's own totals, payment amount and order show the discount. Its
    balance is the truth of whether the discount was used: a hold whose card was spent becomes a
    spend, whichever checkout spent it; a hold whose card is untouched can be released.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("applied to a checkout")
        SPENT = "spent", _("spent on an order")
        RELEASED = "released", _("released")

    account = models.ForeignKey(LoyaltyAccount, on_delete=models.PROTECT, related_name="holds")
    checkout_token = models.CharField(max_length=64)
    gift_card_code = models.CharField(max_length=32, unique=True)
    points = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField()
    order_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkout_token"],
                condition=Q(status="active"),
                name="ledger_one_active_hold_per_checkout",
            ),
            check_constraint(Q(points__gt=0), name="ledger_hold_points_gt_0"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"hold {self.pk}: {self.points} points on checkout {self.checkout_token} ({self.status})"
