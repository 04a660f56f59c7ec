"""The insight inputs: a segment's rules (``CustomerSegmentRulesInput``)."""

from __future__ import annotations

import graphene

from .. import saleor_types
from ..saleor_types import Decimal
from .types import CustomerRfmGroup, CustomerStage


class CustomerSegmentRulesInput(graphene.InputObjectType):
    stages = graphene.List(graphene.NonNull(CustomerStage))
    rfm_groups = graphene.List(graphene.NonNull(CustomerRfmGroup))
    tiers = graphene.List(
        graphene.NonNull(graphene.String), description='Tier names; "" for no tier.'
    )
    spent_at_least = Decimal(description="With spentCurrency: total spent at least.")
    spent_currency = graphene.String()
    orders_at_least = graphene.Int(description="Paid orders, every currency.")
    last_order_before = saleor_types.DateTime()
    last_order_after = saleor_types.DateTime()
    categories = graphene.List(
        graphene.NonNull(graphene.String), description="Category slugs, any one bought."
    )
    birthday_month = graphene.Int(description="1 to 12.")
    languages = graphene.List(graphene.NonNull(graphene.String))
    tags = graphene.List(graphene.NonNull(graphene.String), description="Any one of them.")
    top_spender = graphene.Boolean()
    has_open_complaint = graphene.Boolean(
        description="A review flagged as a complaint that staff have not answered."
    )
