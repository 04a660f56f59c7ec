"""Referral reactions to Saleor's order events (registered with the inbox next to the ledger's).

Each handler first asks one cheap question (is this customer's referral pending, was this order
the one a referral was rewarded for?) so the orders of everyone else cost a single query, and
returns ``{}`` then.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from . import services as referrals

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


def _refunded(order: Any) -> Decimal:
    return saleor.order_refunded_amount(order)


@handles(intake.ORDER_PAID)
def reward_referral(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    order = saleor.get_order(event.object_id)
    customer_id = saleor.order_customer_id(order)
    if order is None or customer_id is None or not referrals.pending_for(customer_id):
        return {}
    outcome = referrals.reward_for_paid_order(
        saleor.order_facts(order),
        settings,
        refunded=_refunded(order),
        addresses=saleor.order_address_keys(order),
    )
    return {"referral": outcome.as_dict()} if outcome else {}


@handles(intake.ORDER_REFUNDED, intake.ORDER_CANCELLED)
def reverse_referral(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    """A full refund or a cancellation of the order a referral was rewarded for takes both
    rewards back; a partial refund takes nothing."""
    if not referrals.rewarded_for(event.object_id):
        return {}
    if event.kind == intake.ORDER_REFUNDED:
        order = saleor.get_order(event.object_id)
        if order is None or not referrals.is_voided(saleor.order_facts(order), _refunded(order)):
            return {}
    outcome = referrals.reverse_for_order(event.object_id, settings)
    return {"referral": outcome.as_dict()} if outcome else {}
