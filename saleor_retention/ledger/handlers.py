"""Ledger reactions to Saleor's business events (registered with the inbox)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from . import redemption, selectors, services, tiers

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


@handles(intake.CUSTOMER_CREATED)
def grant_signup_bonus(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    if saleor.get_customer(event.object_id) is None:
        return {"skipped": "customer no longer exists"}
    entry = services.grant_signup_bonus(customer_id=event.object_id, settings=settings)
    return {"signup_bonus": entry.points if entry else 0}


@handles(intake.ORDER_CREATED)
def spend_points_used_by_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    if order is None:
        return {"skipped": "order no longer exists"}
    return redemption.spend_for_order(saleor.order_facts(order), settings)


@handles(intake.ORDER_PAID)
def earn_for_paid_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    if order is None:
        return {"skipped": "order no longer exists"}
    facts = saleor.order_facts(order)
    result = services.earn_for_order(facts, settings).as_dict()
    _review_tier(facts.customer_id, settings, "order paid")
    return result


@handles(intake.ORDER_REFUNDED)
def reverse_refunded_share(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    customer_id = saleor.order_customer_id(saleor.get_order(event.object_id))
    refund_id = event.payload["refund_id"]
    entry = services.reverse_for_refund(
        order_id=event.object_id,
        customer_id=customer_id,
        refund_id=refund_id,
        amount=Decimal(event.payload["amount"]),
        settings=settings,
    )
    returned = _return_spent(
        event.object_id, key=f"redeem-release:order:{event.object_id}:{refund_id}"
    )
    return {"reversed": -entry.points if entry else 0, "points_returned": returned}


@handles(intake.ORDER_CANCELLED)
def reverse_cancelled_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    customer_id = saleor.order_customer_id(saleor.get_order(event.object_id))
    entry = services.reverse_for_cancellation(
        order_id=event.object_id, customer_id=customer_id, settings=settings
    )
    returned = _return_spent(
        event.object_id, key=f"redeem-release:order:{event.object_id}:cancel", cancelled=True
    )
    _review_tier(customer_id, settings, "order cancelled")
    return {"reversed": -entry.points if entry else 0, "points_returned": returned}


def _review_tier(customer_id: str | None, settings: RetentionSettings, reason: str) -> None:
    account = selectors.account_for_customer(customer_id) if customer_id else None
    if account is not None and settings.tiers:
        tiers.evaluate(account.pk, settings, reason=reason)


def _return_spent(order_id: str, *, key: str, cancelled: bool = False) -> int:
    """Points spent on the order come back: all on cancellation, else the refunded share."""
    if cancelled:
        share = Decimal("1")
    else:
        order = saleor.get_order(order_id)
        if order is None:
            return 0
        facts = saleor.order_facts(order)
        refunded = sum((r.amount for r in saleor.order_refunds(order)), Decimal("0"))
        share = refunded / facts.total_gross if facts.total_gross > 0 else Decimal("1")
    entry = redemption.return_spent_points(order_id=order_id, share=share, key=key)
    return entry.points if entry else 0
