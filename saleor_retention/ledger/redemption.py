"""Spending points at checkout: hold, spend on order, release, and return on refund/cancel.

Built on the ledger's write path (``services``): every change locks the account row first.

A shopper applies N points to their checkout: the points are *held* (``held_points``, not
spendable elsewhere; the database refuses holding more than is available) and a single-purpose
Saleor gift card worth N x value-per-point is attached to the checkout, so Saleor's own totals,
payment amount and order carry the discount. When the order is created the hold becomes a spend
that consumes the soonest-expiring lots. Removing the points, or the checkout being abandoned past
the configured time, releases the hold: the card is retired first, under a row lock, and if any of
its balance was used (on whichever checkout), the hold is spent instead of released.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from ..saleor_adapter import CheckoutFacts, OrderFacts
from . import services
from .models import EntryType, LedgerEntry, LotMovement, LoyaltyAccount, PointHold, PointLot

# Unambiguous characters: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CENT = Decimal("0.01")


def new_code(prefix: str = "PTS", length: int = 13) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


@dataclasses.dataclass(frozen=True)
class Quote:
    """What the shopper can do with points on this checkout."""

    spendable: int
    max_points: int  # the most that can be applied now (balance, cap and step considered)
    value_per_point: Decimal | None
    applied_points: int
    applied_amount: Decimal


def _value(points: int, value_per_point: Decimal) -> Decimal:
    return (points * value_per_point).quantize(CENT, rounding=ROUND_DOWN)


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
    cap_amount = checkout.subtotal_gross * Decimal(settings.redeem_max_share_percent) / 100
    cap_points = int((cap_amount / value).to_integral_value(rounding=ROUND_DOWN))
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
    cap = (checkout.subtotal_gross * Decimal(settings.redeem_max_share_percent) / 100).quantize(
        CENT, rounding=ROUND_DOWN
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
    account = services._lock(services.get_or_create_account(customer_id).pk)
    previous = _active_hold(checkout.token)
    if previous is not None:
        _release_or_spend(account, previous)
        account.refresh_from_db()
    spendable = account.available_points - account.held_points - account.debt_points
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
    hold = PointHold.objects.create(
        account=account,
        checkout_token=checkout.token,
        gift_card_code=code,
        points=points,
        amount=amount,
        currency=checkout.currency,
        expires_at=expires_at,
    )
    services._move_balances(account, held=points)
    return hold


@transaction.atomic
def remove_points(*, customer_id: str, checkout: CheckoutFacts) -> PointHold:
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
    account = services._lock(hold.account_id)
    _release_or_spend(account, PointHold.objects.select_for_update().get(pk=hold.pk))
    hold.refresh_from_db()
    return hold


def _release_or_spend(account: LoyaltyAccount, hold: PointHold) -> None:
    """Retire the hold's card; a used card means the points were spent, else give them back."""
    if hold.status != PointHold.Status.ACTIVE:
        return
    used = saleor.retire_gift_card(hold.gift_card_code)
    if used > 0:
        order_ids = saleor.gift_card_order_ids(hold.gift_card_code)
        _spend(account, hold, order_ids[0] if order_ids else "")
        return
    hold.status = PointHold.Status.RELEASED
    hold.save(update_fields=["status", "updated_at"])
    services._move_balances(account, held=-hold.points)


def _spend(account: LoyaltyAccount, hold: PointHold, order_id: str) -> LedgerEntry:
    key = f"redeem:hold:{hold.pk}"
    existing = services._posted(key)
    if existing is not None:
        return existing
    entry = services._append(
        account,
        type=EntryType.REDEEM,
        points=-hold.points,
        key=key,
        order_id=order_id,
        reason="",
        details={"amount": str(hold.amount), "currency": hold.currency, "hold": hold.pk},
    )
    services._move_balances(account, held=-hold.points)
    available = [
        lot for lot in services._lots_for_taking(account) if lot.status == PointLot.Status.AVAILABLE
    ]
    taken = services._take_from_lots(account, entry, hold.points, available)
    if taken != hold.points:  # the held-within-available constraint makes this unreachable
        raise RuntimeError(f"hold {hold.pk}: took {taken} of {hold.points} held points")
    hold.status = PointHold.Status.SPENT
    hold.order_id = order_id
    hold.save(update_fields=["status", "order_id", "updated_at"])
    return entry


def spend_for_order(order: OrderFacts) -> int:
    """Turn the holds whose cards this order used into spends. Returns points spent."""
    spent = 0
    holds = PointHold.objects.filter(
        gift_card_code__in=order.gift_card_codes, status=PointHold.Status.ACTIVE
    )
    for hold_id, account_id in holds.values_list("pk", "account_id"):
        with transaction.atomic():
            account = services._lock(account_id)
            hold = PointHold.objects.select_for_update().get(pk=hold_id)
            if hold.status == PointHold.Status.ACTIVE:
                saleor.retire_gift_card(hold.gift_card_code)
                _spend(account, hold, order.id)
                spent += hold.points
    return spent


def release_stale_holds(now: datetime | None = None) -> int:
    """Release (or, if their card was used, spend) holds of checkouts abandoned past their time."""
    now = now or timezone.now()
    stale = PointHold.objects.filter(status=PointHold.Status.ACTIVE, expires_at__lte=now)
    count = 0
    for hold_id, account_id in stale.values_list("pk", "account_id"):
        with transaction.atomic():
            account = services._lock(account_id)
            hold = PointHold.objects.select_for_update().get(pk=hold_id)
            if hold.status == PointHold.Status.ACTIVE:
                _release_or_spend(account, hold)
                count += 1
    return count


@transaction.atomic
def return_spent_points(*, order_id: str, share: Decimal, key: str) -> LedgerEntry | None:
    """Give back ``share`` (0..1, cumulative for the order) of the points spent on an order,
    into the very lots they came from, with their original expiry dates."""
    redeems = list(LedgerEntry.objects.filter(order_id=order_id, type=EntryType.REDEEM))
    if not redeems:
        return None
    account = services._lock(redeems[0].account_id)
    existing = services._posted(key)
    if existing is not None:
        return existing
    spent = -sum(e.points for e in redeems)
    returned_before = sum(  # points given back or forfeited (expired) by earlier returns
        int(e.details.get("returned", 0)) + int(e.details.get("forfeited_expired", 0))
        for e in LedgerEntry.objects.filter(order_id=order_id, type=EntryType.REDEEM_RELEASE)
    )
    target = int((spent * min(Decimal("1"), share)).to_integral_value(rounding=ROUND_DOWN))
    to_return = target - returned_before
    if to_return <= 0:
        return None
    entry = services._append(
        account, type=EntryType.REDEEM_RELEASE, points=0, key=key, order_id=order_id, reason=""
    )
    now = timezone.now()
    returned = forfeited = 0
    # Give back into the lots consumed last first (the longest-lived), skipping expired ones.
    consumed = (
        LotMovement.objects.filter(entry__in=redeems, points__lt=0)
        .select_related("lot")
        .order_by("-pk")
    )
    for movement in consumed:
        if returned + forfeited == to_return:
            break
        lot = PointLot.objects.select_for_update().get(pk=movement.lot_id)
        restorable = min(
            -movement.points - _restored(movement, entry), to_return - returned - forfeited
        )
        if restorable <= 0:
            continue
        if lot.expires_at is not None and lot.expires_at <= now:
            forfeited += restorable  # these points would already have expired
            continue
        lot.remaining += restorable
        lot.save(update_fields=["remaining"])
        LotMovement.objects.create(entry=entry, lot=lot, points=restorable)
        services._move_balances(account, available=restorable)
        returned += restorable
    entry.points = returned
    entry.details = {"returned": returned, "forfeited_expired": forfeited, "target": target}
    entry.save(update_fields=["points", "details"])
    return entry


def _restored(movement: LotMovement, current: LedgerEntry) -> int:
    """Points already given back into this movement's lot for the same order."""
    return sum(
        LotMovement.objects.filter(
            lot_id=movement.lot_id,
            entry__order_id=current.order_id,
            entry__type=EntryType.REDEEM_RELEASE,
            points__gt=0,
        )
        .exclude(entry=current)
        .values_list("points", flat=True)
    )
