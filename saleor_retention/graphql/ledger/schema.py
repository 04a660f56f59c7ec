"""The ledger's fields on Saleor's ``User``, ``Order`` and ``Checkout`` (as Saleor's
``graphql/<domain>/schema.py``); ``graphql/schema.py`` mounts them and the mutations."""

import graphene

from .. import saleor_types
from .resolvers import (
    resolve_checkout_loyalty,
    resolve_order_loyalty,
    resolve_user_loyalty,
    resolve_user_loyalty_birthday,
    resolve_user_loyalty_referral_code,
)
from .types import LoyaltyAccount, LoyaltyCheckout, LoyaltyOrderPoints


def user_loyalty_field() -> graphene.Field:
    return graphene.Field(
        LoyaltyAccount,
        description="Loyalty points (the shopper's own, or for staff who manage users).",
        resolver=resolve_user_loyalty,
    )


def user_birthday_field() -> graphene.Field:
    return graphene.Field(
        saleor_types.Date,
        description=(
            "The birthday the store keeps for the birthday bonus (the shopper's own, or for "
            "staff who manage users); null when not given or not visible."
        ),
        resolver=resolve_user_loyalty_birthday,
    )


def user_referral_code_field() -> graphene.Field:
    return graphene.Field(
        graphene.String,
        description=(
            "The customer's referral code to share with friends (the shopper's own, or for staff "
            "who manage users); null when not visible or when the store runs no referrals."
        ),
        resolver=resolve_user_loyalty_referral_code,
    )


def order_loyalty_field() -> graphene.Field:
    return graphene.Field(
        LoyaltyOrderPoints,
        required=True,
        description="Points this order earned, still pending and reversed.",
        resolver=resolve_order_loyalty,
    )


def checkout_loyalty_field() -> graphene.Field:
    return graphene.Field(
        LoyaltyCheckout,
        required=True,
        description="Points on this checkout: to earn, redeemable and applied.",
        resolver=resolve_checkout_loyalty,
    )
