"""Reads of reviews, ratings and review requests for GraphQL and the rebuild command."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import ProductRating, Review, ReviewRequest, ReviewStatus, ReviewVote

NEWEST, HIGHEST, LOWEST, MOST_HELPFUL = "newest", "highest", "lowest", "most_helpful"
ORDERINGS = {
    NEWEST: ("-created_at", "-pk"),
    HIGHEST: ("-rating", "-created_at", "-pk"),
    LOWEST: ("rating", "-created_at", "-pk"),
    MOST_HELPFUL: ("-helpful_count", "-created_at", "-pk"),
}


def visible_to(viewer_id: str | None) -> Q:
    """Shoppers see published reviews, plus their own in any status."""
    condition = Q(status=ReviewStatus.PUBLISHED)
    if viewer_id:
        condition |= Q(customer_id=str(viewer_id))
    return condition


def product_reviews(
    *,
    product_id: str,
    viewer_id: str | None,
    rating: int | None = None,
    with_photos: bool = False,
    verified_only: bool = False,
    sort_by: str = NEWEST,
) -> QuerySet[Review]:
    rows = Review.objects.filter(visible_to(viewer_id), product_id=str(product_id))
    if rating is not None:
        rows = rows.filter(rating=rating)
    if with_photos:
        rows = rows.filter(photos__isnull=False).distinct()
    if verified_only:
        rows = rows.filter(source="verified")
    return rows.prefetch_related("photos").order_by(*ORDERINGS.get(sort_by, ORDERINGS[NEWEST]))


def customer_reviews(customer_id: str) -> QuerySet[Review]:
    return (
        Review.objects.filter(customer_id=str(customer_id))
        .prefetch_related("photos")
        .order_by("-created_at", "-pk")
    )


def moderation_list(
    *, statuses: Iterable[str] | None = None, product_id: str | None = None
) -> QuerySet[Review]:
    """Staff: every review (pending first by default), photos included."""
    rows = Review.objects.prefetch_related("photos", "reports")
    if statuses:
        rows = rows.filter(status__in=list(statuses))
    if product_id:
        rows = rows.filter(product_id=str(product_id))
    return rows.order_by("created_at", "pk")


def ratings_for(product_ids: Iterable[str]) -> dict[str, ProductRating]:
    ids = [str(pk) for pk in product_ids]
    return {row.product_id: row for row in ProductRating.objects.filter(product_id__in=ids)}


def voted_review_ids(customer_id: str | None, review_ids: Iterable[int]) -> set[int]:
    if not customer_id:
        return set()
    return set(
        ReviewVote.objects.filter(
            customer_id=str(customer_id), review_id__in=list(review_ids)
        ).values_list("review_id", flat=True)
    )


def latest_published(product_id: str, limit: int) -> list[Review]:
    return list(
        Review.objects.filter(product_id=str(product_id), status=ReviewStatus.PUBLISHED).order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def due_requests(*, now: datetime | None = None) -> QuerySet[ReviewRequest]:
    """Scheduled requests whose day has come, for lines nobody has reviewed yet, oldest first."""
    reviewed = Review.objects.filter(order_line_id=OuterRef("order_line_id"))
    return (
        ReviewRequest.objects.filter(
            status=ReviewRequest.Status.SCHEDULED, due_at__lte=now or timezone.now()
        )
        .exclude(Exists(reviewed))
        .order_by("due_at", "pk")
    )
