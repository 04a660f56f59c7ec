"""``loyaltyReferralCodeApply``: a new customer gives a friend's referral code."""

import graphene
from django.utils.translation import gettext as _

from ....errors import RetentionError, RetentionErrorCode
from ....referrals import services as referrals
from ... import saleor_types
from ...core.access import signed_in
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ..types import LoyaltyReferral
from .checkout import CHECKOUT_TOKEN, checkout_token_from, named_as_given


class LoyaltyReferralCodeApply(RetentionMutation):
    """A new customer gives a friend's referral code (after registering, or at checkout); both
    earn the store's referral bonuses once the new customer's first order is paid. Giving the
    same code again returns the same referral."""

    referral = graphene.Field(LoyaltyReferral, description="The referral; null when refused.")

    class Arguments:
        code = graphene.String(required=True, description="The friend's referral code.")
        checkout_id = graphene.ID(
            description="The checkout the code is given at, if any; its addresses are checked too."
        )
        checkout_token = saleor_types.UUID(description=CHECKOUT_TOKEN)

    class Meta:
        description = "Use a friend's referral code (signed-in shoppers)."

    @classmethod
    def perform_mutation(cls, root, info, code, checkout_id=None, checkout_token=None):
        user = getattr(info.context, "user", None)
        if user is None or not signed_in(user):
            raise RetentionError(
                _("Sign in to use a referral code."), code=RetentionErrorCode.NOT_SIGNED_IN
            )
        with named_as_given(checkout_id):
            referral = referrals.claim(
                referee_customer_id=str(user.pk),
                code=code,
                checkout_token=(
                    checkout_token_from(checkout_id, checkout_token)
                    if checkout_id is not None or checkout_token is not None
                    else None
                ),
                settings=retention_settings(info),
            )
        return cls(referral=referral, errors=[])
