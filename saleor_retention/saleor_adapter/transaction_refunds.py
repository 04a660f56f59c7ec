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
the first), void when a newer failure under that reference follows. A granted refund counts on its
own only when done and no refund event is linked to it.
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


def _event_refunds(order_id: str, events: list[RefundEventRow]) -> list[RefundFacts]:
    refunds: list[RefundFacts] = []
    by_reference: dict[tuple[str, str], list[RefundEventRow]] = {}
    for event in sorted(events, key=lambda e: (e.created, e.pk)):
        if event.psp_reference:
            by_reference.setdefault((event.transaction_id, event.psp_reference), []).append(event)
        elif event.type == REFUND_SUCCESS and event.amount > 0:
            refunds.append(_refund(f"transaction-event-{event.pk}", order_id, event))
    for group in by_reference.values():
        successes = [e for e in group if e.type == REFUND_SUCCESS]
        failures = [e for e in group if e.type == REFUND_FAILURE]
        if not successes or successes[0].amount <= 0:
            continue
        if failures and failures[-1].created > successes[-1].created:
            continue  # the PSP said it failed after all: Saleor does not count it either
        refunds.append(_refund(f"transaction-event-{successes[0].pk}", order_id, successes[0]))
    return refunds


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
    refunds = _event_refunds(order_id, events)
    refunds += [
        _refund(f"granted-refund-{grant.pk}", order_id, grant)
        for grant in granted
        if grant.status == GRANTED_REFUND_DONE and grant.pk not in linked and grant.amount > ZERO
    ]
    refunds += list(payment_refunds)
    return sorted(refunds, key=lambda refund: (refund.created, refund.refund_id))
