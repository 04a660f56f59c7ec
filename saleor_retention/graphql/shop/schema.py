"""``Shop.retention``, mounted by ``graphql/schema.py``."""

import graphene

from .resolvers import resolve_shop_retention
from .types import RetentionShopSettings


def shop_retention_field() -> graphene.Field:
    return graphene.Field(
        RetentionShopSettings,
        required=True,
        description="The store's retention programme: what shoppers earn and when.",
        resolver=resolve_shop_retention,
    )
