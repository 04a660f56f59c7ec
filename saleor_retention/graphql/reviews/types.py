"""Reviews in GraphQL: the ``Review`` type, ``Product.reviews`` (a cursor connection),
``Product.reviewSummary`` (through a dataloader), ``Product.reviewJsonLd``, ``User.reviews``, and the
staff queries ``reviewModerationQueue`` / ``reviewRequestsDue``, and ``reviewRequest(token)``.

Permissions: staff holding Saleor's ``MANAGE_PRODUCTS`` moderate and see every review; shoppers
see published reviews plus their own."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from graphql_relay import to_global_id

from ... import conf
from ... import saleor_adapter as saleor
from ...reviews import selectors, services
from ...reviews.models import Review, ReviewRequest, ReviewSource, ReviewStatus
from .. import saleor_types
from ..core import pagination
from ..core.access import (
    as_pk,
    has_permission,
    pk_from_global_id,
    require_permission,
    signed_in_user,
)
from ..core.types import choices_enum
from ..saleor_types import Product
from .dataloaders import LatestReviewsByProductIdLoader, ProductRatingByProductIdLoader

MANAGE_PRODUCTS = "product.manage_products"

ReviewStatusEnum = choices_enum(
    "ReviewStatus",
    ReviewStatus,
    description=(
        "PENDING: waiting for moderation; PUBLISHED: shown to every shopper; REJECTED: refused "
        "by staff (with a reason); REMOVED: taken down by staff."
    ),
)
ReviewSourceEnum = choices_enum(
    "ReviewSource",
    ReviewSource,
    description=(
        "VERIFIED: written by a buyer of a shipped order line; UNVERIFIED: by a signed-in "
        "customer who has not bought it (when the store allows it); IMPORTED: brought in by staff."
    ),
)
# Saleor's sorters: each field sorts by these columns, all in sortBy's direction (pk last)
REVIEW_SORT_FIELDS = {
    "created_at": ["created_at", "pk"],
    "rating": ["rating", "created_at", "pk"],
    "helpful_count": ["helpful_count", "created_at", "pk"],
}
ReviewSortField = graphene.Enum(
    "ReviewSortField",
    [("CREATED_AT", "created_at"), ("RATING", "rating"), ("HELPFUL_COUNT", "helpful_count")],
    description="When it was written, its rating, or its helpful votes (ties: newest first).",
)
ReviewSortingInput = pagination.sorting_input(
    "ReviewSortingInput", ReviewSortField, "Sort reviews by the selected field."
)


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


class ReviewFilterInput(graphene.InputObjectType):
    rating = graphene.Int(description="Only reviews of this many stars.")
    with_photos = graphene.Boolean(description="Only reviews with a photo.")
    verified_only = graphene.Boolean(description="Only reviews by verified buyers.")


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


class ReviewRatingCount(graphene.ObjectType):
    rating = graphene.Int(required=True)
    count = graphene.Int(required=True)


class ReviewSummary(graphene.ObjectType):
    average_rating = graphene.Float(description="Mean of published ratings; null with none.")
    count = graphene.Int(required=True, description="Published reviews.")
    distribution = graphene.List(
        graphene.NonNull(ReviewRatingCount), required=True, description="1 to 5 stars."
    )


def _summary(rating) -> ReviewSummary:
    if rating is None:
        return ReviewSummary(
            average_rating=None,
            count=0,
            distribution=[ReviewRatingCount(rating=n, count=0) for n in range(1, 6)],
        )
    return ReviewSummary(
        average_rating=rating.average,
        count=rating.count,
        distribution=[ReviewRatingCount(rating=n, count=c) for n, c in rating.distribution()],
    )


def resolve_review_summary(root, info):
    return ProductRatingByProductIdLoader(info.context).load(str(root.pk)).then(_summary)


def product_review_summary_field() -> graphene.Field:
    return graphene.Field(
        ReviewSummary,
        required=True,
        description="Average, count and 1-5 distribution of the published reviews.",
        resolver=resolve_review_summary,
    )


def json_ld(product: Any, rating, reviews: list[Review]) -> dict[str, Any]:
    """schema.org Product with AggregateRating and Review (Google's review snippets need
    bestRating and worstRating; anchors.md: all-in-one-schemaorg#241)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
    }
    if rating is not None and rating.count > 0:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{rating.average:.2f}".rstrip("0").rstrip("."),
            "reviewCount": str(rating.count),
            "bestRating": "5",
            "worstRating": "1",
        }
    if reviews:
        data["review"] = [
            {
                "@type": "Review",
                "author": {
                    "@type": "Person",
                    "name": str(ReviewType.resolve_author_name(review, None)),
                },
                "datePublished": (review.published_at or review.created_at).date().isoformat(),
                "name": review.title,
                "reviewBody": review.body,
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": str(review.rating),
                    "bestRating": "5",
                    "worstRating": "1",
                },
            }
            for review in reviews
        ]
    return data


def resolve_review_json_ld(root, info):
    from promise import Promise

    key = str(root.pk)
    rating = ProductRatingByProductIdLoader(info.context).load(key)
    reviews = LatestReviewsByProductIdLoader(info.context).load(key)
    # JSONString encodes the dict
    return Promise.all([rating, reviews]).then(lambda both: json_ld(root, both[0], both[1]))


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


def resolve_user_reviews(root, info, **page):
    me = viewer_of(info)
    if me is None or (me.pk != root.pk and not is_review_staff(info)):
        return pagination.empty(review_connection())
    rows = selectors.customer_reviews(str(root.pk))
    return pagination.paginate(rows, review_connection(), **page)


def user_reviews_field() -> graphene.Field:
    return pagination.connection_field(
        ReviewType,
        description=(
            "The customer's reviews in every status, newest first (their own, or staff; else "
            "empty)."
        ),
        resolver=resolve_user_reviews,
    )


class ReviewModerationFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(ReviewStatusEnum), description="Any of these.")
    product = graphene.ID(description="One product's reviews.")


def resolve_moderation_queue(root, info, filter=None, sort_by=None, **page):
    require_staff(info)
    filter = filter or {}
    statuses = [getattr(s, "value", s) for s in filter.get("status") or []]
    product_id = None
    if filter.get("product"):
        product_id = pk_from_global_id(filter["product"], "Product") or "-"
    rows = selectors.moderation_list(statuses=statuses or None, product_id=product_id)
    if sort_by:
        rows = pagination.sorted_by(rows, sort_by, REVIEW_SORT_FIELDS)
    return pagination.paginate(rows, review_connection(), **page)


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
        row = ReviewRequest.objects.filter(pk=pk).first()
        if row is not None:
            with_form_urls([row])
        return row

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
        return root.form_url  # set by the list's resolver (settings read once per request)


def with_form_urls(rows: list[ReviewRequest]) -> None:
    settings = conf.load_settings()  # once per page
    for row in rows:
        row.form_url = services.review_form_url(row.order_line_id, settings)


def resolve_review_requests_due(root, info, **page):
    require_staff(info)
    return pagination.paginate(
        selectors.due_requests(),
        pagination.connection_type(ReviewRequestType),
        default_first=pagination.PAGE_LIMIT,
        on_page=with_form_urls,
        **page,
    )


def review_requests_due_field() -> graphene.Field:
    return pagination.connection_field(
        ReviewRequestType,
        description=(
            "Staff (MANAGE_PRODUCTS): review requests whose day has come, for lines not yet "
            "reviewed, the earliest due first (sending them is the messaging's job)."
        ),
        resolver=resolve_review_requests_due,
    )


class ReviewRequestInfo(graphene.ObjectType):
    product = graphene.Field(Product, description="The product to review.")
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    already_reviewed = graphene.Boolean(required=True)


def resolve_review_request(root, info, token):
    line_id = services.order_line_from_token(token)
    line = saleor.order_line_for_review(line_id) if line_id else None
    if line is None:
        return None
    from saleor.product.models import Product as ProductModel

    return ReviewRequestInfo(
        product=saleor_types.as_product(ProductModel.objects.filter(pk=line.product_id).first()),
        product_name=line.product_name,
        variant_name=line.variant_name,
        already_reviewed=Review.objects.filter(order_line_id=line.line_id).exists(),
    )


def review_request_field() -> graphene.Field:
    return graphene.Field(
        ReviewRequestInfo,
        token=graphene.String(required=True, description="The token from the review link."),
        description="What a review link is for (null when the token is not valid).",
        resolver=resolve_review_request,
    )
