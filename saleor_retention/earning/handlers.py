"""Earning's reactions to Saleor's business events (registered with the inbox)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from . import services

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


@handles(intake.ORDER_PAID)
def earn_for_paid_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    if order is None:
        return {"skipped": "order no longer exists"}
    return services.earn_for_order(saleor.order_facts(order), settings).as_dict()


@handles(intake.ORDER_REFUNDED)
def reverse_refunded_share(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    customer_id = saleor.order_customer_id(saleor.get_order(event.object_id))
    entry = services.reverse_for_refund(
        order_id=event.object_id,
        customer_id=customer_id,
        refund_id=event.payload["refund_id"],
        amount=Decimal(event.payload["amount"]),
        settings=settings,
        cause=event.payload.get("cause", ""),
    )
    return {"reversed": -entry.points if entry else 0}


@handles(intake.ORDER_CANCELLED)
def reverse_cancelled_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    customer_id = saleor.order_customer_id(saleor.get_order(event.object_id))
    entry = services.reverse_for_cancellation(
        order_id=event.object_id, customer_id=customer_id, settings=settings
    )
    return {"reversed": -entry.points if entry else 0}


@handles(intake.ORDER_REFUND_VOIDED)
def restore_voided_refund(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    customer_id = saleor.order_customer_id(saleor.get_order(event.object_id))
    entry = services.restore_for_voided_refund(
        order_id=event.object_id,
        customer_id=customer_id,
        refund_id=event.payload["refund_id"],
        amount=Decimal(event.payload["amount"]),
        settings=settings,
        void_id=event.payload.get("void_id", ""),
        cause=event.payload.get("cause", services.VOID_FAILURE),
    )
    return {"restored": entry.points if entry else 0}
