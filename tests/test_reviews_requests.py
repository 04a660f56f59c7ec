"""Review requests follow the order: one per shipped line when the order is fully fulfilled, due
``review_request_days`` later; dropped for a cancelled or fully refunded order (anchors.md:
WooCommerce unschedules on cancel and refund); a parcel cancelled and shipped again gets a fresh
due date, not the stale one (anchors.md: Judge.me kept stale schedules for cancelled-then-
re-fulfilled orders)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from saleor_retention.reviews.models import ReviewRequest
from tests.connections import nodes
from tests.replay import replay_everything
from tests.test_reviews import register


def requests():
    return list(ReviewRequest.objects.order_by("pk").values_list("status", "drop_reason"))


def test_a_fully_fulfilled_order_schedules_one_request_per_line_due_later(retention_on):
    driver = retention_on
    driver.plugin_update(review_request_days=10)
    _c, token = register(driver, "req@example.com")
    order = driver.buy(email="req@example.com", token=token, quantity=2)
    assert ReviewRequest.objects.count() == 0  # not shipped yet

    # when staff ship it
    started = timezone.now()
    driver.order_fulfill(order["id"])

    # then one request is scheduled, due ten days later, and replays add none
    request = ReviewRequest.objects.get()
    assert request.status == "scheduled"
    assert started + timedelta(days=10) <= request.due_at <= timezone.now() + timedelta(days=10)
    replay_everything()
    assert ReviewRequest.objects.count() == 1
    # not due yet: staff see nothing to send
    due = driver.query(
        "{ reviewRequestsDue { edges { node { id } } } }", token=driver.staff_token()
    )
    assert nodes(due["reviewRequestsDue"]) == []


def test_a_cancelled_parcel_drops_the_request_and_shipping_again_gives_a_fresh_date(
    retention_on,
):
    driver = retention_on
    _c, token = register(driver, "again@example.com")
    order = driver.buy(email="again@example.com", token=token)
    fulfillment = driver.order_fulfill(order["id"])["fulfillments"][0]["id"]
    ReviewRequest.objects.update(due_at=timezone.now() - timedelta(days=30))  # a stale date

    # when the parcel is cancelled
    driver.order_fulfillment_cancel(fulfillment)

    # then the request is dropped
    assert requests() == [("dropped", "fulfillment_cancelled")]

    # when the order ships again
    driver.order_fulfill(order["id"])

    # then the request is back with a fresh due date, not the stale one
    request = ReviewRequest.objects.get()
    assert (request.status, request.drop_reason) == ("scheduled", "")
    assert request.due_at > timezone.now() + timedelta(days=13)


def test_a_cancelled_order_drops_its_requests_for_good(retention_on):
    driver = retention_on
    _c, token = register(driver, "cancel@example.com")
    order = driver.buy(email="cancel@example.com", token=token)
    fulfillment = driver.order_fulfill(order["id"])["fulfillments"][0]["id"]

    # Saleor cancels an order only once its parcels are cancelled
    driver.order_fulfillment_cancel(fulfillment)
    driver.order_cancel(order["id"])

    assert requests() == [("dropped", "order_cancelled")]
    replay_everything()
    assert requests() == [("dropped", "order_cancelled")]


def test_a_full_refund_drops_the_request_and_a_partial_one_does_not(retention_on):
    driver = retention_on
    _a, token_a = register(driver, "partial@example.com")
    _b, token_b = register(driver, "full@example.com")
    partial = driver.buy(email="partial@example.com", token=token_a)
    full = driver.buy(email="full@example.com", token=token_b)
    driver.order_fulfill(partial["id"])
    driver.order_fulfill(full["id"])

    driver.order_refund(partial["id"], "5.00")
    driver.order_refund(full["id"], full["total"]["gross"]["amount"])

    by_customer = dict(ReviewRequest.objects.values_list("customer_id", "status").order_by("pk"))
    assert list(by_customer.values()) == ["scheduled", "dropped"]
    assert ReviewRequest.objects.get(status="dropped").drop_reason == "order_refunded"


def test_a_refunded_order_shipped_later_is_not_asked_for_a_review(retention_on):
    driver = retention_on
    _c, token = register(driver, "late@example.com")
    order = driver.buy(email="late@example.com", token=token)
    driver.order_refund(order["id"], order["total"]["gross"]["amount"])

    driver.order_fulfill(order["id"])

    assert ReviewRequest.objects.count() == 0
