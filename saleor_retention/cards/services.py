"""Card programs, the decision on a parcel, issuing a card with its Saleor voucher, voiding and
redeeming it. Every write to the cards' tables goes through here.

- **Programs** (``program_create`` / ``program_update`` / ``program_deactivate``): the whole input
  is checked before anything is written; a refusal is a ``RetentionError`` with the field and a
  code, and changes nothing. Eligibility: any order, a first order, a repeat customer with K
  earlier paid orders, or a customer whose tier is in a list.
- **Decision** (``decide_for_parcel``): once per order, on its first parcel. Active programs are
  taken by priority (highest first, then oldest); for each one the order is eligible for, the
  sample draw (``draw``: HMAC-SHA256 of program and order under the Django ``SECRET_KEY``, mapped
  to [0, 100)) below the sample rate issues a card, else the order is recorded as that program's
  control group. At most ``cards_per_parcel`` cards are issued; programs after the limit is
  reached record nothing for the order (their treatment and control groups both lose it, so the
  comparison stays fair). ``CardDecision`` is unique per (program, order): a replay finds the
  first answer and issues nothing twice.
- **Card**: a real Saleor voucher under a 12-character code from an unambiguous alphabet
  (``secrets``), single use, ending ``validity_days`` after issue, with the program's minimum
  spend and discount type.
- **Void** (fulfillment or order cancelled, or staff): the voucher's end date becomes now, so
  Saleor refuses the code; the voucher row is kept, not deleted, because Saleor's orders point at
  their voucher and the dashboard keeps showing what was given. A redeemed card stays redeemed.
- **Redeem**: an order created with a card's code marks the card redeemed, linked to that order.
- **Bonus points** (``BONUS_POINTS`` cards, ``value`` points): the code is a 0 % Saleor voucher,
  entered through the same promo-code flow; when the order that used it is paid, its customer
  earns the card's points through the ledger (pending for the return window like earned points,
  once per card: key ``card-bonus:<card>``). Cancelling that order or refunding it in full takes
  them back; a partial refund takes nothing (the bonus is a reward for coming back, not a share
  of the order). A guest order earns nothing: there is no account to credit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import operator_settings
from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..errors import RetentionErrorCode
from ..ledger import services as ledger
from ..ledger.models import EntryType, LedgerEntry
from ..saleor_adapter import OrderFacts
from ..textclean import plain_text
from ..validators import invalid as _invalid
from ..validators import paid_orders_threshold, rank, whole_number
from . import events, kinds
from .models import (
    CARD_CODE_ALPHABET,
    CARD_CODE_LENGTH,
    CardDecision,
    CardKind,
    CardProgram,
    Eligibility,
    LoyaltyCard,
)
from .printing import schedule_rendering

DRAW_PLACES = Decimal("0.000001")
HUNDRED = Decimal("100")
MAX_NUMBER = Decimal("1000000")
MAX_TIERS = 20
TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
OPEN_STATUSES = (LoyaltyCard.Status.ISSUED, LoyaltyCard.Status.PRINTED)

PROGRAM_FIELDS = (
    "name",
    "kind",
    "value",
    "currency",
    "min_spend",
    "validity_days",
    "eligibility",
    "min_paid_orders",
    "eligible_tiers",
    "sample_rate",
    "priority",
    "is_active",
    "active_from",
    "active_until",
    "template_name",
)
PROGRAM_DEFAULTS: dict[str, Any] = {
    "min_spend": None,
    "eligibility": "any",
    "min_paid_orders": 0,
    "eligible_tiers": [],
    "priority": 0,
    "is_active": True,
    "active_from": None,
    "active_until": None,
    "template_name": "",
}


# --- programs --------------------------------------------------------------------------------


def _decimal(raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise _invalid(_("Enter a number."), field) from None
    if not value.is_finite():
        raise _invalid(_("Enter a number."), field)
    # every amount here is at most 1,000,000; bigger ones would overflow quantize's precision
    if abs(value) > MAX_NUMBER:
        raise _invalid(_("Enter a number of at most 1,000,000."), field)
    if value != value.quantize(Decimal("0.01")):
        raise _invalid(_("Use at most two decimal places."), field)
    return value


def validate_program(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a whole program (given values over defaults); return the cleaned values."""
    data = {**PROGRAM_DEFAULTS, **{k: v for k, v in values.items() if k in PROGRAM_FIELDS}}
    required = {
        "name": "name",
        "kind": "kind",
        "value": "value",
        "validity_days": "validityDays",
        "sample_rate": "sampleRate",
    }
    for field, input_name in required.items():
        if data.get(field) is None or data.get(field) == "":
            raise _invalid(_("This field is required."), input_name, RetentionErrorCode.REQUIRED)
    clean: dict[str, Any] = {}
    # staff-written, shown on printed cards and to shoppers: plain text, no bidi or controls
    name = plain_text(str(data["name"]))
    if not name or len(name) > 100:
        raise _invalid(_("Enter a name of 1 to 100 characters."), "name")
    clean["name"] = name
    kind = str(data["kind"])
    if kind not in kinds.KINDS:
        raise _invalid(_("Unknown card kind."), "kind")
    clean["kind"] = kind
    strategy = kinds.strategy_for(kind)
    value = _decimal(data["value"], "value")
    clean["value"] = strategy.clean_value(value)
    currency = str(data.get("currency") or saleor.default_currency()).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise _invalid(_("Enter a three-letter currency code."), "currency")
    clean["currency"] = currency
    min_spend = data["min_spend"]
    if min_spend is not None:
        min_spend = _decimal(min_spend, "minSpend")
        if not Decimal("0") <= min_spend <= kinds.MAX_MONEY:
            raise _invalid(_("A minimum spend must be from 0 to 1,000,000."), "minSpend")
    strategy.check_min_spend(value, min_spend)
    clean["min_spend"] = min_spend
    clean["validity_days"] = whole_number(
        data["validity_days"],
        field="validityDays",
        minimum=1,
        maximum=3650,
        message=_("Enter a number of days from 1 to 3650."),
    )
    eligibility = str(data["eligibility"])
    if eligibility not in Eligibility.values:
        raise _invalid(_("Unknown eligibility."), "eligibility")
    clean["eligibility"] = eligibility
    if eligibility != Eligibility.REPEAT and data["min_paid_orders"]:
        raise _invalid(
            _("Earlier paid orders apply only to repeat-customer programs."), "minPaidOrders"
        )
    clean["min_paid_orders"] = paid_orders_threshold(
        data["min_paid_orders"],
        applies=eligibility == Eligibility.REPEAT,
        message=_("Repeat customers need from 1 to 1000 earlier paid orders."),
    )
    clean["eligible_tiers"] = _tier_names(data["eligible_tiers"], eligibility)
    rate = _decimal(data["sample_rate"], "sampleRate")
    if not Decimal("0") <= rate <= HUNDRED:
        raise _invalid(_("The sample rate is a percentage from 0 to 100."), "sampleRate")
    clean["sample_rate"] = rate
    clean["priority"] = rank(
        data["priority"], field="priority", message=_("Enter a priority from -1000 to 1000.")
    )
    clean["is_active"] = bool(data["is_active"])
    start, end = data["active_from"], data["active_until"]
    if start is not None and end is not None and end <= start:
        raise _invalid(_("The program must end after it starts."), "activeUntil")
    clean["active_from"], clean["active_until"] = start, end
    template = str(data["template_name"] or "").strip()
    if template and not TEMPLATE_NAME.match(template):
        raise _invalid(
            _("A template name has up to 100 letters, digits, '-', '_' and '.'."), "templateName"
        )
    clean["template_name"] = template
    return clean


def _tier_names(raw: Any, eligibility: str) -> list[str]:
    names: list[str] = []
    for name in raw or []:
        name = str(name).strip()
        if not name or len(name) > 40:
            raise _invalid(_("A tier name has 1 to 40 characters."), "eligibleTiers")
        if name not in names:
            names.append(name)
    if eligibility == Eligibility.TIER and not 1 <= len(names) <= MAX_TIERS:
        raise _invalid(_("Name from 1 to 20 tiers whose customers get the card."), "eligibleTiers")
    if eligibility != Eligibility.TIER and names:
        raise _invalid(_("Tiers apply only to tier programs."), "eligibleTiers")
    return names


@transaction.atomic
def program_create(*, values: Mapping[str, Any]) -> CardProgram:
    return CardProgram.objects.create(**validate_program(values))


def _program(program_id: str, *, lock: bool = False) -> CardProgram:
    programs = CardProgram.objects.select_for_update() if lock else CardProgram.objects
    program = programs.filter(pk=program_id).first() if str(program_id).isdigit() else None
    if program is None:
        raise _invalid(_("No card program with this id."), "id", RetentionErrorCode.NOT_FOUND)
    return program


@transaction.atomic
def program_update(*, program_id: str, values: Mapping[str, Any]) -> CardProgram:
    """Change the given fields; cards already issued keep the terms they were issued with."""
    program = _program(program_id, lock=True)
    current = {field: getattr(program, field) for field in PROGRAM_FIELDS}
    clean = validate_program({**current, **values})
    for field, value in clean.items():
        setattr(program, field, value)
    program.save()
    return program


@transaction.atomic
def program_deactivate(*, program_id: str) -> CardProgram:
    program = _program(program_id, lock=True)
    if program.is_active:
        program.is_active = False
        program.save(update_fields=["is_active", "updated_at"])
    return program


# --- the decision ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ParcelFacts:
    """What the decision needs about an order's first parcel (plain values, no Saleor)."""

    order_id: str
    fulfillment_id: str
    customer_id: str | None
    currency: str
    earlier_paid_orders: int
    customer_tier: str = ""  # the tier the customer holds now ("" for none)


def draw(program_id: int | str, order_id: str) -> Decimal:
    """The order's deterministic draw for a program, in [0, 100) with six decimal places."""
    message = f"loyalty-card-draw:{program_id}:{order_id}".encode()
    digest = hmac.new(django_settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    fraction = Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)
    return (fraction * HUNDRED).quantize(DRAW_PLACES, rounding=ROUND_DOWN)


def active_programs(now: datetime) -> list[CardProgram]:
    from django.db.models import Q

    return list(
        CardProgram.objects.filter(is_active=True)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=now))
        .filter(Q(active_until__isnull=True) | Q(active_until__gt=now))
        .order_by("-priority", "pk")
    )


def is_eligible(program: CardProgram, parcel: ParcelFacts) -> bool:
    if parcel.currency.upper() != program.currency:
        return False
    if program.eligibility == Eligibility.FIRST_ORDER:
        return parcel.earlier_paid_orders == 0
    if program.eligibility == Eligibility.REPEAT:
        return parcel.earlier_paid_orders >= program.min_paid_orders
    if program.eligibility == Eligibility.TIER:
        return bool(parcel.customer_tier) and parcel.customer_tier in program.eligible_tiers
    return True


def decide_for_parcel(
    parcel: ParcelFacts, settings: RetentionSettings, *, now: datetime | None = None
) -> list[CardDecision]:
    """Decide once per order which programs put a card in this parcel (see the module doc)."""
    existing = list(CardDecision.objects.filter(order_id=parcel.order_id).order_by("pk"))
    if existing:
        return existing
    now = now or timezone.now()
    decisions: list[CardDecision] = []
    issued = 0
    for program in active_programs(now):
        if issued >= settings.cards_per_parcel:
            break
        if not is_eligible(program, parcel):
            continue
        decision = _decide(program, parcel, now)
        decisions.append(decision)
        if decision.outcome == CardDecision.Outcome.ISSUED:
            issued += 1
    return decisions


def _decide(program: CardProgram, parcel: ParcelFacts, now: datetime) -> CardDecision:
    value = draw(program.pk, parcel.order_id)
    outcome = (
        CardDecision.Outcome.ISSUED if value < program.sample_rate else CardDecision.Outcome.CONTROL
    )
    try:
        with transaction.atomic():
            decision = CardDecision.objects.create(
                program=program,
                order_id=parcel.order_id,
                fulfillment_id=parcel.fulfillment_id,
                customer_id=parcel.customer_id or None,
                outcome=outcome,
                draw=value,
                decided_at=now,
            )
            if outcome == CardDecision.Outcome.ISSUED:
                _issue(program, decision, now)
    except IntegrityError:  # a concurrent delivery decided first: its answer stands
        return CardDecision.objects.get(program=program, order_id=parcel.order_id)
    return decision


def new_card_code(length: int = CARD_CODE_LENGTH) -> str:
    return "".join(secrets.choice(CARD_CODE_ALPHABET) for _i in range(length))


def _issue(program: CardProgram, decision: CardDecision, now: datetime) -> LoyaltyCard:
    expires_at = now + timedelta(days=program.validity_days)
    attempts = operator_settings.value("RETENTION_CARD_CODE_ATTEMPTS")
    strategy = kinds.strategy_for(program.kind)
    for _attempt in range(attempts):
        code = new_card_code()
        try:
            with transaction.atomic():  # savepoint: the code may be taken by any Saleor voucher
                saleor.create_card_voucher(
                    code=code,
                    name=f"Loyalty card: {program.name}",
                    applies_to=strategy.voucher_applies_to,
                    value_type=strategy.voucher_value_type,
                    discount=strategy.voucher_discount(program.value),
                    currency=program.currency,
                    min_spent=program.min_spend,
                    starts_at=now,
                    ends_at=expires_at,
                )
        except IntegrityError:
            continue
        card = LoyaltyCard.objects.create(
            program=program,
            decision=decision,
            order_id=decision.order_id,
            fulfillment_id=decision.fulfillment_id,
            customer_id=decision.customer_id,
            code=code,
            kind=program.kind,
            value=program.value,
            currency=program.currency,
            min_spend=program.min_spend,
            issued_at=now,
            expires_at=expires_at,
        )
        schedule_rendering(card.pk)
        return card
    raise RuntimeError(f"could not draw a free card code in {attempts} attempts")


# --- void and redeem -------------------------------------------------------------------------


VOIDED_BY_STAFF = "voided by staff"


def _void(card: LoyaltyCard, reason: str, now: datetime) -> bool:
    if card.status not in OPEN_STATUSES:
        return False
    saleor.end_voucher(card.code, at=now)
    card.status = LoyaltyCard.Status.VOID
    card.voided_at = now
    card.void_reason = reason[:200]
    card.save(update_fields=["status", "voided_at", "void_reason"])
    return True


@transaction.atomic
def void_cards(
    *,
    order_id: str | None = None,
    fulfillment_id: str | None = None,
    customer_id: str | None = None,
    reason: str,
) -> int:
    """Void the open cards of an order, of one fulfillment or of a customer; returns how many
    were voided."""
    cards = LoyaltyCard.objects.select_for_update().order_by("pk")
    if order_id is not None:
        cards = cards.filter(order_id=order_id)
    if fulfillment_id is not None:
        cards = cards.filter(fulfillment_id=fulfillment_id)
    if customer_id is not None:
        cards = cards.filter(customer_id=customer_id)
    now = timezone.now()
    return sum(_void(card, reason, now) for card in cards)


@transaction.atomic
def card_void(*, card_id: str, staff_user_id: str) -> LoyaltyCard:
    """Staff void one card; refused for a card already void or redeemed. The staff member is
    on the audit record."""
    card = (
        LoyaltyCard.objects.select_for_update().filter(pk=card_id).first()
        if str(card_id).isdigit()
        else None
    )
    if card is None:
        raise _invalid(_("No loyalty card with this id."), "id", RetentionErrorCode.NOT_FOUND)
    if card.status == LoyaltyCard.Status.VOID:
        raise _invalid(_("This card is already void."), "id", RetentionErrorCode.ALREADY_DONE)
    if card.status == LoyaltyCard.Status.REDEEMED:
        raise _invalid(_("A redeemed card cannot be voided."), "id")
    status_before = str(card.status)
    _void(card, VOIDED_BY_STAFF, timezone.now())
    events.card_voided_event(
        card=card,
        staff_user_id=staff_user_id,
        status_before=status_before,
        reason=VOIDED_BY_STAFF,
    )
    return card


@transaction.atomic
def redeem_for_order(*, order_id: str, voucher_code: str | None) -> LoyaltyCard | None:
    """The order used a card's code: the card becomes redeemed, linked to the order."""
    if not voucher_code:
        return None
    card = LoyaltyCard.objects.select_for_update().filter(code=voucher_code).first()
    if card is None:
        return None
    if card.status == LoyaltyCard.Status.REDEEMED:
        return card
    card.status = LoyaltyCard.Status.REDEEMED
    card.redeemed_at = timezone.now()
    card.redeemed_order_id = order_id
    card.save(update_fields=["status", "redeemed_at", "redeemed_order_id"])
    return card


# --- bonus-points cards ----------------------------------------------------------------------


def _bonus_card(voucher_code: str | None) -> LoyaltyCard | None:
    if not voucher_code:
        return None
    return LoyaltyCard.objects.filter(code=voucher_code, kind=CardKind.BONUS_POINTS).first()


def credit_bonus_for_paid_order(
    *, order: OrderFacts, voucher_code: str | None, settings: RetentionSettings
) -> LedgerEntry | None:
    """The paid order used a bonus-points card: its customer earns the card's points, once."""
    card = _bonus_card(voucher_code)
    if card is None or order.customer_id is None or order.status == "canceled":
        return None
    if card.redeemed_order_id and card.redeemed_order_id != order.id:
        return None  # Saleor let one code through twice (it should not): only the first earns
    return ledger.credit(
        customer_id=order.customer_id,
        points=int(card.value),
        type=EntryType.CARD_BONUS,
        key=f"card-bonus:{card.pk}",
        settings=settings,
        pending_days=settings.pending_days,
        order_id=order.id,
        reason=gettext_noop("Loyalty card bonus"),
        details={"card": card.code, "order_number": order.number},
    )


def take_back_bonus(
    *, order_id: str, voucher_code: str | None, settings: RetentionSettings
) -> LedgerEntry | None:
    """The order that earned a card's bonus was cancelled or refunded in full."""
    card = _bonus_card(voucher_code)
    if card is None or card.redeemed_order_id not in ("", order_id):
        return None
    return ledger.take_back_credit(
        credit_key=f"card-bonus:{card.pk}",
        key=f"card-bonus-reversal:{card.pk}",
        reason=gettext_noop("Loyalty card bonus taken back"),
        policy=settings.negative_balance_policy,
        order_id=order_id,
        details={"card": card.code},
    )


# --- expiry ----------------------------------------------------------------------------------


def expire_cards(now: datetime | None = None) -> int:
    """Cards past their end date that nobody redeemed become ``expired`` (the daily run); their
    Saleor vouchers already end on that date. Returns how many."""
    now = now or timezone.now()
    return LoyaltyCard.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now).update(
        status=LoyaltyCard.Status.EXPIRED
    )
