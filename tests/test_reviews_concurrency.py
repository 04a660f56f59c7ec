"""Real parallel connections racing on reviews: one review per order line, one vote per shopper,
counters exact, one publication and one credit however many staff click at once."""

from __future__ import annotations

import pytest
from saleor.account.models import User

from saleor_retention import conf
from saleor_retention.ledger.models import EntryType, LedgerEntry
from saleor_retention.reviews import services
from saleor_retention.reviews.models import ProductRating, Review, ReviewVote
from tests.test_ledger_concurrency import race
from tests.test_reviews import buy_and_ship, register


@pytest.mark.django_db(transaction=True)
def test_parallel_reviews_of_one_line_votes_and_approvals_count_once(retention_on):
    driver = retention_on
    driver.plugin_update(review_points=20, review_auto_publish_rating=0)
    customer, token = register(driver, "racer@example.com")
    buy_and_ship(driver, "racer@example.com", token=token)
    active, settings = conf.load_state()

    # 8 connections write the review of the same order line at once: one wins
    outcomes = race(
        8,
        lambda i: str(
            services.review_create(
                customer_id=customer,
                product_id=str(driver.store.product_id),
                rating=4,
                title=f"try {i}",
                settings=settings,
                plugin_active=active,
            ).pk
        ),
    )
    assert outcomes.count("already_reviewed") == 7
    review = Review.objects.get()

    # 8 staff approve it at once: published once, counted once, credited once
    outcomes = race(
        8,
        lambda i: services.review_moderate(
            review_id=review.pk,
            staff_user_id="1",
            settings=settings,
            plugin_active=active,
            action="approve",
        ).status,
    )
    assert sorted(outcomes) == ["already_done"] * 7 + ["published"]
    assert ProductRating.objects.get().count == 1
    assert LedgerEntry.objects.filter(type=EntryType.REVIEW_REWARD).count() == 1

    # 16 shoppers vote at once, and one shopper 8 times at once
    voters = [str(User.objects.create(email=f"v{i}@example.com").pk) for i in range(17)]
    race(16, lambda i: str(services.review_vote(review_id=review.pk, customer_id=voters[i]).pk))
    outcomes = race(
        8, lambda i: str(services.review_vote(review_id=review.pk, customer_id=voters[16]).pk)
    )
    assert outcomes.count("already_done") == 7
    review.refresh_from_db()
    assert review.helpful_count == ReviewVote.objects.count() == 17
