"""The reviews' part of erasing and exporting one customer.

Erasure (inside Saleor's deleting transaction): their reviews stay, anonymised: the author link
is nulled, the stored display name cleared and ``author_erased`` set (GraphQL shows "Former
customer"); their photos stay or go per ``reviews_erase_photos`` (photos may show faces: the
merchant decides); their helpful votes and reports are deleted and the counters they added taken
off with ``F()``; their scheduled review requests are dropped.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from ..conf import load_settings
from ..privacy import eraser, exporter, not_personal
from .models import Review, ReviewPhoto, ReviewReport, ReviewRequest, ReviewVote

not_personal(
    {
        "Review.variant_name": "the product variant's name, from the catalogue",
        "Review.reply_staff_id": "the staff member who replied: the audit trail of staff",
        "Review.moderated_by": "the staff member who moderated: the audit trail of staff",
    }
)

REVIEW_FIELDS = [
    "Review.customer",
    "Review.author_name",
    "ReviewPhoto.path",
    "ReviewPhoto.thumbnail_path",
    "ReviewVote.customer",
    "ReviewReport.customer",
    "ReviewRequest.customer",
]


def _take_off(model: type[ReviewVote] | type[ReviewReport], customer_id: str, counter: str) -> int:
    rows = list(
        model.objects.select_for_update().filter(customer_id=customer_id).order_by("review_id")
    )
    for row in rows:
        Review.objects.filter(pk=row.review_id).update(**{counter: F(counter) - 1})
    model.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


@eraser(fields=REVIEW_FIELDS)
def erase_reviews(customer_id: str) -> dict[str, Any]:
    reviews = Review.objects.filter(customer_id=customer_id)
    review_ids = list(reviews.values_list("pk", flat=True))
    photos_deleted = 0
    if review_ids and load_settings().reviews_erase_photos:
        photos = ReviewPhoto.objects.filter(review_id__in=review_ids)
        paths = [p for row in photos.values_list("path", "thumbnail_path") for p in row]
        photos_deleted = photos.delete()[0]

        def delete_files() -> None:
            from . import photos as photo_files

            photo_files.delete_photo_files(*paths)

        transaction.on_commit(delete_files)  # files go only if the deletion commits
    anonymised = reviews.update(customer_id=None, author_name="", author_erased=True)
    votes = _take_off(ReviewVote, customer_id, "helpful_count")
    reports = _take_off(ReviewReport, customer_id, "report_count")
    requests = ReviewRequest.objects.filter(customer_id=customer_id).update(
        customer_id=None,
        status=ReviewRequest.Status.DROPPED,
        drop_reason=ReviewRequest.DropReason.CUSTOMER_ERASED,
    )
    return {
        "reviews_anonymised": anonymised,
        "photos_deleted": photos_deleted,
        "votes_deleted": votes,
        "reports_deleted": reports,
        "requests_dropped": requests,
    }


@exporter("reviews", fields=REVIEW_FIELDS)
def export_reviews(customer_id: str) -> dict[str, Any]:
    reviews = Review.objects.filter(customer_id=customer_id).prefetch_related("photos")
    return {
        "reviews": [
            {
                "id": review.pk,
                "product_id": review.product_id,
                "variant_id": review.variant_id,
                "order_id": review.order_id,
                "rating": review.rating,
                "title": review.title,
                "body": review.body,
                "status": review.status,
                "source": review.source,
                "is_complaint": review.is_complaint,
                "merchant_reply": review.merchant_reply,
                "created_at": review.created_at.isoformat(),
                "photos": [photo.path for photo in review.photos.all()],
                "photo_thumbnails": [photo.thumbnail_path for photo in review.photos.all()],
                "helpful_votes": review.helpful_count,
            }
            for review in reviews.order_by("pk")
        ],
        "helpful_votes_given": [
            {"review_id": vote.review_id, "created_at": vote.created_at.isoformat()}
            for vote in ReviewVote.objects.filter(customer_id=customer_id).order_by("pk")
        ],
        "reports_made": [
            {
                "review_id": report.review_id,
                "reason": report.reason,
                "created_at": report.created_at.isoformat(),
            }
            for report in ReviewReport.objects.filter(customer_id=customer_id).order_by("pk")
        ],
        "review_requests": [
            {
                "order_id": request.order_id,
                "product_id": request.product_id,
                "variant_id": request.variant_id,
                "status": request.status,
                "due_at": request.due_at.isoformat(),
            }
            for request in ReviewRequest.objects.filter(customer_id=customer_id).order_by("pk")
        ],
    }
