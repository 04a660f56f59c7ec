"""Card reactions to Saleor's business events (registered with the inbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from ..tiers import selectors as tier_selectors
from . import services

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


@handles(intake.FULFILLMENT_CREATED)
def decide_on_first_parcel(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    if int(event.payload.get("sequence", 0)) != 1:
        return {"skipped": "not the order's first parcel"}
    fulfillment = saleor.get_fulfillment(event.object_id)
    if fulfillment is None or saleor.fulfillment_facts(fulfillment).status == "canceled":
        return {"skipped": "the parcel was cancelled before the decision"}
    order = saleor.get_order(str(event.payload.get("order_id", "")))
    if order is None:
        return {"skipped": "order no longer exists"}
    facts = saleor.order_facts(order)
    if facts.status in ("canceled", "draft"):
        return {"skipped": f"order is {facts.status}"}
    parcel = services.ParcelFacts(
        order_id=facts.id,
        fulfillment_id=event.object_id,
        customer_id=facts.customer_id,
        currency=facts.currency,
        earlier_paid_orders=saleor.earlier_paid_order_count(order),
        customer_tier=tier_selectors.tier_name_for(facts.customer_id),
    )
    decisions = services.decide_for_parcel(parcel, settings)
    return {"decisions": {str(d.program_id): d.outcome for d in decisions}}


@handles(intake.FULFILLMENT_CANCELLED)
def void_cards_of_cancelled_fulfillment(
    event: PluginEvent, settings: RetentionSettings
) -> dict[str, Any]:
    voided = services.void_cards(fulfillment_id=event.object_id, reason="fulfillment cancelled")
    return {"voided": voided}


@handles(intake.ORDER_CANCELLED)
def void_cards_of_cancelled_order(
    event: PluginEvent, settings: RetentionSettings
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "voided": services.void_cards(order_id=event.object_id, reason="order cancelled")
    }
    order = saleor.get_order(event.object_id)
    if order is not None:
        entry = services.take_back_bonus(
            order_id=event.object_id,
            voucher_code=saleor.order_voucher_code(order),
            settings=settings,
        )
        if entry is not None:
            result["card_bonus_taken_back"] = -entry.points
    return result


@handles(intake.ORDER_PAID)
def credit_card_bonus(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    code = saleor.order_voucher_code(order) if order is not None else None
    if order is None or not code:
        return {}
    # The order's own order_created event may not have been processed yet: redeem here too.
    services.redeem_for_order(order_id=event.object_id, voucher_code=code)
    entry = services.credit_bonus_for_paid_order(
        order=saleor.order_facts(order), voucher_code=code, settings=settings
    )
    return {"card_bonus": entry.points} if entry is not None else {}


@handles(intake.ORDER_REFUNDED)
def take_back_card_bonus_on_full_refund(
    event: PluginEvent, settings: RetentionSettings
) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    code = saleor.order_voucher_code(order) if order is not None else None
    if order is None or not code:
        return {}
    if not saleor.order_is_fully_refunded(order):
        return {}
    entry = services.take_back_bonus(order_id=event.object_id, voucher_code=code, settings=settings)
    return {"card_bonus_taken_back": -entry.points} if entry is not None else {}


@handles(intake.ORDER_CREATED)
def redeem_card_used_by_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    if order is None:
        return {"skipped": "order no longer exists"}
    card = services.redeem_for_order(
        order_id=event.object_id, voucher_code=saleor.order_voucher_code(order)
    )
    return {"redeemed": card.code if card else None}
