"""``loyaltyPointsApply``: points off the signed-in shopper's checkout."""

import graphene

from .... import saleor_adapter as saleor
from ....redemption import services as redemption
from ... import saleor_types
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ...saleor_types import Checkout
from .checkout import CHECKOUT_ID, CHECKOUT_TOKEN, checkout_for, named_as_given


class LoyaltyPointsApply(RetentionMutation):
    """Apply points to the signed-in shopper's checkout (replaces points applied before)."""

    checkout = graphene.Field(Checkout, description="The checkout, with its new total.")

    class Arguments:
        checkout_id = graphene.ID(description=CHECKOUT_ID)
        checkout_token = saleor_types.UUID(description=CHECKOUT_TOKEN)
        points = graphene.Int(required=True)

    class Meta:
        description = "Apply loyalty points to a checkout as a discount."

    @classmethod
    def perform_mutation(cls, root, info, points, checkout_id=None, checkout_token=None):
        user, checkout = checkout_for(info, checkout_id, checkout_token)
        with named_as_given(checkout_id):
            redemption.apply_points(
                customer_id=str(user.pk),
                checkout=saleor.checkout_facts(checkout),
                points=points,
                settings=retention_settings(info),
            )
        checkout.refresh_from_db()
        return cls(checkout=saleor_types.as_checkout(checkout), errors=[])
