"""The review fields: on Saleor's ``Product`` and ``User`` and the root queries (as Saleor's
``graphql/<domain>/schema.py``); ``graphql/schema.py`` mounts them."""

from __future__ import annotations

import graphene

from .. import saleor_types
from ..core import pagination
from .filters import (
    ReviewCustomerFilterInput,
    ReviewFilterInput,
    ReviewModerationFilterInput,
    ReviewRequestFilterInput,
)
from .resolvers import (
    resolve_moderation_queue,
    resolve_product_reviews,
    resolve_review_json_ld,
    resolve_review_request,
    resolve_review_requests_due,
    resolve_review_summary,
    resolve_user_reviews,
)
from .sorters import ReviewRequestSortingInput, ReviewSortingInput
from .types import ReviewRequestInfo, ReviewRequestType, ReviewSummary, ReviewType


def product_reviews_field() -> graphene.Field:
    return pagination.connection_field(
        ReviewType,
        filter=ReviewFilterInput(),
        sort_by=ReviewSortingInput(description="Default: newest first (CREATED_AT, DESC)."),
        description=(
            "Published reviews of the product, plus the signed-in shopper's own (10 a page "
            "unless first/last says otherwise)."
        ),
        resolver=resolve_product_reviews,
    )


def product_review_summary_field() -> graphene.Field:
    return graphene.Field(
        ReviewSummary,
        required=True,
        description="Average, count and 1-5 distribution of the published reviews.",
        resolver=resolve_review_summary,
    )


def product_review_json_ld_field() -> graphene.Field:
    return graphene.Field(
        saleor_types.JSONString,
        required=True,
        description=(
            "schema.org Product markup with AggregateRating (none while there is no published "
            "review) and the latest published reviews, for a "
            '<script type="application/ld+json"> tag.'
        ),
        resolver=resolve_review_json_ld,
    )


def user_reviews_field() -> graphene.Field:
    return pagination.connection_field(
        ReviewType,
        filter=ReviewCustomerFilterInput(),
        sort_by=ReviewSortingInput(description="Default: newest first (CREATED_AT, DESC)."),
        description=(
            "The customer's reviews in every status, newest first (their own, or staff; else "
            "empty)."
        ),
        resolver=resolve_user_reviews,
    )


def review_moderation_queue_field() -> graphene.Field:
    return pagination.connection_field(
        ReviewType,
        filter=ReviewModerationFilterInput(),
        sort_by=ReviewSortingInput(description="Default: oldest first (CREATED_AT, ASC)."),
        description=(
            "Staff (MANAGE_PRODUCTS): reviews oldest first, with their photos, to moderate."
        ),
        resolver=resolve_moderation_queue,
    )


def review_requests_due_field() -> graphene.Field:
    return pagination.connection_field(
        ReviewRequestType,
        filter=ReviewRequestFilterInput(),
        sort_by=ReviewRequestSortingInput(description="Default: the earliest due first."),
        description=(
            "Staff (MANAGE_PRODUCTS): review requests whose day has come, for lines not yet "
            "reviewed, the earliest due first (sending them is the messaging's job)."
        ),
        resolver=resolve_review_requests_due,
    )


def review_request_field() -> graphene.Field:
    return graphene.Field(
        ReviewRequestInfo,
        token=graphene.String(required=True, description="The token from the review link."),
        description="What a review link is for (null when the token is not valid).",
        resolver=resolve_review_request,
    )
