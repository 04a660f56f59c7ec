"""Every list of reviews costs a fixed number of SQL queries however many reviews it shows:
``Product.reviews``, ``me { reviews }``, the staff moderation queue (with photos and reports) and
``reviewRequestsDue``."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.account.models import User

from saleor_retention.reviews.models import (
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRequest,
    ReviewVote,
)
from saleor_retention_site.driver import gid, pk_of
from tests.connections import nodes
from tests.test_reviews import register

PRODUCT_REVIEWS = """query($id: ID!) { product(id: $id) {
  reviews(first: 100) { totalCount edges { node { id rating title body authorName isMine
    isComplaint points helpfulCount variantName photos { url thumbnailUrl } merchantReply { text } } } }
} }"""
MY_REVIEWS = "{ me { reviews { edges { node { id status rating points photos { url } } } } } }"
QUEUE = """{ reviewModerationQueue(first: 100) { edges { node { id status reportCount
  reports { reason } photos { url thumbnailUrl } authorName } } } }"""
DUE = """{ reviewRequestsDue(first: 100) {
  edges { node { id orderId productId customerId dueAt formUrl } } } }"""


def add_reviews(store, customer_id, start, count):
    """Reviews with a photo, a vote and a report each (rows written directly: this measures
    reading, the write paths are tested through GraphQL elsewhere)."""
    reader, voter, reporter = (
        User.objects.get_or_create(email=f"{role}@example.com")[0]
        for role in ("reader", "voter", "reporter")
    )
    for n in range(start, start + count):
        review = Review.objects.create(
            product_id=str(store.product_id),
            order_line_id=f"90{n}",
            source="verified",
            customer_id=customer_id if n % 2 else reader.pk,
            author_name=f"Reader {n}",
            rating=1 + n % 5,
            title=f"Review {n}",
            status="published",
            merchant_reply="Thanks",
        )
        ReviewPhoto.objects.create(
            review=review,
            path=f"retention/reviews/review-{review.pk}/a.png",
            thumbnail_path=f"retention/reviews/review-{review.pk}/a_thumb.png",
            content_type="image/png",
            width=10,
            height=10,
        )
        ReviewVote.objects.create(review=review, customer=voter)
        ReviewReport.objects.create(review=review, customer=reporter, reason="spam")
        ReviewRequest.objects.create(
            order_id=f"80{n}",
            order_line_id=f"70{n}",
            product_id=str(store.product_id),
            customer_id=customer_id,
            due_at=timezone.now() - timedelta(days=1),
        )


def count_queries(driver, document, variables=None, token=None):
    with CaptureQueriesContext(connection) as captured:
        driver.query(document, variables, token=token)
    return len(captured.captured_queries)


def test_review_lists_cost_the_same_for_3_and_40_reviews(retention_on):
    driver = retention_on
    customer, token = register(driver, "lists@example.com")
    staff = driver.staff_token()
    product = {"id": gid("Product", driver.store.product_id)}

    add_reviews(driver.store, customer, 0, 3)
    few = [
        count_queries(driver, PRODUCT_REVIEWS, product, token),
        count_queries(driver, MY_REVIEWS, token=token),
        count_queries(driver, QUEUE, token=staff),
        count_queries(driver, DUE, token=staff),
    ]
    add_reviews(driver.store, customer, 3, 37)
    many = [
        count_queries(driver, PRODUCT_REVIEWS, product, token),
        count_queries(driver, MY_REVIEWS, token=token),
        count_queries(driver, QUEUE, token=staff),
        count_queries(driver, DUE, token=staff),
    ]

    assert many == few
    # and the lists really grew
    page = driver.query(PRODUCT_REVIEWS, product, token=token)["product"]["reviews"]
    assert page["totalCount"] == 40
    assert len(nodes(driver.query(DUE, token=staff)["reviewRequestsDue"])) == 40
    assert pk_of(page["edges"][0]["node"]["id"])
