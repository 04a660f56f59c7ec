"""Referrals: ``User.loyaltyReferralCode`` and ``loyaltyReferralCodeApply``."""

import graphene
from django.utils.translation import gettext as _
from saleor.graphql.core.dataloaders import DataLoader

from ...errors import RetentionError, RetentionErrorCode
from ...referrals import services as referrals
from ...referrals.models import Referral as ReferralModel
from .. import saleor_types
from ..core.access import may_see_customer, signed_in
from ..core.context import request_settings, retention_settings
from ..core.mutations import RetentionMutation
from ..core.types import choices_enum
from .checkout import CHECKOUT_TOKEN, checkout_token_from, named_as_given

LoyaltyReferralStatus = choices_enum(
    "LoyaltyReferralStatus",
    ReferralModel.Status,
    description=(
        "PENDING: waiting for the new customer's first paid order; REWARDED: both were "
        "credited; REVERSED: that order was refunded in full or cancelled and the rewards taken "
        "back; REJECTED: that order went to an address of the referrer."
    ),
)


class LoyaltyReferral(graphene.ObjectType):
    code = graphene.String(required=True, description="The referral code that was given.")
    status = LoyaltyReferralStatus(required=True)
    created_at = saleor_types.DateTime(required=True)

    @staticmethod
    def resolve_status(root, info):
        return root.status


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


class ReferralCodeByCustomerIdLoader(DataLoader):
    """Every ``User.loyaltyReferralCode`` of one request: the settings and the codes in one query
    each, plus one insert per customer reading theirs for the first time."""

    context_key = "retention_referral_code_by_customer_id"

    def batch_load(self, keys):
        if not referrals.referrals_on(request_settings(self.context)):
            return [None for _key in keys]
        codes = referrals.referral_codes_for(keys)
        return [codes[str(key)] for key in keys]


def resolve_user_loyalty_referral_code(root, info):
    if not may_see_customer(getattr(info.context, "user", None), root):
        return None
    return ReferralCodeByCustomerIdLoader(info.context).load(str(root.pk))


def user_referral_code_field() -> graphene.Field:
    return graphene.Field(
        graphene.String,
        description=(
            "The customer's referral code to share with friends (the shopper's own, or for staff "
            "who manage users); null when not visible or when the store runs no referrals."
        ),
        resolver=resolve_user_loyalty_referral_code,
    )
