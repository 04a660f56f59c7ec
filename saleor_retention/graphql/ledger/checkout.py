"""Points at checkout: ``Checkout.loyalty`` and the apply / remove mutations."""

from decimal import Decimal

import graphene
from django.utils.translation import gettext as _
from prices import Money as Price

from ... import conf
from ... import saleor_adapter as saleor
from ...errors import RetentionError, RetentionErrorCode
from ...ledger import redemption, selectors, services
from .. import saleor_types
from ..core.mutations import RetentionMutation
from ..saleor_types import Checkout, Money


class LoyaltyCheckout(graphene.ObjectType):
    points_to_earn = graphene.Int(
        required=True, description="Estimated points this checkout earns once paid."
    )
    redeemable_points = graphene.Int(
        required=True,
        description="The most points the shopper can apply to this checkout now.",
    )
    applied_points = graphene.Int(required=True, description="Points applied to this checkout.")
    applied_discount = graphene.Field(
        Money, required=True, description="What the applied points take off the checkout."
    )
    value_per_point = graphene.Field(Money, description="What one point is worth here.")


def resolve_checkout_loyalty(root, info):
    settings = conf.load_settings()
    facts = saleor.checkout_facts(root)
    account = selectors.account_for_customer(facts.customer_id) if facts.customer_id else None
    quote = redemption.quote(facts, account, settings)
    rate = settings.rate_for(facts.currency)
    shipping = Decimal("0") if settings.earn_on_shipping else facts.shipping_gross
    earn_base = facts.total_gross - shipping
    points_to_earn = (
        services.points_for(max(earn_base, Decimal("0")), rate) if rate and facts.customer_id else 0
    )
    value = quote.value_per_point
    return LoyaltyCheckout(
        points_to_earn=points_to_earn,
        redeemable_points=quote.max_points,
        applied_points=quote.applied_points,
        applied_discount=Price(quote.applied_amount, facts.currency),
        value_per_point=Price(value, facts.currency) if value is not None else None,
    )


def checkout_loyalty_field() -> graphene.Field:
    return graphene.Field(
        LoyaltyCheckout,
        required=True,
        description="Points on this checkout: to earn, redeemable and applied.",
        resolver=resolve_checkout_loyalty,
    )


def _checkout_for(info, token):
    user = getattr(info.context, "user", None)
    if user is None or not user.is_authenticated:
        raise RetentionError(
            _("Sign in to use your points."), code=RetentionErrorCode.NOT_SIGNED_IN, field=None
        )
    checkout = saleor.get_checkout(str(token))
    if checkout is None:
        raise RetentionError(
            _("No checkout with this token."),
            code=RetentionErrorCode.NOT_FOUND,
            field="checkoutToken",
        )
    return user, checkout


class LoyaltyPointsApply(RetentionMutation):
    """Apply points to the signed-in shopper's checkout (replaces points applied before)."""

    checkout = graphene.Field(Checkout, description="The checkout, with its new total.")

    class Arguments:
        checkout_token = saleor_types.UUID(required=True)
        points = graphene.Int(required=True)

    class Meta:
        description = "Apply loyalty points to a checkout as a discount."

    @classmethod
    def perform_mutation(cls, root, info, checkout_token, points):
        user, checkout = _checkout_for(info, checkout_token)
        redemption.apply_points(
            customer_id=str(user.pk),
            checkout=saleor.checkout_facts(checkout),
            points=points,
            settings=conf.load_settings(),
        )
        checkout.refresh_from_db()
        return cls(checkout=saleor_types.as_checkout(checkout), errors=[])


class LoyaltyPointsRemove(RetentionMutation):
    """Take the points off the checkout; they can be spent again at once."""

    checkout = graphene.Field(Checkout)

    class Arguments:
        checkout_token = saleor_types.UUID(required=True)

    class Meta:
        description = "Remove loyalty points from a checkout."

    @classmethod
    def perform_mutation(cls, root, info, checkout_token):
        user, checkout = _checkout_for(info, checkout_token)
        redemption.remove_points(customer_id=str(user.pk), checkout=saleor.checkout_facts(checkout))
        checkout.refresh_from_db()
        return cls(checkout=saleor_types.as_checkout(checkout), errors=[])
