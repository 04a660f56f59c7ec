"""Redemption's reactions to Saleor's business events (registered with the inbox)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from ..ledger import services as ledger
from . import services

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


@handles(intake.ORDER_CREATED)
def spend_points_used_by_order(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    if order is None:
        return {"skipped": "order no longer exists"}
    return services.spend_for_order(saleor.order_facts(order), settings)


@handles(intake.ORDER_REFUNDED)
def return_refunded_share(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    """Points spent on the order come back in the share of it that was refunded."""
    order = saleor.get_order(event.object_id)
    if order is None:
        return {"points_returned": 0}
    facts = saleor.order_facts(order)
    refunded = saleor.order_refunded_amount(order)
    share = refunded / facts.total_gross if facts.total_gross > 0 else Decimal("1")
    key = f"redeem-release:order:{event.object_id}:{event.payload['refund_id']}"
    return {"points_returned": _returned(event.object_id, share, key)}


@handles(intake.ORDER_CANCELLED)
def return_all_spent(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    key = f"redeem-release:order:{event.object_id}:cancel"
    return {"points_returned": _returned(event.object_id, Decimal("1"), key)}


def _returned(order_id: str, share: Decimal, key: str) -> int:
    entry = ledger.return_spent(order_id=order_id, share=share, key=key)
    return entry.points if entry else 0
