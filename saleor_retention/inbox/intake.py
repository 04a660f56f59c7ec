"""Turn what Saleor reports (a hook today, a webhook tomorrow) into the plugin's business events.

Saleor reaches "paid" by several paths (a checkout charged at once fires only ``order_created``;
a capture fires ``order_fully_paid``; 3.x adds ``order_paid``) and reports refunds differently per
version. Whatever path fires, each business event gets one key, so the unique constraint on
``PluginEvent.key`` makes every path and every replay record it once.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .. import saleor_adapter as saleor
from .models import PluginEvent
from .services import record_event

ORDER_CREATED = "order_created"
ORDER_PAID = "order_paid"
ORDER_REFUNDED = "order_refunded"
# Saleor 3.x: money of a refund came back to the merchant (a failure after its success, a
# reverse, a lowered manual amount): one per refund and per event that took it back
ORDER_REFUND_VOIDED = "order_refund_voided"
ORDER_CANCELLED = "order_cancelled"
ORDER_FULFILLED = "order_fulfilled"
FULFILLMENT_CREATED = "fulfillment_created"
FULFILLMENT_CANCELLED = "fulfillment_cancelled"
CUSTOMER_CREATED = "customer_created"


def customer_created(customer: Any) -> list[str]:
    return [record_event(kind=CUSTOMER_CREATED, object_type="customer", object_id=str(customer.pk))]


def order_paid(order: Any) -> list[str]:
    """Saleor says the order is fully paid (order_fully_paid, 3.x order_paid): no need to ask."""
    return [record_event(kind=ORDER_PAID, object_type="order", object_id=str(order.pk))]


def order_seen(order: Any, *, created: bool = False) -> list[str]:
    """Any order hook: record creation, payment and refunds that have happened by now."""
    events: list[str] = []
    order_id = str(order.pk)
    if created:
        events.append(record_event(kind=ORDER_CREATED, object_type="order", object_id=order_id))
    if saleor.order_is_paid(order):
        events.append(record_event(kind=ORDER_PAID, object_type="order", object_id=order_id))
    refunds, voids = saleor.order_refunds_and_voids(order)
    for refund in refunds:
        payload = {
            "refund_id": refund.refund_id,
            "amount": str(refund.amount),
            "currency": refund.currency,
            "cause": refund.cause,
        }
        events.append(_order_event(ORDER_REFUNDED, order_id, refund.refund_id, payload))
    for void in voids:
        # a whole void keeps the refund's own name (as before partial ones existed)
        discriminator = f"{void.refund_id}:{void.void_id}" if void.void_id else void.refund_id
        payload = {
            "refund_id": void.refund_id,
            "void_id": void.void_id,
            "amount": str(void.amount),
            "currency": void.currency,
            "cause": void.cause,
        }
        events.append(_order_event(ORDER_REFUND_VOIDED, order_id, discriminator, payload))
    return events


def _order_event(kind: str, order_id: str, discriminator: str, payload: dict[str, str]) -> str:
    return record_event(
        kind=kind,
        object_type="order",
        object_id=order_id,
        discriminator=discriminator,
        payload=payload,
    )


def scan_after_commit(order: Any) -> None:
    """``order_updated`` fires on nearly every change of an order; on Saleor 2.10 it is also the
    only sign of a refund. Rather than reading inside the staff member's transaction, look at
    the order once it has committed, in a task (with a broker the request only enqueues)."""
    from .dispatch import after_commit

    after_commit(scan_order_id=str(order.pk))


def scan_order(order_id: str) -> list[str]:
    order = saleor.get_order(order_id)
    if order is None:
        return []
    with transaction.atomic():
        return order_seen(order) + fulfillments_cancelled(order)


def fulfillments_cancelled(order: Any) -> list[str]:
    """Saleor 2.10 reports a cancelled fulfillment only through ``order_updated``: record one
    ``fulfillment_cancelled`` per fulfillment now in status "canceled"."""
    return [
        record_event(
            kind=FULFILLMENT_CANCELLED,
            object_type="fulfillment",
            object_id=fulfillment_id,
            payload={"order_id": str(order.pk)},
        )
        for fulfillment_id in saleor.order_cancelled_fulfillment_ids(order)
    ]


def order_cancelled(order: Any) -> list[str]:
    return [record_event(kind=ORDER_CANCELLED, object_type="order", object_id=str(order.pk))]


def order_fulfilled(order: Any) -> list[str]:
    return [record_event(kind=ORDER_FULFILLED, object_type="order", object_id=str(order.pk))]


def fulfillment_created(fulfillment: Any) -> list[str]:
    facts = saleor.fulfillment_facts(fulfillment)
    key = record_event(
        kind=FULFILLMENT_CREATED,
        object_type="fulfillment",
        object_id=facts.id,
        payload={"order_id": facts.order_id, "sequence": facts.sequence},
    )
    return [key]


def redo(failed: PluginEvent) -> list[str]:
    """Re-run what a failed hook should have recorded, from the object as it is now.

    The business events it records are queued like any others; the unique keys make whatever
    was recorded before the failure count once.
    """
    if failed.object_type == "customer":
        customer = saleor.get_customer(failed.object_id)
        events = customer_created(customer) if customer is not None else []
    elif failed.object_type == "fulfillment":
        fulfillment = saleor.get_fulfillment(failed.object_id)
        events = fulfillment_created(fulfillment) if fulfillment is not None else []
    elif failed.object_type == "order":
        order = saleor.get_order(failed.object_id)
        if order is None:
            events = []
        elif failed.kind == ORDER_CANCELLED:
            events = order_cancelled(order)
        elif failed.kind == ORDER_FULFILLED:
            events = order_fulfilled(order)
        else:
            events = order_seen(order, created=failed.kind == ORDER_CREATED)
    else:
        events = []
    return events
