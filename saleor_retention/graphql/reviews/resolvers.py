"""Resolvers of the review fields on Saleor's types and of the review queries."""

from __future__ import annotations

from ... import saleor_adapter as saleor
from ...reviews import selectors, services
from ...reviews.models import Review
from .. import saleor_types
from ..core import pagination
from ..core.access import (
    pk_from_global_id,
)
from ..core.middleware import skips_field_middleware
from .dataloaders import LatestReviewsByProductIdLoader, ProductRatingByProductIdLoader
from .filters import filter_customer_reviews, filter_moderation, filter_requests
from .jsonld import json_ld
from .sorters import REVIEW_REQUEST_SORT_FIELDS, REVIEW_SORT_FIELDS
from .types import (
    ReviewRequestInfo,
    ReviewRequestType,
    ReviewType,
    is_review_staff,
    require_staff,
    viewer_id,
    viewer_of,
)


def review_connection():
    return pagination.connection_type(ReviewType)


def _newest_first(rows):
    return rows.order_by("-created_at", "-pk")


def resolve_product_reviews(root, info, filter=None, sort_by=None, **page):
    filter = filter or {}
    rows = selectors.product_reviews(
        product_id=str(root.pk),
        viewer_id=viewer_id(info),
        rating=filter.get("rating"),
        with_photos=bool(filter.get("with_photos")),
        verified_only=bool(filter.get("verified_only")),
    )
    rows = (
        pagination.sorted_by(rows, sort_by, REVIEW_SORT_FIELDS) if sort_by else _newest_first(rows)
    )
    return pagination.paginate(rows, review_connection(), default_first=10, **page)


@skips_field_middleware
def resolve_review_summary(root, info):
    # the stored aggregate itself is the summary's root (an empty one before the first review)
    return ProductRatingByProductIdLoader(info.context).load(str(root.pk))


@skips_field_middleware
def resolve_review_json_ld(root, info):
    from promise import Promise

    key = str(root.pk)
    rating = ProductRatingByProductIdLoader(info.context).load(key)
    reviews = LatestReviewsByProductIdLoader(info.context).load(key)
    # JSONString encodes the dict
    return Promise.all([rating, reviews]).then(lambda both: json_ld(root, both[0], both[1]))


def resolve_user_reviews(root, info, filter=None, sort_by=None, **page):
    me = viewer_of(info)
    is_own = me is not None and me.pk == root.pk
    if not (is_own or is_review_staff(info)):
        return pagination.empty(review_connection())
    rows = filter_customer_reviews(selectors.customer_reviews(str(root.pk)), filter)
    rows = pagination.sorted_by(rows, sort_by, REVIEW_SORT_FIELDS)
    return pagination.paginate(rows, review_connection(), **page)


def resolve_moderation_queue(root, info, filter=None, sort_by=None, **page):
    require_staff(info)
    filter = filter or {}
    statuses = [getattr(s, "value", s) for s in filter.get("status") or []]
    product_id = None
    if filter.get("product"):
        product_id = pk_from_global_id(filter["product"], "Product") or "-"
    rows = filter_moderation(
        selectors.moderation_list(statuses=statuses or None, product_id=product_id), filter
    )
    if sort_by:
        rows = pagination.sorted_by(rows, sort_by, REVIEW_SORT_FIELDS)
    return pagination.paginate(rows, review_connection(), **page)


def resolve_review_requests_due(root, info, filter=None, sort_by=None, **page):
    require_staff(info)
    rows = filter_requests(selectors.due_requests(), filter)
    return pagination.paginate(
        pagination.sorted_by(rows, sort_by, REVIEW_REQUEST_SORT_FIELDS),
        pagination.connection_type(ReviewRequestType),
        default_first=pagination.PAGE_LIMIT,
        **page,
    )


def resolve_review_request(root, info, token):
    line_id = services.order_line_from_token(token)
    line = saleor.order_line_for_review(line_id) if line_id else None
    if line is None:
        return None
    from saleor.product.models import Product as ProductModel

    return ReviewRequestInfo(
        product=saleor_types.as_product(
            ProductModel.objects.filter(pk=line.product_id).first(), line.channel
        ),
        product_name=line.product_name,
        variant_name=line.variant_name,
        already_reviewed=Review.objects.filter(order_line_id=line.line_id).exists(),
    )
