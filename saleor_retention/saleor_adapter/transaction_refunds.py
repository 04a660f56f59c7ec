"""Saleor 3.x's refunds of one order, each counted once, from plain rows (no Saleor import here,
so the rule is tested on any Saleor line).

A 3.x store records money going back in three places, and one refund may show in two of them:

- transaction events of type ``refund_success`` (``transactionCreate`` / ``transactionUpdate``
  raising ``amountRefunded``, an app's ``transactionEventReport``, the answer to
  ``transactionRequestAction(REFUND)``, the outcome of a granted refund sent to the payment app);
- granted refunds (``orderGrantRefundCreate``): only a promise until processed; Saleor marks one
  ``success`` when a ``refund_success`` event linked to it arrives, so that event is the refund;
- ``payment_refunded`` order events of legacy payment gateways (passed in as they are).

Money also comes back to the merchant (``refund_failure``, ``refund_reverse``, a negative
manual ``refund_success``) or goes to the customer's bank (``charge_back``). The rule follows
Saleor's own for ``TransactionItem`` amounts (``payment/transaction_item_calculations.py``):
events that count in Saleor's calculations, per transaction, in ``created_at`` order.

- Without a PSP reference (manual adjustments): each positive ``refund_success`` is a refund; a
  negative one (``transactionUpdate`` lowering ``amountRefunded``) takes its amount back from the
  transaction's refunds, the most recent manual ones first, then its standing PSP refunds; a
  ``refund_reverse`` without a reference changes no refunded amount in Saleor, so nothing here.
- Under a PSP reference: the successes are one refund (named by the first), void as a whole
  when a newer failure under that reference follows; a success after such a failure is a new
  refund. A ``refund_reverse`` takes its amount (Saleor keeps the reference's last one; here the
  largest so far, so a smaller later one takes nothing again) back from the refund standing under
  that reference, now or when one next stands, never more than that refund's amount.
- ``charge_back``: a refund of its amount for points (the merchant lost that money). Without a
  reference each one counts; under one Saleor keeps the last, so a later chargeback naming a
  larger sum is a refund of the difference and one naming a smaller sum gives the difference
  back. No failure event undoes a chargeback in Saleor's rule (a ``charge_failure`` voids the
  charge, not the chargeback), so none does here.

A granted refund counts on its own only when done and no refund event is linked to it.

Everything taken back is a ``RefundVoidFacts`` naming the refund it takes from and the event that
took it (empty for a whole void), so each counts once whatever order it is processed in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from .facts import (
    CHARGEBACK,
    REFUND,
    VOID_ADJUSTMENT,
    VOID_CHARGEBACK,
    VOID_FAILURE,
    VOID_REVERSE,
    ZERO,
    RefundFacts,
    RefundVoidFacts,
)

REFUND_SUCCESS = "refund_success"  # TransactionEventType
REFUND_FAILURE = "refund_failure"
REFUND_REVERSE = "refund_reverse"
CHARGE_BACK = "charge_back"
EVENT_TYPES = (REFUND_SUCCESS, REFUND_FAILURE, REFUND_REVERSE, CHARGE_BACK)
GRANTED_REFUND_DONE = "success"  # OrderGrantedRefundStatus.SUCCESS


@dataclasses.dataclass(frozen=True)
class RefundEventRow:
    """A transaction event of a refund or chargeback kind that counts in Saleor's calculations."""

    pk: int
    transaction_id: str
    type: str
    psp_reference: str
    amount: Decimal
    currency: str
    created: datetime
    granted_refund_id: int | None = None


@dataclasses.dataclass(frozen=True)
class GrantedRefundRow:
    pk: int
    status: str
    amount: Decimal
    currency: str
    created: datetime


def _event_name(event: RefundEventRow) -> str:
    return f"transaction-event-{event.pk}"


@dataclasses.dataclass
class _Standing:
    """A refund while the events of its transaction are replayed: what of it still stands."""

    facts: RefundFacts
    left: Decimal
    reversed: Decimal = ZERO  # taken back by its reference's reverses so far


class _TransactionReplay:
    """One transaction's refund events, replayed in Saleor's order."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        self.refunds: list[RefundFacts] = []
        self.voids: list[RefundVoidFacts] = []
        self.voided_whole: set[str] = set()
        self.manual: list[_Standing] = []  # refunds without a PSP reference, oldest first
        self.attempts: dict[str, _Standing] = {}  # PSP reference -> the refund standing under it
        self.reverse_level: dict[str, tuple[Decimal, RefundEventRow]] = {}
        self.chargebacks: dict[str, list[_Standing]] = {}
        self.chargeback_level: dict[str, Decimal] = {}

    def _open(self, event: RefundEventRow, amount: Decimal, cause: str = REFUND) -> _Standing:
        facts = RefundFacts(
            refund_id=_event_name(event),
            order_id=self.order_id,
            amount=amount,
            currency=event.currency,
            created=event.created,
            cause=cause,
        )
        self.refunds.append(facts)
        return _Standing(facts, amount)

    def _take(
        self, standing: _Standing, amount: Decimal, event: RefundEventRow, cause: str
    ) -> Decimal:
        taken = min(amount, standing.left)
        if taken <= 0:
            return ZERO
        standing.left -= taken
        self.voids.append(
            RefundVoidFacts(
                refund_id=standing.facts.refund_id,
                void_id=_event_name(event),
                order_id=self.order_id,
                amount=taken,
                currency=event.currency,
                created=max(event.created, standing.facts.created),
                cause=cause,
            )
        )
        return taken

    def _take_latest_first(
        self, candidates: list[_Standing], amount: Decimal, event: RefundEventRow, cause: str
    ) -> Decimal:
        """Take ``amount`` from ``candidates``, the most recent first; what none had left."""
        for standing in sorted(
            candidates, key=lambda s: (s.facts.created, s.facts.refund_id), reverse=True
        ):
            if amount <= 0:
                break
            amount -= self._take(standing, amount, event, cause)
        return amount

    def _reverse(self, standing: _Standing, level: Decimal, event: RefundEventRow) -> None:
        wanted = min(level, standing.facts.amount) - standing.reversed
        if wanted > 0:
            standing.reversed += self._take(standing, wanted, event, VOID_REVERSE)

    def replay(self, event: RefundEventRow) -> None:
        reference = event.psp_reference
        if event.type == CHARGE_BACK:
            self._chargeback(event)
        elif not reference:
            if event.type == REFUND_SUCCESS and event.amount > 0:
                self.manual.append(self._open(event, event.amount))
            elif event.type == REFUND_SUCCESS and event.amount < 0:
                # the net manually refunded amount went down: the latest manual refunds first,
                # then (Saleor lowers the transaction's refunded value all the same) PSP refunds
                rest = self._take_latest_first(self.manual, -event.amount, event, VOID_ADJUSTMENT)
                self._take_latest_first(list(self.attempts.values()), rest, event, VOID_ADJUSTMENT)
        elif event.type == REFUND_SUCCESS:
            if reference not in self.attempts and event.amount > 0:
                standing = self.attempts[reference] = self._open(event, event.amount)
                if reference in self.reverse_level:
                    level, reverse = self.reverse_level[reference]
                    self._reverse(standing, level, reverse)
        elif event.type == REFUND_FAILURE:
            voided = self.attempts.pop(reference, None)
            if voided is not None:
                # the PSP took the refund back: all of it (what is left of it, by the ledger)
                voided.left = ZERO
                self.voided_whole.add(voided.facts.refund_id)
                self.voids.append(
                    RefundVoidFacts(
                        refund_id=voided.facts.refund_id,
                        void_id="",
                        order_id=self.order_id,
                        amount=voided.facts.amount,
                        currency=voided.facts.currency,
                        created=event.created,
                        cause=VOID_FAILURE,
                    )
                )
        elif event.type == REFUND_REVERSE:
            level = self.reverse_level.get(reference, (ZERO, event))[0]
            if event.amount > level:
                self.reverse_level[reference] = (event.amount, event)
                if reference in self.attempts:
                    self._reverse(self.attempts[reference], event.amount, event)

    def _chargeback(self, event: RefundEventRow) -> None:
        reference = event.psp_reference
        if not reference:
            if event.amount > 0:
                self._open(event, event.amount, CHARGEBACK)
            return
        level = self.chargeback_level.get(reference, ZERO)
        self.chargeback_level[reference] = event.amount
        if event.amount > level:
            standing = self._open(event, event.amount - level, CHARGEBACK)
            self.chargebacks.setdefault(reference, []).append(standing)
        elif event.amount < level:
            self._take_latest_first(
                self.chargebacks.get(reference, []), level - event.amount, event, VOID_CHARGEBACK
            )


def _event_refunds(
    order_id: str, events: Iterable[RefundEventRow]
) -> tuple[list[RefundFacts], list[RefundVoidFacts]]:
    """(the refunds that stand, or stood before a part of them was taken back; every void)."""
    refunds: list[RefundFacts] = []
    voids: list[RefundVoidFacts] = []
    replays: dict[str, _TransactionReplay] = {}
    unique = {event.pk: event for event in events}.values()  # a row read twice is one event
    for event in sorted(unique, key=lambda e: (e.created, e.pk)):
        replay = replays.setdefault(event.transaction_id, _TransactionReplay(order_id))
        replay.replay(event)
    for replay in replays.values():
        refunds += [r for r in replay.refunds if r.refund_id not in replay.voided_whole]
        voids += replay.voids
    return refunds, voids


def _refund(refund_id: str, order_id: str, row: GrantedRefundRow) -> RefundFacts:
    return RefundFacts(
        refund_id=refund_id,
        order_id=order_id,
        amount=Decimal(row.amount),
        currency=row.currency,
        created=row.created,
    )


def merge_refunds(
    order_id: str,
    *,
    events: Iterable[RefundEventRow],
    granted: Iterable[GrantedRefundRow],
    payment_refunds: Iterable[RefundFacts] = (),
) -> list[RefundFacts]:
    """Every refund of the order once, oldest first, at the amount it was refunded for (what was
    taken back of it since is in ``voided_refunds``; one voided whole is left out). The ids name
    the Saleor row that first recorded the refund, so a replay, or a later event about the same
    refund, finds the same id."""
    events = list(events)
    linked = {e.granted_refund_id for e in events if e.granted_refund_id is not None}
    refunds, _voids = _event_refunds(order_id, events)
    refunds += [
        _refund(f"granted-refund-{grant.pk}", order_id, grant)
        for grant in granted
        if grant.status == GRANTED_REFUND_DONE and grant.pk not in linked and grant.amount > ZERO
    ]
    refunds += list(payment_refunds)
    return sorted(refunds, key=lambda refund: (refund.created, refund.refund_id))


def voided_refunds(order_id: str, *, events: Iterable[RefundEventRow]) -> list[RefundVoidFacts]:
    """Money of the order's refunds that came back to the merchant, oldest first: each keeps
    the id ``merge_refunds`` gave its refund, so what was reversed for it is found, and given
    back once; ``void_id`` names the event that took it (empty: the whole refund failed)."""
    _refunds, voids = _event_refunds(order_id, events)
    return sorted(voids, key=lambda void: (void.created, void.refund_id, void.void_id))


def refunded_amount(refunds: Iterable[RefundFacts], voids: Iterable[RefundVoidFacts]) -> Decimal:
    """What the order's refunds come to now: ``merge_refunds``' amounts less what was taken
    back of the ones that stand (a whole void's refund is already left out)."""
    refunds = list(refunds)
    standing = {refund.refund_id for refund in refunds}
    back = sum(
        (void.amount for void in voids if not void.whole and void.refund_id in standing), ZERO
    )
    return sum((refund.amount for refund in refunds), ZERO) - back
