"""Real Saleor flows through GraphQL: which retention hooks ran, with what, and what they recorded."""

from decimal import Decimal

from saleor_retention.inbox.models import PluginEvent
from saleor_retention_site.driver import pk_of


def events(**filters):
    return list(PluginEvent.objects.filter(**filters).values_list("kind", "object_id", "status"))


def test_register_records_customer_created_and_processes_it(retention_on, hook_calls):
    # when
    user_id = retention_on.account_register("ann@example.com")

    # then
    assert ("customer_created", pk_of(user_id), {}) in hook_calls
    assert events(kind="customer_created") == [("customer_created", pk_of(user_id), "done")]


def test_checkout_charged_at_once_is_recorded_as_paid(retention_on, hook_calls):
    # when a storefront checkout captures the payment inside checkoutComplete
    order = retention_on.buy(email="bob@example.com")

    # then only order_created fires, and the plugin still sees the order as paid
    order_pk = pk_of(order["id"])
    assert [c[0] for c in hook_calls if c[1] == order_pk] == ["order_created"]
    assert sorted(events(object_id=order_pk)) == [
        ("order_created", order_pk, "done"),
        ("order_paid", order_pk, "done"),
    ]


def test_capture_records_paid_once_despite_three_hooks(retention_on, hook_calls):
    # given an order whose payment is only authorised
    order = retention_on.buy(email="cy@example.com", payment_token="not-charged")
    order_pk = pk_of(order["id"])
    assert events(kind="order_paid") == []

    # when staff capture it (order_fully_paid and order_updated x2 fire)
    retention_on.order_capture(order["id"], order["total"]["gross"]["amount"])

    # then
    assert [c[0] for c in hook_calls if c[1] == order_pk] == [
        "order_created",
        "order_fully_paid",
        "order_updated",
        "order_updated",
    ]
    assert events(kind="order_paid") == [("order_paid", order_pk, "done")]


def test_draft_order_mark_as_paid_fulfil_and_cancel_flows(retention_on, hook_calls):
    # given a staff-made order for a registered customer
    customer_id = retention_on.customer_create("dee@example.com")
    draft_id = retention_on.draft_order_create(customer_id=customer_id)
    retention_on.draft_order_complete(draft_id)
    order_pk = pk_of(draft_id)

    # when
    retention_on.order_mark_as_paid(draft_id)
    shipped = retention_on.order_fulfill(draft_id)

    # then
    ran = [c[0] for c in hook_calls if c[1] == order_pk]
    assert ran[:2] == ["order_created", "order_fully_paid"]
    assert "order_fulfilled" in ran
    fulfillment_pk = pk_of(shipped["fulfillments"][0]["id"])
    assert ("fulfillment_created", fulfillment_pk, {}) in hook_calls
    assert {kind for kind, _, status in events() if status == "done"} >= {
        "customer_created",
        "order_created",
        "order_paid",
        "order_fulfilled",
        "fulfillment_created",
    }

    # and cancelling the shipment, then the order, is seen too
    retention_on.order_fulfillment_cancel(shipped["fulfillments"][0]["id"])
    retention_on.order_cancel(draft_id)
    assert events(kind="order_cancelled") == [("order_cancelled", order_pk, "done")]


def test_each_refund_is_recorded_once_with_its_amount(retention_on):
    # given a paid order (dummy gateway: refundable, unlike orderMarkAsPaid's manual payment)
    order = retention_on.buy(email="eve@example.com", quantity=2)
    order_pk = pk_of(order["id"])

    # when staff refund twice; every later order_updated re-reads the refunds
    retention_on.order_refund(order["id"], "10.00")
    retention_on.order_refund(order["id"], "5.50")
    retention_on.order_cancel(order["id"])

    # then
    refunds = PluginEvent.objects.filter(kind="order_refunded", object_id=order_pk).order_by("pk")
    assert [Decimal(e.payload["amount"]) for e in refunds] == [Decimal("10.00"), Decimal("5.50")]
    assert len({e.key for e in refunds}) == 2


def test_inactive_plugin_records_nothing(driver, hook_calls):
    # given the plugin as installed: off until the merchant switches it on
    # when
    driver.buy(email="fay@example.com")

    # then the hooks ran but did nothing
    assert [c[0] for c in hook_calls] == ["order_created"]
    assert PluginEvent.objects.count() == 0
