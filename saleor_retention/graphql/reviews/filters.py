"""The ``filter:`` inputs of the review lists."""

from __future__ import annotations

import graphene
from django.db.models import Q, QuerySet

from ..core import filters
from .enums import ReviewStatusEnum


class ReviewFilterInput(graphene.InputObjectType):
    rating = graphene.Int(description="Only reviews of this many stars.")
    with_photos = graphene.Boolean(description="Only reviews with a photo.")
    verified_only = graphene.Boolean(description="Only reviews by verified buyers.")


class ReviewModerationFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(ReviewStatusEnum), description="Any of these.")
    product = graphene.ID(description="One product's reviews.")
    rating = graphene.Int(description="Only reviews of this many stars.")
    is_complaint = graphene.Boolean(description="Only complaints (true) or the others (false).")
    is_reported = graphene.Boolean(
        description="Only reviews shoppers reported (true) or never reported (false)."
    )
    search = graphene.String(description="Reviews whose title or body contains this (any case).")


class ReviewCustomerFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(ReviewStatusEnum), description="Any of these.")
    rating = graphene.Int(description="Only reviews of this many stars.")


class ReviewRequestFilterInput(graphene.InputObjectType):
    product = graphene.ID(description="One product's requests.")
    order = graphene.ID(description="One order's requests.")
    customer = graphene.ID(description="One customer's requests (their User id).")


def filter_moderation(rows: QuerySet, filter: dict) -> QuerySet:
    """The moderation queue's filters beyond status and product (which the selector applies)."""
    if filter.get("rating") is not None:
        rows = rows.filter(rating=filter["rating"])
    if filter.get("is_complaint") is not None:
        rows = rows.filter(is_complaint=filter["is_complaint"])
    if filter.get("is_reported") is not None:
        rows = (
            rows.filter(report_count__gt=0)
            if filter["is_reported"]
            else rows.filter(report_count=0)
        )
    search = filters.search_text(filter.get("search"))
    if search:
        rows = rows.filter(Q(title__icontains=search) | Q(body__icontains=search))
    return rows


def filter_customer_reviews(rows: QuerySet, filter: dict | None) -> QuerySet:
    filter = filter or {}
    statuses = filters.enum_values(filter.get("status"))
    if statuses:
        rows = rows.filter(status__in=statuses)
    if filter.get("rating") is not None:
        rows = rows.filter(rating=filter["rating"])
    return rows


def filter_requests(rows: QuerySet, filter: dict | None) -> QuerySet:
    filter = filter or {}
    for name, type_name, column in (
        ("product", "Product", "product_id"),
        ("order", "Order", "order_id"),
        ("customer", "User", "customer_id"),
    ):
        if filter.get(name) is not None:
            rows = rows.filter(**{column: filters.pk_of(filter[name], type_name, name)})
    return rows
