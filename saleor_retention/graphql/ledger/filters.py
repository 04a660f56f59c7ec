"""The ``filter:`` input of a customer's points history (``LoyaltyAccount.entries``)."""

from __future__ import annotations

import graphene
from django.db.models import QuerySet

from .. import saleor_types
from ..core import filters
from .enums import LoyaltyEntryType


class LoyaltyEntryFilterInput(graphene.InputObjectType):
    type = graphene.List(graphene.NonNull(LoyaltyEntryType), description="Any of these.")
    order = graphene.ID(description="The entries of one order (its Order id).")
    since = saleor_types.DateTime(description="Entries at or after this time.")
    until = saleor_types.DateTime(description="Entries before this time; after since.")


def filter_entries(rows: QuerySet, filter: dict | None) -> QuerySet:
    filter = filter or {}
    types = filters.enum_values(filter.get("type"))
    if types:
        rows = rows.filter(type__in=types)
    if filter.get("order") is not None:
        rows = rows.filter(order_id=filters.pk_of(filter["order"], "Order", "order"))
    return filters.in_period(rows, filter, "created_at")
