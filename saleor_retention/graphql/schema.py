"""The single GraphQL schema: Saleor's whole schema plus the retention fields and mutations.

``saleor_retention.urls`` serves it on ``/graphql/``; docs/graphql.md explains the mechanism.
"""

import graphene
from graphene_federation import build_schema
from saleor.graphql.api import Mutation as SaleorMutation
from saleor.graphql.api import Query as SaleorQuery

from . import saleor_types
from .extend import apply_extensions, extend_type
from .inbox.mutations import RetentionEventsRetry
from .ledger.birthdays import LoyaltyBirthdaySet, user_birthday_field
from .ledger.campaigns import LoyaltyCampaignBonusCreate
from .ledger.checkout import LoyaltyPointsApply, LoyaltyPointsRemove, checkout_loyalty_field
from .ledger.mutations import LoyaltyPointsAdjust
from .ledger.referrals import LoyaltyReferralCodeApply, user_referral_code_field
from .ledger.types import order_loyalty_field, user_loyalty_field
from .shop.types import shop_retention_field

extend_type(saleor_types.Shop, "retention", shop_retention_field)
extend_type(saleor_types.User, "loyalty", user_loyalty_field)
extend_type(saleor_types.User, "loyaltyBirthday", user_birthday_field)
extend_type(saleor_types.User, "loyaltyReferralCode", user_referral_code_field)
extend_type(saleor_types.Order, "loyalty", order_loyalty_field)
extend_type(saleor_types.Checkout, "loyalty", checkout_loyalty_field)


class RetentionQueries(graphene.ObjectType):
    pass


class RetentionMutations(graphene.ObjectType):
    retention_events_retry = RetentionEventsRetry.Field()
    loyalty_points_adjust = LoyaltyPointsAdjust.Field()
    loyalty_birthday_set = LoyaltyBirthdaySet.Field()
    loyalty_campaign_bonus_create = LoyaltyCampaignBonusCreate.Field()
    loyalty_points_apply = LoyaltyPointsApply.Field()
    loyalty_points_remove = LoyaltyPointsRemove.Field()
    loyalty_referral_code_apply = LoyaltyReferralCodeApply.Field()


class Query(RetentionQueries, SaleorQuery):
    pass


class Mutation(RetentionMutations, SaleorMutation):
    pass


apply_extensions()
schema = build_schema(Query, mutation=Mutation)
