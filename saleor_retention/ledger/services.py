"""The ledger's public write API: the one write path for points.

Every write to an account, an entry, a lot or a hold goes through these functions; the sibling
domains (bonuses, earning, redemption, referrals, tiers, and cards and reviews) call only them:

- ``credit``: new points as a lot (pending for a return window, or available at once);
- ``debit``: take available points (a staff deduction);
- ``reverse`` / ``take_back_credit``: take points back (a refund, a cancellation, a reward
  withdrawn), first from the credit's own lot, what is missing by the negative-balance policy;
- ``hold`` / ``release_hold`` / ``spend``: set points aside for a checkout, give them back, or
  turn them into a spend on the order;
- ``return_spent``: give spent points back into the lots they came from;
- ``release_due_lots`` / ``expire_due_lots``: the daily sweep (one loop, ``_sweep``) that
  releases pending lots and expires lots past their date.

A staff correction is a ``credit`` or a ``debit`` posted by ``adjustments/`` (its rules and its
audit event live there: the book knows nothing of staff or of the audit record).

Each runs in a transaction that first locks the account row (through ``lock_objects``, in its
fixed order), returns the existing entry if the business event's idempotency key was already
posted, else inserts one entry with its final values (entries are immutable: never updated after
the insert), moves lots and updates the cached balances with ``F()`` expressions. The functions
that take an ``account`` expect the caller to hold its lock already. ``credit`` does all of this
in one statement (``CREDIT_SQL``: the lock, the key, the entry, the lot, the settled debt and the
balances), which is atomic by itself, so it opens no transaction or savepoint of its own.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import lock_objects
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from .models import EntryType, LedgerEntry, LotMovement, LoyaltyAccount, PointHold, PointLot
from .selectors import entry_for_key

# --- accounts --------------------------------------------------------------------------------


def get_or_create_account(customer_id: str) -> LoyaltyAccount:
    account = LoyaltyAccount.objects.filter(customer_id=customer_id).first()
    if account is not None:
        return account
    return _create_account(customer_id)


def _create_account(customer_id: str) -> LoyaltyAccount:
    try:
        with transaction.atomic():  # savepoint: a concurrent creator may win the unique insert
            return LoyaltyAccount.objects.create(customer_id=customer_id)
    except IntegrityError:
        pass
    return LoyaltyAccount.objects.get(customer_id=customer_id)


def _locked_account_of(customer_id: str) -> LoyaltyAccount:
    """The customer's account, locked: one statement when it exists (the common case)."""
    account = lock_objects.account_of_customer(customer_id)
    if account is None:
        account = lock_objects.account(_create_account(customer_id).pk)
    return account


def _move_balances(account: LoyaltyAccount, **deltas: int) -> None:
    """One UPDATE by expression; the locked instance is kept in step without reading it back."""
    changes = {f"{name}_points": delta for name, delta in deltas.items() if delta}
    if not changes:
        return
    # every move may change the spendable lots: the expiry groups kept for reads go stale
    LoyaltyAccount.objects.filter(pk=account.pk).update(
        expiring_points_cache=None,
        **{field: F(field) + delta for field, delta in changes.items()},
    )
    for field, delta in changes.items():
        setattr(account, field, getattr(account, field) + delta)


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
    """Insert the entry once, with its final values."""
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


# --- lots: what to take, planned before the entry is written ---------------------------------


@dataclasses.dataclass(frozen=True)
class Take:
    lot: PointLot
    points: int  # > 0: taken from the lot


def _plan_takes(account: LoyaltyAccount, points: int, lots: Iterable[PointLot]) -> list[Take]:
    """Up to ``points`` from ``lots`` in the given order, never taking held points."""
    plan: list[Take] = []
    taken = 0
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
        if lot.status == PointLot.Status.AVAILABLE:
            spendable -= take
        plan.append(Take(lot, take))
        taken += take
    return plan


def _apply_takes(account: LoyaltyAccount, entry: LedgerEntry, plan: Sequence[Take]) -> None:
    available = pending = 0
    for take in plan:
        PointLot.objects.filter(pk=take.lot.pk).update(remaining=F("remaining") - take.points)
        take.lot.remaining -= take.points
        if take.lot.status == PointLot.Status.AVAILABLE:
            available += take.points
        else:
            pending += take.points
    LotMovement.objects.bulk_create(
        LotMovement(entry=entry, lot=take.lot, points=-take.points) for take in plan
    )
    _move_balances(account, available=-available, pending=-pending)


def _lots_for_taking(account: LoyaltyAccount, *, first: int | None = None) -> list[PointLot]:
    """The order in which points are taken back: a given lot first (a credit's own), then
    available lots soonest-expiring first (never-expiring last), then pending lots. The lots are
    locked in primary-key order and sorted afterwards."""
    lots = lock_objects.lots_with_points(account.pk)
    lots.sort(
        key=lambda lot: (
            lot.pk != first,
            lot.status != PointLot.Status.AVAILABLE,
            lot.expires_at is None,
            lot.expires_at or lot.available_at,
            lot.available_at,
            lot.pk,
        )
    )
    return lots


def _available_lots(account: LoyaltyAccount) -> list[PointLot]:
    return [lot for lot in _lots_for_taking(account) if lot.status == PointLot.Status.AVAILABLE]


def _expiry_for(available_at: datetime, settings: RetentionSettings) -> datetime | None:
    if settings.points_expiry_months <= 0:
        return None
    return available_at + relativedelta(months=settings.points_expiry_months)


# --- credit and debit ------------------------------------------------------------------------


# credit() is the hot path (every earn, bonus and reward). Its whole posting is one statement
# written out (docs/ledger.md has the measurements): the account locked by its customer, the key
# looked up, the entry inserted with its final values, the lot inserted with the debt it settles,
# the settling movement and every balance moved by expression, as data-modifying CTEs of one
# round trip. One statement is atomic on its own, so credit() opens no transaction or savepoint
# of its own: inside a caller's transaction it joins it, outside one it commits by itself.
# ``bench/ledger.py`` runs the very same text on copies of the tables.
_ACCOUNT, _ENTRY, _LOT, _MOVEMENT = (
    m._meta.db_table for m in (LoyaltyAccount, LedgerEntry, PointLot, LotMovement)
)
_ENTRY_COLUMNS = (
    "account_id",
    "type",
    "points",
    "idempotency_key",
    "order_id",
    "reason",
    "staff_user_id",
    "details",
    "created_at",
)
CREDIT_SQL = f"""WITH account AS (
    SELECT id, debt_points FROM "{_ACCOUNT}" WHERE customer_id = %(customer_id)s FOR UPDATE
), posted AS (
    SELECT id FROM "{_ENTRY}" WHERE idempotency_key = %(key)s
), entry AS (
    INSERT INTO "{_ENTRY}" ({", ".join(_ENTRY_COLUMNS)})
    SELECT id, %(type)s, %(points)s, %(key)s, %(order_id)s, %(reason)s, %(staff_user_id)s,
        %(details)s::jsonb, %(now)s::timestamptz
    FROM account WHERE NOT EXISTS (SELECT 1 FROM posted)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, account_id
), settle AS (
    SELECT entry.id AS entry_id, entry.account_id,
        CASE WHEN %(pending)s THEN 0 ELSE LEAST(account.debt_points, %(points)s) END AS settled
    FROM entry, account WHERE %(points)s > 0
), lot AS (
    INSERT INTO "{_LOT}" (account_id, entry_id, amount, remaining, status, available_at,
        expires_at, created_at)
    SELECT account_id, entry_id, %(points)s, %(points)s - settled, %(status)s,
        %(available_at)s::timestamptz, %(expires_at)s::timestamptz, %(now)s::timestamptz
    FROM settle
    RETURNING id, entry_id, amount - remaining AS settled
), movement AS (
    INSERT INTO "{_MOVEMENT}" (entry_id, lot_id, points)
    SELECT entry_id, id, -settled FROM lot WHERE settled > 0
), balances AS (
    UPDATE "{_ACCOUNT}" AS a SET
        pending_points = a.pending_points + %(held_back)s,
        available_points = a.available_points + %(points)s - %(held_back)s - settle.settled,
        lifetime_points = a.lifetime_points + %(points)s,
        debt_points = a.debt_points - settle.settled,
        expiring_points_cache = NULL
    FROM settle WHERE a.id = settle.account_id
)
SELECT (SELECT id FROM account), (SELECT id FROM entry)"""


def credit_parameters(
    *,
    customer_id: str,
    points: int,
    type: Any,  # an EntryType (mypy without Django's stubs reads choices as tuples)
    key: str,
    now: datetime,
    expires_at: datetime | None,
    pending_days: int = 0,
    order_id: str = "",
    reason: str = "",
    staff_user_id: str = "",
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``CREDIT_SQL``'s parameters (the bench's raw loop sends the same)."""
    pending = pending_days > 0
    return {
        "customer_id": customer_id,
        "key": key,
        "type": str(type),
        "points": points,
        "order_id": order_id,
        "reason": reason,
        "staff_user_id": staff_user_id,
        "details": json.dumps(details or {}),
        "now": now,
        "pending": pending,
        "status": str(PointLot.Status.PENDING if pending else PointLot.Status.AVAILABLE),
        "available_at": now + timedelta(days=pending_days),
        "expires_at": expires_at,
        "held_back": points if pending else 0,
    }


def credit(
    *,
    customer_id: str,
    points: int,
    type: Any,  # an EntryType, as above
    key: str,
    settings: RetentionSettings,
    pending_days: int = 0,
    order_id: str = "",
    reason: str = "",
    staff_user_id: str = "",
    details: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Give points as a new lot (pending for ``pending_days`` first). Posting the same ``key``
    again returns the first entry and changes nothing. Points that become available at once
    first pay what reversals could not take back (``debt_points``)."""
    if points < 0:
        raise ValueError("credit() takes a non-negative amount")
    now = timezone.now()
    parameters = credit_parameters(
        customer_id=customer_id,
        points=points,
        type=type,
        key=key,
        now=now,
        expires_at=_expiry_for(now + timedelta(days=pending_days), settings),
        pending_days=pending_days,
        order_id=order_id,
        reason=reason,
        staff_user_id=staff_user_id,
        details=details,
    )
    with connection.cursor() as cursor:
        cursor.execute(CREDIT_SQL, parameters)
        account_id, entry_id = cursor.fetchone()
        if account_id is None:  # her first points: the account first, then the same statement
            _create_account(customer_id)
            cursor.execute(CREDIT_SQL, parameters)
            account_id, entry_id = cursor.fetchone()
    if entry_id is None:  # posted before (or, racing, by a transaction that committed first)
        existing = entry_for_key(key)
        if existing is None:  # pragma: no cover - the unique key makes this unreachable
            raise RuntimeError(f"credit {key!r}: neither posted nor found")
        return existing
    values = [account_id, str(type), points, key, order_id, reason, staff_user_id]
    return LedgerEntry.from_db(
        connection.alias, ["id", *_ENTRY_COLUMNS], [entry_id, *values, details or {}, now]
    )


@transaction.atomic
def debit(
    *,
    customer_id: str,
    points: int,
    type: str,
    key: str,
    reason: str = "",
    staff_user_id: str = "",
) -> LedgerEntry:
    """Take ``points`` (> 0) of the customer's spendable points, soonest-expiring lots first; a
    debit never makes a balance negative. Posting the same ``key`` again returns the first entry."""
    account = _locked_account_of(customer_id)
    existing = entry_for_key(key)
    if existing is not None:
        return existing
    spendable = account.available_points - account.held_points - account.debt_points
    if points > spendable:
        raise RetentionError(
            _("The customer has only %(points)s points to deduct from.") % {"points": spendable},
            code=RetentionErrorCode.INSUFFICIENT_POINTS,
            field="points",
        )
    plan = _plan_takes(account, points, _available_lots(account))
    entry = _append(
        account, type=type, points=-points, key=key, reason=reason, staff_user_id=staff_user_id
    )
    _apply_takes(account, entry, plan)
    return entry


# --- reversals -------------------------------------------------------------------------------


def _take_back(
    account: LoyaltyAccount, points: int, policy: str, *, first_lot: int | None
) -> tuple[list[Take], dict[str, int]]:
    """What taking ``points`` back would take (first from ``first_lot``, then soonest-expiring
    lots) and how the missing part follows the policy: a debt, or written off ("clamp")."""
    plan = _plan_takes(account, points, _lots_for_taking(account, first=first_lot))
    taken = sum(take.points for take in plan)
    missing = points - taken
    written_off = missing if policy == "clamp" else 0
    return plan, {"taken": taken, "debt": missing - written_off, "written_off": written_off}


@transaction.atomic
def reverse(
    *,
    account_id: int,
    points: int,
    key: str,
    reason: str,
    policy: str,
    credit_key: str = "",
    order_id: str = "",
    details: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Take ``points`` (>= 0) back from the account as one reversal
    entry: first from the lot of the credit posted under ``credit_key``, then soonest-expiring
    lots; what is missing becomes a debt or, under the "clamp" policy, is written off. The
    outcome (``taken``, ``debt``, ``written_off``) is added to the details when points move.
    Posting the same ``key`` again returns the first entry."""
    account = lock_objects.account(account_id)  # again if the caller locked it: fresh balances
    existing = entry_for_key(key)
    if existing is not None:
        return existing
    details = dict(details or {})
    plan: list[Take] = []
    outcome = {"taken": 0, "debt": 0}
    if points:
        credited = entry_for_key(credit_key) if credit_key else None
        own_lot = PointLot.objects.filter(entry=credited).values_list("pk", flat=True).first()
        plan, outcome = _take_back(account, points, policy, first_lot=own_lot)
        details.update(outcome)
    entry = _append(
        account,
        type=EntryType.REVERSAL,
        points=-(outcome["taken"] + outcome["debt"]),
        key=key,
        order_id=order_id,
        reason=reason,
        details=details,
    )
    _apply_takes(account, entry, plan)
    _move_balances(account, debt=outcome["debt"])
    return entry


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
    """Reverse one credit (a review reward, a card's bonus, a referral reward) in full, by
    ``reverse``. A credit never posted (or of no points) has nothing to take back and posts
    nothing."""
    credited = entry_for_key(credit_key)
    if credited is None or credited.points <= 0:
        return None
    return reverse(
        account_id=credited.account_id,
        points=credited.points,
        key=key,
        reason=reason,
        policy=policy,
        credit_key=credit_key,
        order_id=order_id,
        details={**(details or {}), "reverses": credit_key},
    )


# --- holds -----------------------------------------------------------------------------------


def spendable(account: LoyaltyAccount) -> int:
    return account.available_points - account.held_points - account.debt_points


def hold(
    *,
    account: LoyaltyAccount,
    checkout_token: str,
    gift_card_code: str,
    points: int,
    amount: Decimal,
    currency: str,
    expires_at: datetime,
) -> PointHold:
    """Set ``points`` of the (locked) account aside for a checkout; the database refuses holding
    more than is available."""
    row = PointHold.objects.create(
        account=account,
        checkout_token=checkout_token,
        gift_card_code=gift_card_code,
        points=points,
        amount=amount,
        currency=currency,
        expires_at=expires_at,
    )
    _move_balances(account, held=points)
    return row


def release_hold(
    account: LoyaltyAccount, hold: PointHold, *, keep: int = 0, keep_amount: Decimal | None = None
) -> None:
    """Give held points back: all of them (the hold ends released), or all but ``keep`` (the
    hold stays active for ``keep`` points worth ``keep_amount``). Account and hold locked."""
    freed = hold.points - keep
    if keep:
        hold.points, hold.amount = keep, keep_amount if keep_amount is not None else hold.amount
        hold.save(update_fields=["points", "amount", "updated_at"])
    else:
        hold.status, hold.order_id = PointHold.Status.RELEASED, ""
        hold.save(update_fields=["status", "order_id", "updated_at"])
    _move_balances(account, held=-freed)


def spend(
    account: LoyaltyAccount,
    hold: PointHold,
    *,
    order_id: str,
    points: int,
    details: dict[str, Any],
) -> LedgerEntry:
    """End the (locked) hold as spent on ``order_id``: ``points`` of it leave the account
    (soonest-expiring lots first, one entry ``redeem:hold:<id>``) and the rest is given back."""
    _move_balances(account, held=-hold.points)
    key = f"redeem:hold:{hold.pk}"
    entry = entry_for_key(key)
    if entry is None:
        plan = _plan_takes(account, points, _available_lots(account))
        if sum(take.points for take in plan) != points:
            # the held-within-available constraint makes this unreachable
            raise RuntimeError(f"hold {hold.pk}: cannot take {points} held points")
        entry = _append(
            account,
            type=EntryType.REDEEM,
            points=-points,
            key=key,
            order_id=order_id,
            details=details,
        )
        _apply_takes(account, entry, plan)
    hold.status, hold.order_id = PointHold.Status.SPENT, order_id
    hold.save(update_fields=["status", "order_id", "updated_at"])
    return entry


@transaction.atomic
def return_spent(*, order_id: str, share: Decimal, key: str) -> LedgerEntry | None:
    """Give back ``share`` (0..1, cumulative for the order) of the points spent on an order,
    into the very lots they came from, with their original expiry dates; points whose lot has
    expired since are forfeited (they would have expired)."""
    redeems = list(LedgerEntry.objects.filter(order_id=order_id, type=EntryType.REDEEM))
    if not redeems:
        return None
    account = lock_objects.account(redeems[0].account_id)
    existing = entry_for_key(key)
    if existing is not None:
        return existing
    spent = -sum(e.points for e in redeems)
    releases = LedgerEntry.objects.filter(order_id=order_id, type=EntryType.REDEEM_RELEASE)
    returned_before = sum(  # points given back or forfeited (expired) by earlier returns
        int(e.details.get("returned", 0)) + int(e.details.get("forfeited_expired", 0))
        for e in releases
    )
    target = int((spent * min(Decimal("1"), share)).to_integral_value(rounding=ROUND_DOWN))
    to_return = target - returned_before
    if to_return <= 0:
        return None
    # Give back into the lots consumed last first (the longest-lived), skipping expired ones.
    consumed = list(
        LotMovement.objects.filter(entry__in=redeems, points__lt=0)
        .order_by("-pk")
        .values_list("lot_id", "points")
    )
    restored = dict(
        LotMovement.objects.filter(entry__in=releases, points__gt=0)
        .values("lot_id")
        .annotate(s=Sum("points"))
        .values_list("lot_id", "s")
    )
    lots = lock_objects.lots(lot_id for lot_id, _points in consumed)
    now = timezone.now()
    gives: list[tuple[PointLot, int]] = []
    returned = forfeited = 0
    for lot_id, moved in consumed:
        if returned + forfeited == to_return:
            break
        restorable = min(-moved - restored.get(lot_id, 0), to_return - returned - forfeited)
        if restorable <= 0:
            continue
        lot = lots[lot_id]
        if lot.expires_at is not None and lot.expires_at <= now:
            forfeited += restorable  # these points would already have expired
            continue
        gives.append((lot, restorable))
        returned += restorable
    entry = _append(
        account,
        type=EntryType.REDEEM_RELEASE,
        points=returned,
        key=key,
        order_id=order_id,
        details={"returned": returned, "forfeited_expired": forfeited, "target": target},
    )
    for lot, points in gives:
        PointLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") + points)
    LotMovement.objects.bulk_create(
        LotMovement(entry=entry, lot=lot, points=points) for lot, points in gives
    )
    _move_balances(account, available=returned)
    return entry


# --- time: the release and expiry sweep ------------------------------------------------------


def _release(account: LoyaltyAccount, lot: PointLot, now: datetime) -> bool:
    """A pending lot past its return window becomes available and pays the debt first."""
    if lot.status != PointLot.Status.PENDING or lot.available_at > now:
        return False
    settled = min(account.debt_points, lot.remaining)
    entry = _append(
        account,
        type=EntryType.RELEASE,
        points=0,
        key=f"release:lot:{lot.pk}",
        order_id=LedgerEntry.objects.filter(pk=lot.entry_id).values_list("order_id", flat=True)[0],
        reason=gettext_noop("Return window passed"),
        details={"lot": lot.pk, "points": lot.remaining},
    )
    PointLot.objects.filter(pk=lot.pk).update(
        status=PointLot.Status.AVAILABLE, remaining=F("remaining") - settled
    )
    if settled:
        LotMovement.objects.create(entry=entry, lot=lot, points=-settled)
    _move_balances(
        account, pending=-lot.remaining, available=lot.remaining - settled, debt=-settled
    )
    return True


def _expire(account: LoyaltyAccount, lot: PointLot, now: datetime) -> bool:
    """The remainder of an available lot past its expiry date leaves the account."""
    key = f"expire:lot:{lot.pk}"
    if lot.remaining == 0 or lot.expires_at is None or lot.expires_at > now or entry_for_key(key):
        return False
    plan = _plan_takes(account, lot.remaining, [lot])
    entry = _append(
        account,
        type=EntryType.EXPIRY,
        points=-sum(take.points for take in plan),
        key=key,
        reason=gettext_noop("Points expired"),
        details={"lot": lot.pk, "expires_at": lot.expires_at.isoformat()},
    )
    _apply_takes(account, entry, plan)
    return True


_Step = Callable[[LoyaltyAccount, PointLot, datetime], bool]


def _sweep(due: QuerySet[PointLot], step: _Step, now: datetime) -> int:
    """Run ``step`` on every due lot, each in its own transaction with its account and then the
    lot locked (a row may have moved since it was listed: ``step`` checks again)."""
    done = 0
    for lot_id, account_id in due.values_list("pk", "account_id"):
        with transaction.atomic():
            account = lock_objects.account(account_id)
            if step(account, lock_objects.lot(lot_id), now):
                done += 1
    return done


def release_due_lots(now: datetime | None = None) -> int:
    """Make pending lots whose return window has passed available. Returns how many."""
    now = now or timezone.now()
    due = PointLot.objects.filter(status=PointLot.Status.PENDING, available_at__lte=now)
    return _sweep(due, _release, now)


def expire_due_lots(now: datetime | None = None) -> int:
    """Expire the remainder of every lot past its expiry date. Returns how many lots."""
    now = now or timezone.now()
    due = PointLot.objects.filter(
        status=PointLot.Status.AVAILABLE, remaining__gt=0, expires_at__lte=now
    )
    return _sweep(due, _expire, now)


# --- verification -----------------------------------------------------------------------------------


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
