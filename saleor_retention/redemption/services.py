"""Spending points at checkout: hold, fit to the checkout, settle on the order, give back.

Built on the ledger's public write API (``ledger.services``: ``hold``, ``release_hold``,
``spend``); every change locks the account row and then the hold (``lock_objects``).

A shopper applies N points to their checkout: the points are *held* (``held_points``, not
spendable elsewhere; the database refuses holding more than is available) and a single-purpose
Saleor gift card worth N x value-per-point is attached to the checkout, so Saleor's own totals,
payment amount and order carry the discount.

The card is only a carrier; the hold is the truth, and three guards keep the two in step:

* **Fit** (every time Saleor computes the checkout's total, through the plugin's
  ``calculate_checkout_total`` hook: the totalPrice a storefront reads, checkoutPaymentCreate,
  and checkoutComplete before it checks the payment and again before it builds the order): on
  its own checkout the card shrinks to what the cap allows now (lines removed, a voucher added),
  the points beyond go back to the shopper, and below the minimum the points come off. On any
  other checkout, or once the checkout has another owner, the card is taken off that checkout.
* **Refuse** (``preprocess_order_creation``, inside checkoutComplete's transaction): a card that
  is on someone else's checkout or worth more than the cap still stops the order with a typed
  error. Only reached if a fit could not run.
* **Settle** (the order's ``order_created`` event, or removing / replacing / abandoning): the
  points spent are what the owner's own order actually took off the card, at the hold's rate, in
  whole steps; the rest goes back. What another checkout's order took from the card is never
  charged to the owner: it is reported (and logged), and the card is retired so her checkout
  stays usable with points applied afresh.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import lock_objects
from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from ..ledger import services as ledger
from ..ledger.models import LoyaltyAccount, PointHold
from ..saleor_adapter import CheckoutFacts, OrderFacts, PointsCardFacts, PointsCheckoutFacts

logger = logging.getLogger(__name__)

# Unambiguous characters: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CENT = Decimal("0.01")
ZERO = Decimal("0")


# Every points card's code starts so (since the first release), so a checkout's ordinary gift
# cards are told apart without a query.
POINTS_CODE_PREFIX = "PTS"


def new_code(prefix: str = POINTS_CODE_PREFIX, length: int = 13) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def points_codes_on(checkout: Any) -> tuple[str, ...]:
    """The codes on a checkout (Saleor's object) that may be points cards. Reads Saleor's gift
    cards only (none of the plugin's tables, no settings, no savepoint): at most one query, none
    when Saleor prefetched them. The common checkout carries none, and costs no more."""
    return tuple(
        code
        for code in saleor.checkout_gift_card_codes(checkout)
        if code.startswith(POINTS_CODE_PREFIX)
    )


def points_codes_to_fit(checkout: Any) -> tuple[str, ...]:
    """``points_codes_on`` for a changed checkout: nothing read where the adapter knows without a
    query that no points card can be on it (Saleor 3: its channel has never seen one, and no gift
    card was just added), and the channel marked once a card is seen on it."""
    if not saleor.checkout_may_hold_points_card(checkout):
        return ()
    return _marked(checkout, points_codes_on(checkout))


def points_codes_at_completion(checkout: Any) -> tuple[str, ...]:
    """``points_codes_on`` for ``checkoutComplete``: always read, since it is the last check."""
    return _marked(checkout, points_codes_on(checkout))


def _marked(checkout: Any, codes: tuple[str, ...]) -> tuple[str, ...]:
    if codes:
        saleor.mark_points_cards_channel(checkout)
    return codes


@dataclasses.dataclass(frozen=True)
class Quote:
    """What the shopper can do with points on this checkout."""

    spendable: int
    max_points: int  # the most that can be applied now (balance, cap and step considered)
    value_per_point: Decimal | None
    applied_points: int
    applied_amount: Decimal


@dataclasses.dataclass(frozen=True)
class Settlement:
    """How a hold ended: points spent on its own checkout's order, points given back, and what
    other checkouts' orders took from its card (never charged to the owner)."""

    hold_id: int
    order_id: str
    points_spent: int
    points_released: int
    discount: Decimal  # what the owner's order received from the card
    taken_by_others: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "hold": self.hold_id,
            "order": self.order_id,
            "points_spent": self.points_spent,
            "points_released": self.points_released,
            "discount": str(self.discount),
            "taken_by_others": str(self.taken_by_others),
        }


def _value(points: int, value_per_point: Decimal) -> Decimal:
    return (points * value_per_point).quantize(CENT, rounding=ROUND_DOWN)


def cap_amount(subtotal_gross: Decimal, voucher_discount: Decimal, percent: int) -> Decimal:
    """The most points may take off: a share of what the goods cost after vouchers."""
    base = max(ZERO, subtotal_gross - voucher_discount)
    return (base * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_DOWN)


def _hold_value(hold: PointHold, points: int) -> Decimal:
    """``points`` at the rate the hold was made at (its amount for its points)."""
    return (Decimal(hold.amount) * points / hold.points).quantize(CENT, rounding=ROUND_DOWN)


def _points_worth(hold: PointHold, amount: Decimal, step: int) -> int:
    """The fewest points, in whole steps, that pay ``amount`` at the hold's rate (at most the
    hold): a discount is paid in full, never for free."""
    if amount <= 0 or hold.amount <= 0:
        return 0
    exact = (amount * hold.points / Decimal(hold.amount)).to_integral_value(rounding=ROUND_CEILING)
    points = int(exact)
    if step > 1 and points % step:
        points += step - points % step
    return min(points, hold.points)


def _active_hold(checkout_token: str) -> PointHold | None:
    return PointHold.objects.filter(
        checkout_token=checkout_token, status=PointHold.Status.ACTIVE
    ).first()


def quote(
    checkout: CheckoutFacts, account: LoyaltyAccount | None, settings: RetentionSettings
) -> Quote:
    hold = _active_hold(checkout.token)
    applied = hold.points if hold else 0
    value = settings.point_value_for(checkout.currency)
    spendable = 0
    if account is not None:
        spendable = account.available_points - account.held_points - account.debt_points
    spendable = max(0, spendable)
    if value is None:
        return Quote(spendable, 0, None, applied, hold.amount if hold else Decimal("0"))
    cap = cap_amount(
        checkout.subtotal_gross, checkout.voucher_discount, settings.redeem_max_share_percent
    )
    cap_points = int((cap / value).to_integral_value(rounding=ROUND_DOWN))
    usable = min(spendable + applied, cap_points)  # re-applying replaces the current hold
    usable -= usable % settings.redeem_step
    if usable < settings.redeem_min_points:
        usable = 0
    return Quote(spendable, usable, value, applied, hold.amount if hold else Decimal("0"))


def _refuse(message: str, code: RetentionErrorCode, field: str | None = "points") -> RetentionError:
    return RetentionError(message, code=code, field=field)


@transaction.atomic
def apply_points(
    *, customer_id: str, checkout: CheckoutFacts, points: int, settings: RetentionSettings
) -> PointHold:
    """Hold ``points`` for the checkout (replacing points applied before)."""
    if checkout.customer_id != customer_id:
        raise _refuse(
            _("This is not your checkout."), RetentionErrorCode.NOT_YOUR_CHECKOUT, "checkoutToken"
        )
    value = settings.point_value_for(checkout.currency)
    if value is None:
        raise _refuse(
            _("Points cannot pay for checkouts in %(currency)s.") % {"currency": checkout.currency},
            RetentionErrorCode.CURRENCY_NOT_SUPPORTED,
        )
    if points < max(1, settings.redeem_min_points):
        raise _refuse(
            _("Apply at least %(min)s points.") % {"min": max(1, settings.redeem_min_points)},
            RetentionErrorCode.BELOW_MINIMUM,
        )
    if points % settings.redeem_step:
        raise _refuse(
            _("Apply points in multiples of %(step)s.") % {"step": settings.redeem_step},
            RetentionErrorCode.WRONG_STEP,
        )
    amount = _value(points, value)
    cap = cap_amount(
        checkout.subtotal_gross, checkout.voucher_discount, settings.redeem_max_share_percent
    )
    if amount > cap:
        raise _refuse(
            _("Points can pay at most %(percent)s%% of this checkout (%(cap)s %(currency)s).")
            % {
                "percent": settings.redeem_max_share_percent,
                "cap": cap,
                "currency": checkout.currency,
            },
            RetentionErrorCode.ABOVE_CAP,
        )
    account = lock_objects.account(ledger.get_or_create_account(customer_id).pk)
    previous = _active_hold(checkout.token)
    if previous is not None:
        _settle(account, lock_objects.hold(previous.pk), settings)
    spendable = ledger.spendable(account)
    if points > spendable:
        raise _refuse(
            _("You have %(points)s points to spend.") % {"points": max(0, spendable)},
            RetentionErrorCode.INSUFFICIENT_POINTS,
        )
    expires_at = timezone.now() + timedelta(minutes=settings.redeem_hold_minutes)
    code = new_code()
    saleor.create_points_gift_card(
        code=code,
        amount=amount,
        currency=checkout.currency,
        customer_id=customer_id,
        ends_on=(expires_at + timedelta(days=1)).date(),
    )
    saleor.attach_gift_card(checkout.token, code)
    return ledger.hold(
        account=account,
        checkout_token=checkout.token,
        gift_card_code=code,
        points=points,
        amount=amount,
        currency=checkout.currency,
        expires_at=expires_at,
    )


@transaction.atomic
def remove_points(
    *, customer_id: str, checkout: CheckoutFacts, settings: RetentionSettings
) -> PointHold:
    if checkout.customer_id != customer_id:
        raise _refuse(
            _("This is not your checkout."), RetentionErrorCode.NOT_YOUR_CHECKOUT, "checkoutToken"
        )
    hold = _active_hold(checkout.token)
    if hold is None:
        raise _refuse(
            _("No points are applied to this checkout."),
            RetentionErrorCode.NOT_FOUND,
            "checkoutToken",
        )
    account = lock_objects.account(hold.account_id)
    _settle(account, lock_objects.hold(hold.pk), settings)
    hold.refresh_from_db()
    return hold


# --- the checkout changed: keep the card on its own checkout and within the cap --------------


def _made_for(hold: PointHold, account: LoyaltyAccount, checkout: PointsCheckoutFacts) -> bool:
    """A points card belongs on one checkout: the one it was made for, while its owner has it."""
    owner = str(account.customer_id) if account.customer_id else None
    return checkout.token == hold.checkout_token and checkout.customer_id == owner


def _points_that_fit(
    hold: PointHold, checkout: PointsCheckoutFacts, settings: RetentionSettings
) -> int:
    """The most of the hold's points the checkout allows now (cap, step, minimum); 0: none."""
    cap = cap_amount(
        checkout.subtotal_gross, checkout.voucher_discount, settings.redeem_max_share_percent
    )
    if hold.amount <= 0:
        return 0
    fits = int((cap * hold.points / Decimal(hold.amount)).to_integral_value(rounding=ROUND_DOWN))
    fits = min(hold.points, fits)
    fits -= fits % max(1, settings.redeem_step)
    return fits if fits >= max(1, settings.redeem_min_points) else 0


def _active_holds_for(codes: tuple[str, ...]) -> list[tuple[int, int]]:
    if not codes:
        return []
    return list(
        PointHold.objects.filter(gift_card_code__in=codes, status=PointHold.Status.ACTIVE)
        .order_by("account_id", "pk")
        .values_list("pk", "account_id")
    )


def fit_points_to_checkout(
    checkout: Any,
    settings: RetentionSettings,
    lines: Any = None,
    *,
    codes: tuple[str, ...] | None = None,
) -> None:
    """Called whenever Saleor computes the checkout's total (``checkout`` is Saleor's object,
    handed to the adapter); ``codes``: its gift card codes when the caller read them already
    (``points_codes_on``). A checkout whose codes name no active hold costs one query."""
    if codes is None:
        codes = points_codes_on(checkout)
    holds = _active_holds_for(codes)
    if not holds:
        return
    facts = saleor.points_checkout_facts(checkout, lines)
    for hold_id, account_id in holds:
        with transaction.atomic():
            account = lock_objects.account(account_id)
            hold = lock_objects.hold(hold_id)
            if hold.status != PointHold.Status.ACTIVE:
                continue
            if not _made_for(hold, account, facts):
                # Someone else's points: off this checkout, still good on its own.
                saleor.detach_gift_card(facts.token, hold.gift_card_code)
                continue
            card = saleor.lock_points_gift_card(hold.gift_card_code)
            if card is None or card.used > 0:
                continue  # an order used it: its settlement decides
            _shrink_to(account, hold, _points_that_fit(hold, facts, settings), settings)


def _shrink_to(
    account: LoyaltyAccount, hold: PointHold, points: int, settings: RetentionSettings
) -> None:
    if points >= hold.points:
        return  # never grows by itself: the shopper applies more if she wants
    if points == 0:
        _settle(account, hold, settings)
        return
    amount = _hold_value(hold, points)
    saleor.resize_points_gift_card(hold.gift_card_code, amount)
    ledger.release_hold(account, hold, keep=points, keep_amount=amount)


def points_cards_refusal(
    checkout: Any, settings: RetentionSettings, *, codes: tuple[str, ...] | None = None
) -> RetentionError | None:
    """Last check inside checkoutComplete: a points card that is not its checkout's own, or
    worth more than the cap, stops the order. Reads only; a fit normally made this moot.
    ``codes``: as for ``fit_points_to_checkout``."""
    holds = _active_holds_for(points_codes_on(checkout) if codes is None else codes)
    if not holds:
        return None
    facts = saleor.points_checkout_facts(checkout)
    cap = cap_amount(
        facts.subtotal_gross, facts.voucher_discount, settings.redeem_max_share_percent
    )
    for hold in PointHold.objects.filter(pk__in=[pk for pk, _account in holds]).select_related(
        "account"
    ):
        if not _made_for(hold, hold.account, facts):
            return _refuse(
                _("This points code belongs to another customer's checkout. Remove it."),
                RetentionErrorCode.NOT_YOUR_CHECKOUT,
                "promoCode",
            )
        card = saleor.lock_points_gift_card(hold.gift_card_code)
        if card is not None and (
            card.current_balance > cap or hold.points < settings.redeem_min_points
        ):
            return _refuse(
                _("The points applied no longer fit this checkout. Apply them again."),
                RetentionErrorCode.ABOVE_CAP,
                "promoCode",
            )
    return None


# --- settlement: what an order used is spent, the rest goes back ------------------------------


def _settle(account: LoyaltyAccount, hold: PointHold, settings: RetentionSettings) -> Settlement:
    """End an active hold (both rows locked by the caller): retire its card, spend what its own
    checkout's order took off the card, give back every other point."""
    card = saleor.lock_points_gift_card(hold.gift_card_code)
    saleor.retire_points_gift_card(hold.gift_card_code)
    own_order, discount, taken_by_others = _card_use(hold, account, card)
    spent = _points_worth(hold, discount, settings.redeem_step) if own_order else 0
    if spent:
        ledger.spend(
            account,
            hold,
            order_id=own_order,
            points=spent,
            details={
                "amount": str(discount),
                "currency": hold.currency,
                "hold": hold.pk,
                "held": hold.points,
            },
        )
    else:
        ledger.release_hold(account, hold)
    if taken_by_others > 0:
        logger.warning(
            "retention: points card of hold %s: %s %s used by another checkout's order, "
            "not charged to its owner",
            hold.pk,
            taken_by_others,
            hold.currency,
        )
    return Settlement(
        hold_id=hold.pk,
        order_id=own_order if spent else "",
        points_spent=spent,
        points_released=hold.points - spent,
        discount=discount if spent else ZERO,
        taken_by_others=taken_by_others,
    )


def _card_use(
    hold: PointHold, account: LoyaltyAccount, card: PointsCardFacts | None
) -> tuple[str, Decimal, Decimal]:
    """(the owner's own order using the card or "", what it received, what others received)."""
    if card is None or card.used <= 0:
        return "", ZERO, ZERO
    owner = str(account.customer_id) if account.customer_id else None
    own = [
        order
        for order in card.orders
        if order.checkout_token == hold.checkout_token and order.customer_id == owner
    ]
    if not own:
        return "", ZERO, card.used
    # One order per checkout in Saleor; with others on the card too, the own order's share is
    # what cards took off it (never more than the card lost).
    received = card.used if len(card.orders) == 1 else min(card.used, own[0].gift_card_discount)
    return own[0].id, received, card.used - received


def spend_for_order(order: OrderFacts, settings: RetentionSettings) -> dict[str, Any]:
    """Settle the holds whose cards this order used; returns what happened, per hold."""
    settled = []
    for hold_id, account_id in _active_holds_for(order.gift_card_codes):
        with transaction.atomic():
            account = lock_objects.account(account_id)
            hold = lock_objects.hold(hold_id)
            if hold.status == PointHold.Status.ACTIVE:
                settled.append(_settle(account, hold, settings))
    return {
        "points_spent": sum(s.points_spent for s in settled if s.order_id == order.id),
        "holds": [s.as_dict() for s in settled],
    }


def release_stale_holds(settings: RetentionSettings, now: datetime | None = None) -> int:
    """Settle holds of checkouts abandoned past their time (spent only if their order used them)."""
    now = now or timezone.now()
    stale = PointHold.objects.filter(status=PointHold.Status.ACTIVE, expires_at__lte=now)
    count = 0
    for hold_id, account_id in stale.values_list("pk", "account_id"):
        with transaction.atomic():
            account = lock_objects.account(account_id)
            hold = lock_objects.hold(hold_id)
            if hold.status == PointHold.Status.ACTIVE:
                _settle(account, hold, settings)
                count += 1
    return count
