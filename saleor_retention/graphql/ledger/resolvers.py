"""Resolvers of the ledger fields on Saleor's types: ``User.loyalty``, ``User.loyaltyBirthday``,
``User.loyaltyReferralCode``, ``Order.loyalty`` and ``Checkout.loyalty``."""

from decimal import Decimal

from prices import Money as Price

from ... import saleor_adapter as saleor
from ...earning import services as earning
from ...ledger import selectors
from ...redemption import services as redemption
from ..core.access import may_see_customer
from ..core.context import retention_settings, selected_fields
from .dataloaders import BirthdayByCustomerIdLoader, ReferralCodeByCustomerIdLoader
from .types import LoyaltyAccount, LoyaltyCheckout, LoyaltyOrderPoints


def resolve_user_loyalty(root, info):
    """The shopper's own account, or any customer's for staff who manage users; else null."""
    if not may_see_customer(info, root):
        return None
    customer_id = str(root.pk)
    if "expiringPoints" in selected_fields(info):
        account = selectors.account_with_expiring_points(customer_id, writing=saleor.writer_allowed)
    else:
        account = selectors.account_for_customer(customer_id)
    return LoyaltyAccount(account, info, customer_id)


def resolve_user_loyalty_birthday(root, info):
    if not may_see_customer(info, root):
        return None
    return BirthdayByCustomerIdLoader(info.context).load(str(root.pk))


def resolve_user_loyalty_referral_code(root, info):
    if not may_see_customer(info, root):
        return None
    return ReferralCodeByCustomerIdLoader(info.context).load(str(root.pk))


def resolve_order_loyalty(root, info):
    summary = selectors.order_points(str(root.pk))
    return LoyaltyOrderPoints(
        points_earned=summary.earned,
        points_pending=summary.pending,
        points_redeemed=summary.redeemed,
        points_reversed=summary.reversed,
    )


def resolve_checkout_loyalty(root, info):
    settings = retention_settings(info)
    facts = saleor.checkout_facts(root)
    account = selectors.account_for_customer(facts.customer_id) if facts.customer_id else None
    quote = redemption.quote(facts, account, settings)
    rate = settings.rate_for(facts.currency)
    shipping = Decimal("0") if settings.earn_on_shipping else facts.shipping_gross
    earn_base = facts.total_gross - shipping
    points_to_earn = (
        earning.points_for(max(earn_base, Decimal("0")), rate) if rate and facts.customer_id else 0
    )
    value = quote.value_per_point
    return LoyaltyCheckout(
        points_to_earn=points_to_earn,
        redeemable_points=quote.max_points,
        applied_points=quote.applied_points,
        applied_discount=Price(quote.applied_amount, facts.currency),
        value_per_point=Price(value, facts.currency) if value is not None else None,
    )
