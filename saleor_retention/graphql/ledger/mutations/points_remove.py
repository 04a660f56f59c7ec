"""``loyaltyPointsRemove``: the points taken off the checkout again."""

import graphene

from .... import saleor_adapter as saleor
from ....redemption import services as redemption
from ... import saleor_types
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ...saleor_types import Checkout
from .checkout import CHECKOUT_ID, CHECKOUT_TOKEN, checkout_for, named_as_given


class LoyaltyPointsRemove(RetentionMutation):
    """Take the points off the checkout; they can be spent again at once."""

    checkout = graphene.Field(Checkout)

    class Arguments:
        checkout_id = graphene.ID(description=CHECKOUT_ID)
        checkout_token = saleor_types.UUID(description=CHECKOUT_TOKEN)

    class Meta:
        description = "Remove loyalty points from a checkout."

    @classmethod
    def perform_mutation(cls, root, info, checkout_id=None, checkout_token=None):
        user, checkout = checkout_for(info, checkout_id, checkout_token)
        with named_as_given(checkout_id):
            redemption.remove_points(
                customer_id=str(user.pk),
                checkout=saleor.checkout_facts(checkout),
                settings=retention_settings(info),
            )
        checkout.refresh_from_db()
        return cls(checkout=saleor_types.as_checkout(checkout), errors=[])
