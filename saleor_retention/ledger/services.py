"""The one write path for points.

Every function here runs in one transaction that first locks the customer's account row, so all
postings to an account are serialised; it then returns the existing entry if the business event's
idempotency key was already posted, or appends one entry, moves lots and updates the cached
balances with ``F()`` expressions. Nothing else in the plugin writes an account, a lot or an entry.

Rounding (written down once): points are integers; earning floors
``eligible amount x rate x multiplier``; a partial refund reverses
``trunc(earned x refunded so far / paid)`` minus what was already reversed, so several refunds
in any order end at the same total.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..audit import services as audit
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode

# System reasons are stored as English message ids and translated when shown
# (graphql/ledger/types.py), so history reads in the shopper's language, not the worker's.
from ..saleor_adapter import OrderFacts
from ..textclean import clean_text, plain_text
from .models import EntryType, LedgerEntry, LotMovement, LoyaltyAccount, PointLot
from .tiers import current_multiplier

logger = logging.getLogger(__name__)

MAX_ADJUSTMENT = 10_000_000
# A staff adjustment's reason, after cleaning (the column holds 500).
ADJUSTMENT_REASON_MAX_LENGTH = 500
# An idempotency key is the client's opaque string: any control character (NUL, which PostgreSQL
# cannot store, included) is refused rather than changed, so a retry matches.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# --- accounts and locking ----------------------------------------------------------------------


def get_or_create_account(customer_id: str) -> LoyaltyAccount:
    account = LoyaltyAccount.objects.filter(customer_id=customer_id).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():  # savepoint: a concurrent creator may win the unique insert
            return LoyaltyAccount.objects.create(customer_id=customer_id)
    except IntegrityError:
        pass
    return LoyaltyAccount.objects.get(customer_id=customer_id)


def _lock(account_id: int) -> LoyaltyAccount:
    return LoyaltyAccount.objects.select_for_update().get(pk=account_id)


def _posted(key: str) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(idempotency_key=key).first()


def _move_balances(account: LoyaltyAccount, **deltas: int) -> None:
    changes = {
        f"{name}_points": F(f"{name}_points") + delta for name, delta in deltas.items() if delta
    }
    if changes:
        LoyaltyAccount.objects.filter(pk=account.pk).update(**changes)
        account.refresh_from_db()


def _append(
    account: LoyaltyAccount,
    *,
    type: Any,  # an EntryType (mypy without Django's stubs reads choices as tuples)
    points: int,
    key: str,
    order_id: str = "",
    reason: str = "",
    staff_user_id: str = "",
    details: dict[str, Any] | None = None,
) -> LedgerEntry:
    return LedgerEntry.objects.create(
        account=account,
        type=type,
        points=points,
        idempotency_key=key,
        order_id=order_id,
        reason=reason,
        staff_user_id=staff_user_id,
        details=details or {},
    )


# --- lots ------------------------------------------------------------------------------------


def _settle_debt(account: LoyaltyAccount, entry: LedgerEntry, lot: PointLot) -> int:
    """Pay what reversals could not take back out of a lot that just became available."""
    settled = min(account.debt_points, lot.remaining)
    if settled:
        lot.remaining -= settled
        lot.save(update_fields=["remaining"])
        LotMovement.objects.create(entry=entry, lot=lot, points=-settled)
        _move_balances(account, debt=-settled, available=-settled)
    return settled


def _take_from_lots(
    account: LoyaltyAccount, entry: LedgerEntry, points: int, lots: Iterable[PointLot]
) -> int:
    """Consume up to ``points`` from ``lots`` in the given order; returns what was taken."""
    taken = 0
    account.refresh_from_db()  # callers may hold an instance from before their last posting
    spendable = account.available_points - account.held_points
    for lot in lots:
        if taken == points:
            break
        room = lot.remaining
        if lot.status == PointLot.Status.AVAILABLE:
            room = min(room, spendable)  # never take points that are held for a checkout
        take = min(room, points - taken)
        if take <= 0:
            continue
        lot.remaining -= take
        lot.save(update_fields=["remaining"])
        LotMovement.objects.create(entry=entry, lot=lot, points=-take)
        if lot.status == PointLot.Status.AVAILABLE:
            spendable -= take
            _move_balances(account, available=-take)
        else:
            _move_balances(account, pending=-take)
        taken += take
    return taken


def _lots_for_taking(account: LoyaltyAccount, *, first: PointLot | None = None) -> list[PointLot]:
    """The order in which points are taken back: a given lot first (an order's own earn), then
    available lots soonest-expiring first (never-expiring last), then pending lots."""
    lots = list(
        PointLot.objects.select_for_update()
        .filter(account=account, remaining__gt=0)
        .order_by(F("expires_at").asc(nulls_last=True), "available_at", "pk")
    )
    available = [lot for lot in lots if lot.status == PointLot.Status.AVAILABLE]
    pending = [lot for lot in lots if lot.status == PointLot.Status.PENDING]
    ordered = available + pending
    if first is not None:
        ordered = [lot for lot in ordered if lot.pk == first.pk] + [
            lot for lot in ordered if lot.pk != first.pk
        ]
    return ordered


def _expiry_for(available_at: datetime, settings: RetentionSettings) -> datetime | None:
    if settings.points_expiry_months <= 0:
        return None
    return available_at + relativedelta(months=settings.points_expiry_months)


# --- credits ---------------------------------------------------------------------------------


@transaction.atomic
def credit(
    *,
    customer_id: str,
    points: int,
    type: str,
    key: str,
    settings: RetentionSettings,
    pending_days: int = 0,
    order_id: str = "",
    reason: str = "",
    staff_user_id: str = "",
    details: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Give points as a new lot (pending for ``pending_days`` first). Posting the same ``key``
    again returns the first entry and changes nothing."""
    if points < 0:
        raise ValueError("credit() takes a non-negative amount")
    account = _lock(get_or_create_account(customer_id).pk)
    existing = _posted(key)
    if existing is not None:
        return existing
    entry = _append(
        account,
        type=type,
        points=points,
        key=key,
        order_id=order_id,
        reason=reason,
        staff_user_id=staff_user_id,
        details=details,
    )
    if points == 0:
        return entry
    now = timezone.now()
    available_at = now + timedelta(days=pending_days)
    pending = pending_days > 0
    lot = PointLot.objects.create(
        account=account,
        entry=entry,
        amount=points,
        remaining=points,
        status=PointLot.Status.PENDING if pending else PointLot.Status.AVAILABLE,
        available_at=available_at,
        expires_at=_expiry_for(available_at, settings),
    )
    if pending:
        _move_balances(account, pending=points, lifetime=points)
    else:
        _move_balances(account, available=points, lifetime=points)
        _settle_debt(account, entry, lot)
    return entry


def grant_signup_bonus(*, customer_id: str, settings: RetentionSettings) -> LedgerEntry | None:
    if settings.signup_bonus <= 0:
        return None
    return credit(
        customer_id=customer_id,
        points=settings.signup_bonus,
        type=EntryType.SIGNUP_BONUS,
        key=f"signup:customer:{customer_id}",
        settings=settings,
        reason=gettext_noop("Welcome bonus"),
    )


# --- earning on orders -----------------------------------------------------------------------


def eligible_amount(order: OrderFacts, settings: RetentionSettings) -> Decimal:
    """What earns points: the order's total (net of tax unless tax earns), minus shipping unless
    shipping earns, scaled to the share actually paid with money (gift cards are not payments)."""
    base = order.total_gross if settings.earn_on_tax else order.total_net
    if not settings.earn_on_shipping:
        base -= order.shipping_gross if settings.earn_on_tax else order.shipping_net
    if order.total_gross <= 0:
        return Decimal("0")
    paid_share = min(Decimal("1"), order.paid_amount / order.total_gross)
    return max(Decimal("0"), base * paid_share)


def points_for(amount: Decimal, rate: Decimal, multiplier: Decimal = Decimal("1")) -> int:
    return int((amount * rate * multiplier).to_integral_value(rounding=ROUND_DOWN))


def _earn_entry(order_id: str) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(idempotency_key=f"earn:order:{order_id}").first()


@dataclasses.dataclass(frozen=True)
class EarnResult:
    points: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"points": self.points, "reason": self.reason}


def earn_for_order(order: OrderFacts, settings: RetentionSettings) -> EarnResult:
    """Points for a fully paid order, pending for the return window; once per order."""
    if order.customer_id is None:
        return EarnResult(0, "guest order: no account to credit")
    rate = settings.rate_for(order.currency)
    if rate is None:
        logger.info("retention: order %s in %s earns nothing (no rate)", order.id, order.currency)
        return EarnResult(0, f"no points rate for {order.currency}")
    with transaction.atomic():
        account = _lock(get_or_create_account(order.customer_id).pk)
        already = _posted(f"earn:order:{order.id}")
        if already is not None:
            return EarnResult(already.points, "already earned")
        if _posted(f"cancel:order:{order.id}") is not None:
            return EarnResult(0, "order was cancelled")
        amount = eligible_amount(order, settings)
        multiplier = current_multiplier(account.pk, settings)
        points = points_for(amount, rate, multiplier)
        entry = credit(
            customer_id=order.customer_id,
            points=points,
            type=EntryType.EARN,
            key=f"earn:order:{order.id}",
            settings=settings,
            pending_days=settings.pending_days,
            order_id=order.id,
            details={
                "order_number": order.number,
                "eligible_amount": str(amount),
                "paid_amount": str(order.paid_amount),
                "currency": order.currency,
                "rate": str(rate),
                "multiplier": str(multiplier),
            },
        )
        # Refunds processed before this earn (a worker may take tasks out of order) apply now.
        _reverse_towards_target(
            account,
            order.id,
            key=f"refund-catchup:order:{order.id}",
            policy=settings.negative_balance_policy,
        )
        return EarnResult(entry.points, "earned")


# --- reversals -------------------------------------------------------------------------------


def _reversal_target(order_id: str, extra_refund: Decimal = Decimal("0")) -> tuple[int, int]:
    """(points that should be reversed by now, points reversed so far) for an order."""
    earn = _earn_entry(order_id)
    reversals = LedgerEntry.objects.filter(order_id=order_id, type=EntryType.REVERSAL)
    already = sum(int(e.details.get("reversal_points", 0)) for e in reversals)
    if earn is None or earn.points == 0:
        return 0, already
    if any(e.details.get("cancelled") for e in reversals):
        return earn.points, already
    refunded = extra_refund + sum(
        (Decimal(e.details.get("refund_amount", "0")) for e in reversals), Decimal("0")
    )
    paid = Decimal(earn.details.get("paid_amount", "0"))
    if paid <= 0:
        return 0, already
    share = min(Decimal("1"), refunded / paid)
    target = int((earn.points * share).to_integral_value(rounding=ROUND_DOWN))
    return target, already


def _take_back(
    account: LoyaltyAccount,
    entry: LedgerEntry,
    points: int,
    policy: str,
    order_id: str = "",
    *,
    credited_by: LedgerEntry | None = None,
) -> dict[str, int]:
    """Take ``points`` back, first from the lot of the credit being reversed (an order's earn,
    or ``credited_by``), then soonest-expiring lots; what is missing follows the policy."""
    source = credited_by or (_earn_entry(order_id) if order_id else None)
    own_lot = getattr(source, "lot", None) if source else None
    taken = _take_from_lots(account, entry, points, _lots_for_taking(account, first=own_lot))
    missing = points - taken
    written_off = 0
    if missing and policy == "clamp":
        written_off = missing
    elif missing:
        _move_balances(account, debt=missing)
    return {"taken": taken, "debt": missing - written_off, "written_off": written_off}


def _reverse_towards_target(
    account: LoyaltyAccount,
    order_id: str,
    *,
    key: str,
    refund_id: str = "",
    refund_amount: Decimal = Decimal("0"),
    cancelled: bool = False,
    policy: str = "negative",
) -> LedgerEntry | None:
    if cancelled:
        earn = _earn_entry(order_id)
        already = _reversal_target(order_id)[1]
        target = earn.points if earn else 0
    else:
        target, already = _reversal_target(order_id, extra_refund=refund_amount)
    to_reverse = max(0, target - already)
    if to_reverse == 0 and not refund_id and not cancelled:
        return None  # nothing to catch up: post no empty entry
    details: dict[str, Any] = {"reversal_points": to_reverse}
    if refund_id:
        details.update(refund_id=refund_id, refund_amount=str(refund_amount))
    if cancelled:
        details["cancelled"] = True
    entry = _append(
        account,
        type=EntryType.REVERSAL,
        points=0,
        key=key,
        order_id=order_id,
        reason=gettext_noop("Order cancelled") if cancelled else gettext_noop("Order refunded"),
        details=details,
    )
    if to_reverse:
        outcome = _take_back(account, entry, to_reverse, policy, order_id)
        entry.points = -(outcome["taken"] + outcome["debt"])
        entry.details = {**details, **outcome}
        entry.save(update_fields=["points", "details"])
    return entry


def _account_for_order(order_id: str, customer_id: str | None) -> LoyaltyAccount | None:
    earn = _earn_entry(order_id)
    if earn is not None:
        return earn.account
    if customer_id is None:
        return None
    return get_or_create_account(customer_id)


def _locked_for_reversal(
    order_id: str, customer_id: str | None, key: str
) -> tuple[LoyaltyAccount | None, LedgerEntry | None]:
    """(the order's account, locked; the entry already posted under ``key``, if any)."""
    account = _account_for_order(order_id, customer_id)
    if account is None:
        return None, None
    return _lock(account.pk), _posted(key)


@transaction.atomic
def reverse_for_refund(
    *,
    order_id: str,
    customer_id: str | None,
    refund_id: str,
    amount: Decimal,
    settings: RetentionSettings,
) -> LedgerEntry | None:
    """Take back the refunded share of an order's points, by the rate recorded when earned."""
    key = f"refund:order:{order_id}:{refund_id}"
    account, existing = _locked_for_reversal(order_id, customer_id, key)
    if account is None or existing is not None:
        return existing
    return _reverse_towards_target(
        account,
        order_id,
        key=key,
        refund_id=refund_id,
        refund_amount=amount,
        policy=settings.negative_balance_policy,
    )


@transaction.atomic
def reverse_for_cancellation(
    *, order_id: str, customer_id: str | None, settings: RetentionSettings
) -> LedgerEntry | None:
    """Take back whatever the order still holds; also marks the order so a later earn is void."""
    key = f"cancel:order:{order_id}"
    account, existing = _locked_for_reversal(order_id, customer_id, key)
    if account is None or existing is not None:
        return existing
    return _reverse_towards_target(
        account, order_id, key=key, cancelled=True, policy=settings.negative_balance_policy
    )


@transaction.atomic
def take_back_credit(
    *,
    credit_key: str,
    key: str,
    reason: str,
    policy: str,
    order_id: str = "",
    details: dict[str, Any] | None = None,
) -> LedgerEntry | None:
    """Reverse one credit (a review reward, a card's bonus, a referral reward) in full: first
    from that credit's own lot, then soonest-expiring lots; what is missing follows the
    negative-balance policy. Posting the same ``key`` again returns the first entry; a credit
    never posted (or of no points) has nothing to take back and posts nothing."""
    credit_entry = _posted(credit_key)
    if credit_entry is None or credit_entry.points <= 0:
        return None
    account = _lock(credit_entry.account_id)
    existing = _posted(key)
    if existing is not None:
        return existing
    entry = _append(
        account,
        type=EntryType.REVERSAL,
        points=0,
        key=key,
        order_id=order_id,
        reason=reason,
        details={**(details or {}), "reverses": credit_key},
    )
    outcome = _take_back(account, entry, credit_entry.points, policy, credited_by=credit_entry)
    entry.points = -(outcome["taken"] + outcome["debt"])
    entry.details = {**entry.details, **outcome}
    entry.save(update_fields=["points", "details"])
    return entry


# --- time: release and expiry ----------------------------------------------------------------


def release_due_lots(now: datetime | None = None) -> int:
    """Make pending lots whose return window has passed available. Returns how many."""
    now = now or timezone.now()
    due = PointLot.objects.filter(status=PointLot.Status.PENDING, available_at__lte=now)
    released = 0
    for lot_id, account_id in due.values_list("pk", "account_id"):
        if _release_lot(lot_id, account_id, now):
            released += 1
    return released


@transaction.atomic
def _release_lot(lot_id: int, account_id: int, now: datetime) -> bool:
    account = _lock(account_id)
    lot = PointLot.objects.select_for_update().get(pk=lot_id)
    if lot.status != PointLot.Status.PENDING or lot.available_at > now:
        return False
    entry = _append(
        account,
        type=EntryType.RELEASE,
        points=0,
        key=f"release:lot:{lot.pk}",
        order_id=lot.entry.order_id,
        reason=gettext_noop("Return window passed"),
        details={"lot": lot.pk, "points": lot.remaining},
    )
    lot.status = PointLot.Status.AVAILABLE
    lot.save(update_fields=["status"])
    _move_balances(account, pending=-lot.remaining, available=lot.remaining)
    _settle_debt(account, entry, lot)
    return True


def expire_due_lots(now: datetime | None = None) -> int:
    """Expire the remainder of every lot past its expiry date. Returns how many lots."""
    now = now or timezone.now()
    due = PointLot.objects.filter(
        status=PointLot.Status.AVAILABLE, remaining__gt=0, expires_at__lte=now
    )
    expired = 0
    for lot_id, account_id in due.values_list("pk", "account_id"):
        if _expire_lot(lot_id, account_id, now):
            expired += 1
    return expired


@transaction.atomic
def _expire_lot(lot_id: int, account_id: int, now: datetime) -> bool:
    account = _lock(account_id)
    lot = PointLot.objects.select_for_update().get(pk=lot_id)
    key = f"expire:lot:{lot.pk}"
    if lot.remaining == 0 or lot.expires_at is None or lot.expires_at > now or _posted(key):
        return False
    entry = _append(
        account,
        type=EntryType.EXPIRY,
        points=0,
        key=key,
        reason=gettext_noop("Points expired"),
        details={"lot": lot.pk, "expires_at": lot.expires_at.isoformat()},
    )
    taken = _take_from_lots(account, entry, lot.remaining, [lot])
    entry.points = -taken
    entry.save(update_fields=["points"])
    return True


# --- staff -----------------------------------------------------------------------------------


@transaction.atomic
@audit.audited_points_adjustment
def adjust(
    *,
    customer_id: str,
    points: int,
    reason: str,
    staff_user_id: str,
    key: str | None = None,
    settings: RetentionSettings,
) -> LedgerEntry:
    """A staff correction with a reason. A deduction takes available points (soonest-expiring
    first) and never makes a balance negative. ``key`` is the caller's optional idempotency key
    (as Stripe's): given, a replay returns the first entry; absent, every call is its own
    adjustment.

    The reason is shown to the customer, so it is stored as plain text (``textclean``: no markup,
    control or bidi-override characters) of at most ``ADJUSTMENT_REASON_MAX_LENGTH`` characters;
    a longer one is refused, never cut. Staff never adjust their own account."""
    if str(customer_id) == str(staff_user_id):
        raise RetentionError(
            _("Staff cannot adjust their own points; ask another staff member."),
            code=RetentionErrorCode.SELF_ADJUSTMENT,
            field="customerId",
        )
    if not plain_text(reason or ""):
        raise RetentionError(
            _("Give a reason for the adjustment."), code=RetentionErrorCode.REQUIRED, field="reason"
        )
    reason = clean_text(reason, field="reason", max_length=ADJUSTMENT_REASON_MAX_LENGTH)
    if points == 0:
        raise RetentionError(
            _("Adjust by a non-zero number of points."),
            code=RetentionErrorCode.INVALID,
            field="points",
        )
    if abs(points) > MAX_ADJUSTMENT:
        raise RetentionError(
            _("Adjust by at most 10,000,000 points at once."),
            code=RetentionErrorCode.INVALID,
            field="points",
        )
    key = _adjustment_key(key)
    if points > 0:
        return credit(
            customer_id=customer_id,
            points=points,
            type=EntryType.ADJUSTMENT,
            key=key,
            settings=settings,
            reason=reason,
            staff_user_id=staff_user_id,
        )
    account = _lock(get_or_create_account(customer_id).pk)
    existing = _posted(key)
    if existing is not None:
        return existing
    spendable = account.available_points - account.held_points - account.debt_points
    if -points > spendable:
        raise RetentionError(
            _("The customer has only %(points)s points to deduct from.") % {"points": spendable},
            code=RetentionErrorCode.INSUFFICIENT_POINTS,
            field="points",
        )
    entry = _append(
        account,
        type=EntryType.ADJUSTMENT,
        points=points,
        key=key,
        reason=reason,
        staff_user_id=staff_user_id,
    )
    available = [
        lot for lot in _lots_for_taking(account) if lot.status == PointLot.Status.AVAILABLE
    ]
    _take_from_lots(account, entry, -points, available)
    return entry


def _adjustment_key(key: str | None) -> str:
    """The entry's unique key: the caller's, checked, or (none given) one of this call alone."""
    if key is None:
        return f"adjust:call:{uuid.uuid4().hex}"
    if _CONTROL_CHARACTERS.search(key):
        raise RetentionError(
            _("An idempotency key cannot contain control characters."),
            code=RetentionErrorCode.INVALID,
            field="idempotencyKey",
        )
    if not key.strip() or len(key) > 100:
        raise RetentionError(
            _("Give an idempotency key of 1 to 100 characters."),
            code=RetentionErrorCode.INVALID,
            field="idempotencyKey",
        )
    return f"adjust:{key.strip()}"


# --- audit -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Drift:
    account_id: int
    field: str
    cached: int
    rebuilt: int


def verify_accounts(account_ids: Iterable[int] | None = None) -> list[Drift]:
    """Rebuild every balance from lots and entries and report where the cache disagrees."""
    accounts = LoyaltyAccount.objects.all().order_by("pk")
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    drifts: list[Drift] = []
    for account in accounts.iterator():
        lots = PointLot.objects.filter(account=account)
        available = (
            lots.filter(status=PointLot.Status.AVAILABLE).aggregate(s=Sum("remaining"))["s"] or 0
        )
        pending = (
            lots.filter(status=PointLot.Status.PENDING).aggregate(s=Sum("remaining"))["s"] or 0
        )
        entries_total = account.entries.aggregate(s=Sum("points"))["s"] or 0
        lifetime = lots.aggregate(s=Sum("amount"))["s"] or 0
        movements = LotMovement.objects.filter(lot__account=account)
        for lot in lots:
            moved = movements.filter(lot=lot).aggregate(s=Sum("points"))["s"] or 0
            if lot.amount + moved != lot.remaining:
                drifts.append(
                    Drift(account.pk, f"lot {lot.pk} remaining", lot.remaining, lot.amount + moved)
                )
        held = account.holds.filter(status="active").aggregate(s=Sum("points"))["s"] or 0
        checks = [
            ("held_points", account.held_points, held),
            ("available_points", account.available_points, available),
            ("pending_points", account.pending_points, pending),
            ("lifetime_points", account.lifetime_points, lifetime),
            ("entries total", available + pending - account.debt_points, entries_total),
        ]
        drifts += [
            Drift(account.pk, name, cached, rebuilt)
            for name, cached, rebuilt in checks
            if cached != rebuilt
        ]
    return drifts
