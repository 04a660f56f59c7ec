"""The ``filter:`` inputs of the card lists."""

from __future__ import annotations

import graphene
from django.db.models import Q, QuerySet

from .. import saleor_types
from ..core import filters
from .enums import LoyaltyCardKind, LoyaltyCardStatus


class LoyaltyCardFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(LoyaltyCardStatus), description="Any of these.")
    programs = graphene.List(graphene.NonNull(graphene.ID), description="Any of these programs.")
    customer = graphene.ID(description="One customer's cards (their User id).")
    search = graphene.String(description="Cards whose code contains this (any case).")
    issued_since = saleor_types.DateTime(description="Cards issued at or after this time.")
    issued_until = saleor_types.DateTime(description="Cards issued before this time.")


class LoyaltyUserCardFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(LoyaltyCardStatus), description="Any of these.")


class LoyaltyCardProgramFilterInput(graphene.InputObjectType):
    is_active = graphene.Boolean(description="Only programs switched on (true) or off (false).")
    kind = graphene.List(graphene.NonNull(LoyaltyCardKind), description="Any of these kinds.")
    search = graphene.String(description="Programs whose name contains this (any case).")


def filter_cards(rows: QuerySet, filter: dict) -> QuerySet:
    """The staff list's filters beyond status and program (which the selector applies)."""
    if filter.get("customer") is not None:
        rows = rows.filter(customer_id=filters.pk_of(filter["customer"], "User", "customer"))
    search = filters.search_text(filter.get("search"))
    if search:
        rows = rows.filter(code__icontains=search)
    return filters.in_period(rows, filter, "issued_at", since="issued_since", until="issued_until")


def filter_programs(rows: QuerySet, filter: dict | None) -> QuerySet:
    filter = filter or {}
    if filter.get("is_active") is not None:
        rows = rows.filter(is_active=filter["is_active"])
    kinds = filters.enum_values(filter.get("kind"))
    if kinds:
        rows = rows.filter(kind__in=kinds)
    search = filters.search_text(filter.get("search"))
    if search:
        rows = rows.filter(Q(name__icontains=search))
    return rows
