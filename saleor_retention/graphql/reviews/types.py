"""Reviews in GraphQL: the object types (``Review``, its photos, reply and reports,
``ReviewSummary``, ``ReviewRequest``, ``ReviewRequestInfo``) (their enums are in enums.py). The lists' inputs are
in filters.py and sorters.py, the resolvers in resolvers.py, the fields in schema.py.

Permissions: staff holding Saleor's ``MANAGE_PRODUCTS`` moderate and see every review; shoppers
see published reviews plus their own."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from graphql_relay import to_global_id

from ...permissions import MANAGE_PRODUCTS
from ...reviews import selectors, services
from ...reviews.models import Review, ReviewRequest
from .. import saleor_types
from ..core.access import (
    as_pk,
    has_permission,
    require_permission,
    signed_in_user,
)
from ..core.context import retention_settings
from ..saleor_types import Product
from .enums import ReviewSourceEnum, ReviewStatusEnum


def viewer_of(info) -> Any | None:
    return signed_in_user(info)


def viewer_id(info) -> str | None:
    user = viewer_of(info)
    return str(user.pk) if user is not None else None


def is_review_staff(info) -> bool:
    return has_permission(info, MANAGE_PRODUCTS)


def require_staff(info) -> None:
    require_permission(info, MANAGE_PRODUCTS)


def _can_see_private(root: Review, info) -> bool:
    """The author and staff see moderation details, points and the complaint flag."""
    me = viewer_id(info)
    return bool(me and str(root.customer_id) == me) or is_review_staff(info)


def _file_url(info, path: str) -> str:
    url = default_storage.url(path)
    request = info.context
    return request.build_absolute_uri(url) if hasattr(request, "build_absolute_uri") else url


class ReviewPhotoType(graphene.ObjectType):
    url = graphene.String(required=True, description="The photo (metadata stripped).")
    thumbnail_url = graphene.String(required=True)
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    content_type = graphene.String(required=True)

    class Meta:
        name = "ReviewPhoto"

    @staticmethod
    def resolve_url(root, info):
        return _file_url(info, root.path)

    @staticmethod
    def resolve_thumbnail_url(root, info):
        return _file_url(info, root.thumbnail_path)


class ReviewMerchantReply(graphene.ObjectType):
    text = graphene.String(required=True, description="Plain text.")
    replied_at = saleor_types.DateTime(required=True)


class ReviewReportType(graphene.ObjectType):
    reason = graphene.String(required=True, description="Plain text.")
    created_at = saleor_types.DateTime(required=True)

    class Meta:
        name = "ReviewShopperReport"


class ReviewType(graphene.ObjectType):
    product_id = graphene.ID(required=True, description="The reviewed product (Product id).")
    rating = graphene.Int(required=True, description="1 to 5 stars.")
    title = graphene.String(required=True, description="Plain text, no markup.")
    body = graphene.String(required=True, description="Plain text, no markup.")
    status = ReviewStatusEnum(required=True)
    source = ReviewSourceEnum(required=True)
    is_verified = graphene.Boolean(required=True, description="Written by a buyer.")
    author_name = graphene.String(
        required=True, description='"Mei L.", or "Former customer" after erasure.'
    )
    variant_name = graphene.String(required=True, description="The variant bought.")
    variant_id = graphene.ID(description="The variant bought (ProductVariant id).")
    photos = graphene.List(graphene.NonNull(ReviewPhotoType), required=True)
    helpful_count = graphene.Int(required=True)
    merchant_reply = graphene.Field(ReviewMerchantReply, description="The store's public reply.")
    created_at = saleor_types.DateTime(required=True)
    published_at = saleor_types.DateTime()
    is_mine = graphene.Boolean(required=True, description="Written by the signed-in shopper.")
    is_complaint = graphene.Boolean(description="Flagged as a complaint (author and staff).")
    moderation_reason = graphene.String(
        description="Why it was rejected or removed (author and staff)."
    )
    points = graphene.Int(description="Points it earned its author, net (author and staff).")
    report_count = graphene.Int(description="Shopper reports (staff).")
    reports = graphene.List(
        graphene.NonNull(ReviewReportType), description="Shoppers' reports (staff)."
    )

    class Meta:
        name = "Review"
        interfaces = (graphene.relay.Node,)
        possible_types = (Review,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: what ``Product.reviews`` shows (published, or the shopper's own);
        staff who manage products see every review."""
        pk = as_pk(id)
        if pk is None:
            return None
        rows = Review.objects.prefetch_related("photos", "reports").filter(pk=pk)
        if not is_review_staff(info):
            rows = rows.filter(selectors.visible_to(viewer_id(info)))
        return rows.first()

    @staticmethod
    def resolve_product_id(root, info):
        return to_global_id("Product", root.product_id)

    @staticmethod
    def resolve_variant_id(root, info):
        return to_global_id("ProductVariant", root.variant_id) if root.variant_id else None

    @staticmethod
    def resolve_is_verified(root, info):
        return root.is_verified

    @staticmethod
    def resolve_author_name(root, info):
        if root.author_erased:
            return _("Former customer")
        return root.author_name or _("A customer")

    @staticmethod
    def resolve_photos(root, info):
        return list(root.photos.all())  # prefetched by the selectors

    @staticmethod
    def resolve_merchant_reply(root, info):
        if not root.merchant_reply:
            return None
        return ReviewMerchantReply(text=root.merchant_reply, replied_at=root.replied_at)

    @staticmethod
    def resolve_is_mine(root, info):
        me = viewer_id(info)
        return bool(me and str(root.customer_id) == me)

    @staticmethod
    def resolve_is_complaint(root, info):
        return root.is_complaint if _can_see_private(root, info) else None

    @staticmethod
    def resolve_moderation_reason(root, info):
        return root.moderation_reason if _can_see_private(root, info) else None

    @staticmethod
    def resolve_points(root, info):
        if not _can_see_private(root, info):
            return None
        return 0 if root.points_reversed else root.points_awarded

    @staticmethod
    def resolve_report_count(root, info):
        return root.report_count if is_review_staff(info) else None

    @staticmethod
    def resolve_reports(root, info):
        return list(root.reports.all()) if is_review_staff(info) else None


class ReviewRatingCount(graphene.ObjectType):
    rating = graphene.Int(required=True)
    count = graphene.Int(required=True)


class ReviewSummary(graphene.ObjectType):
    """Resolved from the product's stored rating (``reviews.selectors.RatingSummary``, read from
    the ``ProductRating`` row; an empty one before the first review). The average and the count
    are plain attributes, read by graphene's default resolver: on Saleor 2.10 a field with a
    resolver of its own also opens a tracing span, 200 of them on a page of 100 products."""

    average_rating = graphene.Float(description="Mean of published ratings; null with none.")
    count = graphene.Int(required=True, description="Published reviews.")
    distribution = graphene.List(
        graphene.NonNull(ReviewRatingCount), required=True, description="1 to 5 stars."
    )

    @staticmethod
    def resolve_distribution(root, info):
        return [ReviewRatingCount(rating=n, count=c) for n, c in root.distribution()]


class ReviewRequestType(graphene.ObjectType):
    order_id = graphene.ID(required=True)
    order_line_id = graphene.ID(required=True)
    product_id = graphene.ID(required=True)
    customer_id = graphene.ID(description="Null for a guest order.")
    due_at = saleor_types.DateTime(required=True)
    form_url = graphene.String(
        required=True, description="The signed link that opens the review form for this line."
    )

    class Meta:
        name = "ReviewRequest"
        interfaces = (graphene.relay.Node,)
        possible_types = (ReviewRequest,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: staff who manage products, as ``reviewRequestsDue``."""
        pk = as_pk(id)
        if pk is None or not is_review_staff(info):
            return None
        return ReviewRequest.objects.filter(pk=pk).first()

    @staticmethod
    def resolve_order_id(root, info):
        return to_global_id("Order", root.order_id)

    @staticmethod
    def resolve_order_line_id(root, info):
        return to_global_id("OrderLine", root.order_line_id)

    @staticmethod
    def resolve_product_id(root, info):
        return to_global_id("Product", root.product_id)

    @staticmethod
    def resolve_customer_id(root, info):
        return to_global_id("User", root.customer_id) if root.customer_id else None

    @staticmethod
    def resolve_form_url(root, info):
        return services.review_form_url(root.order_line_id, retention_settings(info))


class ReviewRequestInfo(graphene.ObjectType):
    product = graphene.Field(Product, description="The product to review.")
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    already_reviewed = graphene.Boolean(required=True)
