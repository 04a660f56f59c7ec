"""Loyalty cards put into parcels: programs, the decision per (program, order), and the cards.

- ``CardProgram``: what staff configure (kind, value, minimum spend, validity, eligibility,
  sample rate, priority, active dates, template).
- ``CardDecision``: one row per (program, order) that was eligible: ``issued`` (drawn) or
  ``control`` (not drawn). The unique constraint makes a replayed decision find the first answer.
- ``LoyaltyCard``: an issued card, backed by a real Saleor voucher under the same ``code``. The
  card keeps the terms it was issued with (kind, value, minimum spend, currency), so editing the
  program later changes no card already in a parcel.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint

# Unambiguous characters (no 0/O, 1/I): codes are typed from a printed card.
CARD_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CARD_CODE_LENGTH = 12  # Saleor 2.10's Voucher.code holds at most 12 characters; 31^12 ~ 7.9e17


class CardKind(models.TextChoices):
    PERCENTAGE = "percentage", _("percentage off")
    FIXED = "fixed", _("fixed amount off")
    FREE_SHIPPING = "free_shipping", _("free shipping")
    BONUS_POINTS = "bonus_points", _("bonus points on the next order")


class Eligibility(models.TextChoices):
    ANY = "any", _("any order")
    FIRST_ORDER = "first_order", _("the customer's first paid order")
    REPEAT = "repeat", _("repeat customers with at least K earlier paid orders")
    TIER = "tier", _("customers in one of the given tiers")


class CardProgram(models.Model):
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=CardKind.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)  # percent, money, or points
    currency = models.CharField(max_length=3)
    min_spend = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    validity_days = models.PositiveIntegerField()
    eligibility = models.CharField(
        max_length=16, choices=Eligibility.choices, default=Eligibility.ANY
    )
    min_paid_orders = models.PositiveIntegerField(default=0)  # for REPEAT: earlier paid orders
    eligible_tiers = models.JSONField(default=list, blank=True)  # for TIER: tier names
    sample_rate = models.DecimalField(max_digits=5, decimal_places=2)  # percent, 0..100
    priority = models.IntegerField(default=0)  # higher first
    is_active = models.BooleanField(default=True)
    active_from = models.DateTimeField(null=True, blank=True)
    active_until = models.DateTimeField(null=True, blank=True)
    template_name = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            check_constraint(
                Q(sample_rate__gte=0) & Q(sample_rate__lte=100),
                name="cards_program_sample_rate",
            ),
            check_constraint(Q(value__gte=0), name="cards_program_value"),
            check_constraint(Q(validity_days__gte=1), name="cards_program_validity_days"),
        ]
        indexes = [models.Index(fields=["is_active", "-priority"])]

    def __str__(self) -> str:
        return f"card program {self.pk}: {self.name}"


class CardDecision(models.Model):
    class Outcome(models.TextChoices):
        ISSUED = "issued", _("issued")
        CONTROL = "control", _("control group")

    program = models.ForeignKey(CardProgram, on_delete=models.PROTECT, related_name="decisions")
    order_id = models.CharField(max_length=64)
    fulfillment_id = models.CharField(max_length=64, blank=True, default="")
    customer = models.ForeignKey(  # null for a guest's order, or once the customer is erased
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    draw = models.DecimalField(max_digits=9, decimal_places=6)  # in [0, 100)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "order_id"], name="cards_decision_once"),
        ]
        indexes = [models.Index(fields=["order_id"])]

    def __str__(self) -> str:
        return f"program {self.program_id}, order {self.order_id}: {self.outcome}"


class LoyaltyCard(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("issued")
        PRINTED = "printed", _("printed")
        REDEEMED = "redeemed", _("redeemed")
        EXPIRED = "expired", _("expired")
        VOID = "void", _("void")

    program = models.ForeignKey(CardProgram, on_delete=models.PROTECT, related_name="cards")
    decision = models.OneToOneField(CardDecision, on_delete=models.PROTECT, related_name="card")
    order_id = models.CharField(max_length=64)
    fulfillment_id = models.CharField(max_length=64, db_index=True)
    customer = models.ForeignKey(  # as CardDecision.customer
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField(max_length=CARD_CODE_LENGTH, unique=True)
    kind = models.CharField(max_length=16, choices=CardKind.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    min_spend = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    printed_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_order_id = models.CharField(max_length=64, blank=True, default="")
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True, default="")
    pdf_path = models.CharField(max_length=200, blank=True, default="")  # in default storage

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "order_id"], name="cards_card_once"),
            check_constraint(
                Q(code__regex=r"^[2-9A-HJKMNP-Z]{8,12}$"), name="cards_card_code_shape"
            ),
        ]
        indexes = [models.Index(fields=["order_id"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"card {self.code} ({self.status})"
