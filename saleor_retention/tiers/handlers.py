"""Tier reviews after the order events that move what a tier counts (registered with the inbox
after earning's handlers, so the review sees the points just earned or reversed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from ..ledger import selectors as ledger_selectors
from . import services

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


@handles(intake.ORDER_PAID, intake.ORDER_CANCELLED)
def review_tier(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    if not settings.tiers:
        return {}
    customer_id = saleor.order_customer_id(saleor.get_order(event.object_id))
    account = ledger_selectors.account_for_customer(customer_id) if customer_id else None
    if account is None:
        return {}
    reason = "order paid" if event.kind == intake.ORDER_PAID else "order cancelled"
    services.evaluate(account.pk, settings, reason=reason)
    return {}
