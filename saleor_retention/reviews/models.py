"""Verified reviews: the review, its photos, helpful votes, reports, review requests, and the
per-product rating aggregate.

- ``Review``: one per order line for verified buyers (a conditional unique constraint), one per
  (customer, product) for unverified reviews. ``customer`` (a link to Saleor's user) is nullable: a guest buyer has no
  account, and erasing a customer nulls it (the review stays, anonymised). What a review shows
  about its author (``author_name``) is stored on the review, so nothing is read from Saleor's user
  to display it and erasure only has to clear it.
- ``ReviewVote`` / ``ReviewReport``: once per (review, customer), a unique constraint; the review's
  counters move with ``F()`` in the same transaction.
- ``ReviewRequest``: one per reviewable order line (unique), due ``review_request_days`` after the
  order was fully fulfilled; dropped when the order is cancelled or fully refunded.
- ``ProductRating``: count, sum and 1-5 distribution of a product's *published* reviews, moved
  with ``F()`` on every status change in or out of ``published``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("pending moderation")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")
    REMOVED = "removed", _("removed")


class ReviewSource(models.TextChoices):
    VERIFIED = "verified", _("verified buyer")
    UNVERIFIED = "unverified", _("unverified")
    IMPORTED = "imported", _("imported")


class Review(models.Model):
    product_id = models.CharField(max_length=64)
    variant_id = models.CharField(max_length=64, blank=True, default="")
    variant_name = models.CharField(max_length=255, blank=True, default="")
    order_id = models.CharField(max_length=64, blank=True, default="")
    order_line_id = models.CharField(max_length=64, blank=True, default="")
    # null: a guest's review, an imported one, or one whose author was erased (SET_NULL backs
    # the eraser, which clears it first)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=100, blank=True, default="")
    author_erased = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=ReviewSource.choices)
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=500, blank=True, default="")
    body = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    moderation_reason = models.TextField(blank=True, default="")  # why rejected or removed
    is_complaint = models.BooleanField(default=False)
    merchant_reply = models.TextField(blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    reply_staff_id = models.CharField(max_length=64, blank=True, default="")
    helpful_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    points_awarded = models.PositiveIntegerField(default=0)  # credited when first published
    points_reversed = models.BooleanField(default=False)  # taken back on removal, never again
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            check_constraint(Q(rating__gte=1) & Q(rating__lte=5), name="reviews_rating_1_to_5"),
            models.UniqueConstraint(
                fields=["order_line_id"],
                condition=~Q(order_line_id=""),
                name="reviews_one_per_order_line",
            ),
            models.UniqueConstraint(
                fields=["customer", "product_id"],
                condition=Q(source="unverified") & Q(customer__isnull=False),
                name="reviews_one_unverified_per_customer_product",
            ),
            check_constraint(
                ~Q(source="verified") | ~Q(order_line_id=""),
                name="reviews_verified_has_order_line",
            ),
            check_constraint(
                ~Q(source="imported") | Q(points_awarded=0),
                name="reviews_imported_earn_nothing",
            ),
        ]
        indexes = [
            models.Index(fields=["product_id", "status", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of product {self.product_id}: {self.rating}* ({self.status})"

    @property
    def is_verified(self) -> bool:
        return self.source == ReviewSource.VERIFIED


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=255)  # in default storage
    thumbnail_path = models.CharField(max_length=255)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="reviews_photo_position"),
        ]

    def __str__(self) -> str:
        return f"photo {self.position} of review {self.review_id}"


class ReviewVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    # the eraser deletes a customer's votes and reports with their counters, so CASCADE never
    # meets a row it has not already taken off; null only for rows migrated from a customer id
    # whose account no longer existed
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "customer"], name="reviews_vote_once"),
        ]

    def __str__(self) -> str:
        return f"helpful vote on review {self.review_id}"


class ReviewReport(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    # as ReviewVote.customer
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "customer"], name="reviews_report_once"),
        ]

    def __str__(self) -> str:
        return f"report on review {self.review_id}"


class ReviewRequest(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        DROPPED = "dropped", _("dropped")

    class DropReason(models.TextChoices):
        NONE = "", _("not dropped")
        ORDER_CANCELLED = "order_cancelled", _("order cancelled")
        ORDER_REFUNDED = "order_refunded", _("order fully refunded")
        FULFILLMENT_CANCELLED = "fulfillment_cancelled", _("parcel cancelled")
        CUSTOMER_ERASED = "customer_erased", _("customer erased")

    order_id = models.CharField(max_length=64, db_index=True)
    order_line_id = models.CharField(max_length=64, unique=True)
    product_id = models.CharField(max_length=64)
    variant_id = models.CharField(max_length=64, blank=True, default="")
    customer = models.ForeignKey(  # null for a guest order, or once the customer is erased
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    drop_reason = models.CharField(
        max_length=32, choices=DropReason.choices, blank=True, default=""
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            check_constraint(
                Q(status="dropped") | Q(drop_reason=""),
                name="reviews_request_scheduled_not_dropped",
            ),
        ]

    def __str__(self) -> str:
        return f"review request for order line {self.order_line_id} ({self.status})"


class ProductRating(models.Model):
    product_id = models.CharField(max_length=64, unique=True)
    count = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    stars_1 = models.IntegerField(default=0)
    stars_2 = models.IntegerField(default=0)
    stars_3 = models.IntegerField(default=0)
    stars_4 = models.IntegerField(default=0)
    stars_5 = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            check_constraint(
                Q(count__gte=0)
                & Q(rating_sum__gte=0)
                & Q(stars_1__gte=0)
                & Q(stars_2__gte=0)
                & Q(stars_3__gte=0)
                & Q(stars_4__gte=0)
                & Q(stars_5__gte=0),
                name="reviews_rating_counts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"rating of product {self.product_id}: {self.count} reviews"

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.count, 2) if self.count else None

    def distribution(self) -> list[tuple[int, int]]:
        return [(stars, getattr(self, f"stars_{stars}")) for stars in range(1, 6)]
