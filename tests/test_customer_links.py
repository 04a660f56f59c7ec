"""One way to refer to a Saleor customer (issue 10): the reviews' and cards' string customer ids
became links to the user. The data migration is run backwards to the string columns with rows
in them, then forwards: ids of existing accounts become links, every other id (an erased
account's, an empty one, one that is not a number) becomes NULL, and backwards gives the strings
back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from saleor_retention.cards.models import CardDecision, LoyaltyCard
from saleor_retention.reviews.models import Review, ReviewReport, ReviewRequest, ReviewVote
from saleor_retention_site.store import create_customer

APP = "saleor_retention"
BEFORE = [(APP, "0014_audit_events")]
AFTER = [(APP, "0015_customer_links")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_string_customer_ids_become_links_and_unknown_ones_null():
    # given the string columns (migrated back) holding a live account's id, an id of an
    # account that no longer exists, a non-number and the cards' "" for a guest
    ann = create_customer("ann-links@example.com")
    gone = create_customer("gone-links@example.com")
    gone_id = str(gone.pk)
    gone.delete()
    old = migrate(BEFORE)
    reviews = old.get_model(APP, "Review")
    review = reviews.objects.create(
        product_id="1", source="verified", order_line_id="11", rating=5, customer_id=str(ann.pk)
    )
    orphan = reviews.objects.create(
        product_id="1", source="verified", order_line_id="12", rating=4, customer_id=gone_id
    )
    old.get_model(APP, "ReviewVote").objects.create(review=orphan, customer_id=str(ann.pk))
    old.get_model(APP, "ReviewVote").objects.create(review=review, customer_id="not-a-number")
    old.get_model(APP, "ReviewReport").objects.create(review=orphan, customer_id=gone_id)
    old.get_model(APP, "ReviewRequest").objects.create(
        order_id="1",
        order_line_id="11",
        product_id="1",
        customer_id=str(ann.pk),
        due_at=timezone.now(),
    )
    program = old.get_model(APP, "CardProgram").objects.create(
        name="P", kind="fixed", value=5, currency="USD", validity_days=30, sample_rate=100
    )
    decisions = old.get_model(APP, "CardDecision")
    mine = decisions.objects.create(
        program=program, order_id="1", customer_id=str(ann.pk), outcome="issued", draw=1
    )
    guest = decisions.objects.create(
        program=program, order_id="2", customer_id="", outcome="control", draw=2
    )
    old.get_model(APP, "LoyaltyCard").objects.create(
        program=program,
        decision=mine,
        order_id="1",
        fulfillment_id="1",
        customer_id=str(ann.pk),
        code="ABCDEFGH2345",
        kind="fixed",
        value=5,
        currency="USD",
        expires_at=timezone.now() + timedelta(days=30),
    )

    # when the migration runs forwards
    migrate(AFTER)

    # then live ids are links, the rest NULL, and every row is still there
    assert Review.objects.get(pk=review.pk).customer == ann
    assert Review.objects.get(pk=orphan.pk).customer_id is None
    assert sorted(ReviewVote.objects.values_list("review_id", "customer_id")) == sorted(
        [(orphan.pk, ann.pk), (review.pk, None)]
    )
    assert list(ReviewReport.objects.values_list("customer_id", flat=True)) == [None]
    assert ReviewRequest.objects.get().customer_id == ann.pk
    assert CardDecision.objects.get(pk=mine.pk).customer_id == ann.pk
    assert CardDecision.objects.get(pk=guest.pk).customer_id is None
    assert LoyaltyCard.objects.get().customer == ann

    # and backwards the links become strings again ("" where the column held no NULL)
    old = migrate(BEFORE)
    assert old.get_model(APP, "Review").objects.get(pk=review.pk).customer_id == str(ann.pk)
    assert old.get_model(APP, "Review").objects.get(pk=orphan.pk).customer_id is None
    assert old.get_model(APP, "CardDecision").objects.get(pk=guest.pk).customer_id == ""
    assert sorted(
        old.get_model(APP, "ReviewVote").objects.values_list("customer_id", flat=True)
    ) == ["", str(ann.pk)]
    migrate(AFTER)
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes(APP)
    migrate(leaf)  # leave the schema as the rest of the suite expects it
