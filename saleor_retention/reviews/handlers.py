"""Review requests follow the order (registered with the inbox): scheduled when it is fully
fulfilled, dropped when it is cancelled, fully refunded or loses a parcel (anchors.md: Judge.me
kept stale schedules for cancelled-then-re-fulfilled orders; WooCommerce unschedules on cancel and
refund). A parcel shipped again after a cancelled one reschedules with a fresh due date. Only
lines that can be reviewed get a request: shipped, with a product that still exists, not yet
reviewed (anchors.md: WooCommerce#64959 e-mailed orders with nothing reviewable)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from . import services
from .models import ReviewRequest

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


def _schedule_if_fulfilled(order_id: str, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(order_id)
    if order is None:
        return {"skipped": "order no longer exists"}
    if not saleor.order_is_fully_fulfilled(order):
        return {"skipped": f"order is {order.status}"}
    if saleor.order_is_fully_refunded(order):
        return {"skipped": "order is fully refunded"}
    return {"review_requests": services.requests_schedule(order_id=order_id, settings=settings)}


@handles(intake.ORDER_FULFILLED)
def schedule_review_requests(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    return _schedule_if_fulfilled(event.object_id, settings)


@handles(intake.FULFILLMENT_CREATED)
def reschedule_after_new_parcel(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    # Saleor records ``order_fulfilled`` once per order; a parcel shipped after a cancelled one
    # only fires ``fulfillment_created``.
    return _schedule_if_fulfilled(str(event.payload.get("order_id", "")), settings)


@handles(intake.FULFILLMENT_CANCELLED)
def drop_after_cancelled_parcel(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order_id = str(event.payload.get("order_id", ""))
    order = saleor.get_order(order_id) if order_id else None
    if order is None or saleor.order_is_fully_fulfilled(order):
        return {"review_requests_dropped": 0}
    dropped = services.requests_drop(
        order_id=order_id, reason=ReviewRequest.DropReason.FULFILLMENT_CANCELLED
    )
    return {"review_requests_dropped": dropped}


@handles(intake.ORDER_CANCELLED)
def drop_for_cancelled_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    dropped = services.requests_drop(
        order_id=event.object_id, reason=ReviewRequest.DropReason.ORDER_CANCELLED
    )
    return {"review_requests_dropped": dropped}


@handles(intake.ORDER_REFUNDED)
def drop_for_refunded_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    if order is None or not saleor.order_is_fully_refunded(order):
        return {"review_requests_dropped": 0}
    dropped = services.requests_drop(
        order_id=event.object_id, reason=ReviewRequest.DropReason.ORDER_REFUNDED
    )
    return {"review_requests_dropped": dropped}
