"""Saleor 3.x's refunds of one order, each counted once, from plain rows (no Saleor import here,
so the rule is tested on any Saleor line).

A 3.x store records money going back in three places, and one refund may show in two of them:

- transaction events of type ``refund_success`` (``transactionCreate`` / ``transactionUpdate``
  raising ``amountRefunded``, an app's ``transactionEventReport``, the answer to
  ``transactionRequestAction(REFUND)``, the outcome of a granted refund sent to the payment app);
- granted refunds (``orderGrantRefundCreate``): only a promise until processed; Saleor marks one
  ``success`` when a ``refund_success`` event linked to it arrives, so that event is the refund;
- ``payment_refunded`` order events of legacy payment gateways (passed in as they are).

The rule, the same as Saleor's own for ``TransactionItem.refunded_value``: events that count in
Saleor's calculations; without a PSP reference (manual adjustments) each positive success is a
refund; with one, a transaction's successes under the same reference are one refund (named by
the first), void when a newer failure under that reference follows (``voided_refunds`` lists
those, so the points reversed for one come back); a success after such a failure is a new
refund. A granted refund counts on its own only when done and no refund event is linked to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from .facts import ZERO, RefundFacts

REFUND_SUCCESS = "refund_success"  # TransactionEventType
REFUND_FAILURE = "refund_failure"
GRANTED_REFUND_DONE = "success"  # OrderGrantedRefundStatus.SUCCESS


@dataclasses.dataclass(frozen=True)
class RefundEventRow:
    """A transaction event of a refund kind that counts in Saleor's calculations."""

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


def _event_refunds(
    order_id: str, events: list[RefundEventRow]
) -> tuple[list[RefundFacts], list[RefundFacts]]:
    """(the refunds that stand, the refunds voided by a failure that came after them)."""
    refunds: list[RefundFacts] = []
    voided: list[RefundFacts] = []
    by_reference: dict[tuple[str, str], list[RefundEventRow]] = {}
    for event in sorted(events, key=lambda e: (e.created, e.pk)):
        if event.psp_reference:
            by_reference.setdefault((event.transaction_id, event.psp_reference), []).append(event)
        elif event.type == REFUND_SUCCESS and event.amount > 0:
            refunds.append(_refund(f"transaction-event-{event.pk}", order_id, event))
    for group in by_reference.values():
        # Failures cut a reference's events into attempts: an attempt's successes are one
        # refund, named by its first; a failure after it voids it (the PSP took it back), and a
        # success after that failure is a new refund with a name of its own.
        successes: list[RefundEventRow] = []
        for event in group:
            if event.type == REFUND_SUCCESS:
                successes.append(event)
                continue
            if successes and successes[0].amount > 0:
                voided.append(
                    _refund(f"transaction-event-{successes[0].pk}", order_id, successes[0])
                )
            successes = []
        if successes and successes[0].amount > 0:
            refunds.append(_refund(f"transaction-event-{successes[0].pk}", order_id, successes[0]))
    return refunds, voided


def _refund(refund_id: str, order_id: str, row: RefundEventRow | GrantedRefundRow) -> RefundFacts:
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
    """Every refund of the order once, oldest first. The ids name the Saleor row that first
    recorded the refund, so a replay, or a later event about the same refund, finds the same id."""
    events = list(events)
    linked = {e.granted_refund_id for e in events if e.granted_refund_id is not None}
    refunds, _voided = _event_refunds(order_id, events)
    refunds += [
        _refund(f"granted-refund-{grant.pk}", order_id, grant)
        for grant in granted
        if grant.status == GRANTED_REFUND_DONE and grant.pk not in linked and grant.amount > ZERO
    ]
    refunds += list(payment_refunds)
    return sorted(refunds, key=lambda refund: (refund.created, refund.refund_id))


def voided_refunds(order_id: str, *, events: Iterable[RefundEventRow]) -> list[RefundFacts]:
    """Refunds the payment provider took back: successes under a PSP reference with a newer
    failure under it. Each keeps the id ``merge_refunds`` gave it while it stood, so what was
    reversed for it is found, and given back, once."""
    _refunds, voided = _event_refunds(order_id, list(events))
    return sorted(voided, key=lambda refund: (refund.created, refund.refund_id))
