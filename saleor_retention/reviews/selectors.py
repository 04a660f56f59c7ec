"""Reads of reviews, ratings and review requests for GraphQL and the rebuild command."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
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


@dataclasses.dataclass(frozen=True, slots=True)
class RatingSummary:
    """A product's stored rating as the storefront reads it. A category page reads 100 of
    these per view: plain values, not model instances (building ``ProductRating`` rows was a
    sixth of what the ratings added to such a page, bench/reviews.py)."""

    count: int = 0
    average_rating: float | None = None
    stars: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    def distribution(self) -> list[tuple[int, int]]:
        return list(zip(range(1, 6), self.stars, strict=True))


NO_RATING = RatingSummary()  # a product before its first published review


def ratings_for(product_ids: Iterable[str]) -> dict[str, RatingSummary]:
    # One statement written once: building the ORM's query cost more than running it for a
    # page of 100 products (0.8 ms of CPU of the 5 ms the ratings add to it, bench/reviews.py).
    ids = [str(pk) for pk in product_ids]
    with connection.cursor() as cursor:
        cursor.execute(_ratings_sql(), [ids])
        rows = cursor.fetchall()
    return {
        product_id: RatingSummary(
            count=count,
            average_rating=_average(rating_sum, count),
            stars=(one, two, three, four, five),
        )
        for product_id, count, rating_sum, one, two, three, four, five in rows
    }


@functools.lru_cache(maxsize=1)
def _ratings_sql() -> str:
    columns = ("product_id", "count", "rating_sum", *(f"stars_{n}" for n in range(1, 6)))
    table = ProductRating._meta.db_table
    return f'SELECT {", ".join(columns)} FROM "{table}" WHERE product_id = ANY(%s)'


def _average(rating_sum: int, count: int) -> float | None:
    # the same rounding as ProductRating.average_rating
    return round(rating_sum / count, 2) if count else None


def voted_review_ids(customer_id: str | None, review_ids: Iterable[int]) -> set[int]:
    if not customer_id:
        return set()
    return set(
        ReviewVote.objects.filter(
            customer_id=str(customer_id), review_id__in=list(review_ids)
        ).values_list("review_id", flat=True)
    )


def latest_published(product_ids: Iterable[str], limit: int) -> dict[str, list[Review]]:
    """product id -> its ``limit`` newest published reviews, for many products in one query
    (ROW_NUMBER per product: Django 3.2 cannot filter on a window expression)."""
    ids = [str(pk) for pk in product_ids]
    found: dict[str, list[Review]] = {pk: [] for pk in ids}
    if not ids:
        return found
    table = Review._meta.db_table
    rows = Review.objects.raw(
        f"""
        SELECT * FROM (
            SELECT r.*, ROW_NUMBER() OVER (
                PARTITION BY r.product_id ORDER BY r.created_at DESC, r.id DESC
            ) AS position
            FROM {table} r
            WHERE r.product_id = ANY(%s) AND r.status = %s
        ) ranked
        WHERE ranked.position <= %s
        ORDER BY ranked.product_id, ranked.position
        """,
        [ids, str(ReviewStatus.PUBLISHED), limit],
    )
    for review in rows:
        found[review.product_id].append(review)
    return found


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
