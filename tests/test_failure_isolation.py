"""A failure inside the plugin never fails Saleor's checkout or staff mutation; it is logged,
recorded and can be retried."""

import logging

import pytest
from django.core.management import call_command
from saleor.order.models import Order

from saleor_retention.inbox import handlers as inbox_handlers
from saleor_retention.inbox import intake
from saleor_retention.inbox.models import PluginEvent
from saleor_retention.ledger.models import LoyaltyAccount
from saleor_retention_site.driver import pk_of


@pytest.fixture
def broken_intake(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("retention is broken")

    monkeypatch.setattr(intake, "record_event", explode)


def test_checkout_succeeds_when_a_hook_raises(retention_on, broken_intake, caplog):
    # when the shopper checks out while the plugin's hook raises
    with caplog.at_level(logging.ERROR, logger="saleor_retention"):
        order = retention_on.buy(email="gus@example.com")

    # then the order exists and is paid, and the failure is logged and recorded for retry
    assert Order.objects.filter(pk=pk_of(order["id"]), status="unfulfilled").exists()
    [failed] = PluginEvent.objects.filter(kind="order_created", object_id=pk_of(order["id"]))
    assert failed.status == PluginEvent.Status.FAILED
    assert failed.last_error == "RuntimeError: retention is broken"
    assert "order_created hook failed" in caplog.text


def test_staff_mutation_succeeds_when_a_hook_raises(retention_on, broken_intake):
    # given
    draft = retention_on.draft_order_create(email="hal@example.com")
    retention_on.draft_order_complete(draft)

    # when
    result = retention_on.order_mark_as_paid(draft)

    # then
    assert result["order"]["isPaid"] is True
    assert PluginEvent.objects.filter(object_id=pk_of(draft), status="failed").exists()


def test_failed_hook_is_redone_by_the_retry_command(retention_on, monkeypatch):
    # given a shopper whose charged-at-once checkout hit a failing hook (order_created is the
    # only hook Saleor calls for it, so the paid event was never recorded either)
    customer = retention_on.account_register("ida@example.com")
    token = retention_on.token_create("ida@example.com", "customer-password")
    original = intake.record_event
    monkeypatch.setattr(
        intake, "record_event", lambda **kw: (_ for _ in ()).throw(OSError("db hiccup"))
    )
    order = retention_on.buy(email="ida@example.com", token=token)
    monkeypatch.setattr(intake, "record_event", original)
    assert not PluginEvent.objects.filter(kind="order_paid").exists()

    # when the retry command runs (its tasks run at the end of the block, as after a commit)
    from tests.conftest import run_on_commit

    with run_on_commit():
        call_command("retention_retry_events")

    # then the hook's work is redone: both business events recorded and processed, points earned
    order_pk = pk_of(order["id"])
    failed = PluginEvent.objects.get(key__contains="hook-failed", object_id=order_pk)
    assert (failed.status, failed.attempts) == (PluginEvent.Status.DONE, 2)
    assert sorted(failed.result["intake"]) == [
        f"order_created:order:{order_pk}",
        f"order_paid:order:{order_pk}",
    ]
    assert PluginEvent.objects.get(key=f"order_paid:order:{order_pk}").status == "done"
    assert LoyaltyAccount.objects.get(customer_id=pk_of(customer)).pending_points == 25


@pytest.fixture
def failing_handler():
    calls = {"n": 0}

    @inbox_handlers.handles("order_paid")
    def flaky(event, settings):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("first try fails")
        return {"ok": True}

    yield calls
    inbox_handlers._HANDLERS["order_paid"].remove(flaky)


def test_failing_handler_leaves_the_event_failed_then_retry_mutation_redoes_it(
    retention_on, failing_handler
):
    # when a handler raises while processing the paid order
    order = retention_on.buy(email="jo@example.com")

    # then the checkout succeeded and the event says why it failed
    event = PluginEvent.objects.get(kind="order_paid", object_id=pk_of(order["id"]))
    assert event.status == "failed" and "first try fails" in event.last_error

    # when staff retry it through GraphQL
    payload = retention_on.mutate(
        "retentionEventsRetry",
        "mutation($id: ID) { retentionEventsRetry(eventId: $id) { queued errors { field code message } } }",
        {"id": str(event.pk)},
        token=retention_on.staff_token(),
    )

    # then
    assert payload == {"queued": 1, "errors": []}
    event.refresh_from_db()
    assert event.status == "done" and event.attempts == 2
    assert event.result["tests"] == {"ok": True}


def test_retry_mutation_refusals_are_typed(retention_on):
    staff = retention_on.staff_token()
    doc = "mutation($id: ID) { retentionEventsRetry(eventId: $id) { queued errors { field code message } } }"

    missing = retention_on.mutate(
        "retentionEventsRetry", doc, {"id": "999999"}, token=staff, expect_errors=True
    )
    garbage = retention_on.mutate(
        "retentionEventsRetry", doc, {"id": "abc"}, token=staff, expect_errors=True
    )
    anonymous = retention_on.mutate("retentionEventsRetry", doc, {"id": None}, expect_errors=True)

    assert missing["errors"] == [
        {"field": "eventId", "code": "NOT_FOUND", "message": "No plugin event with this id."}
    ]
    assert garbage["errors"][0]["code"] == "INVALID"
    assert anonymous["errors"][0]["code"] == "PERMISSION_DENIED"
    assert anonymous["queued"] is None


def test_a_lost_refund_scan_is_redone_by_the_retry_command(retention_on, monkeypatch):
    # given a paid order, and a broker that is down when staff refund it
    from saleor_retention.inbox import tasks as inbox_tasks
    from tests.conftest import run_on_commit

    order = retention_on.buy(email="kai@example.com", quantity=2)
    original = inbox_tasks.dispatch_task.delay

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(inbox_tasks.dispatch_task, "delay", broker_down)
    result = retention_on.order_refund(order["id"], "10.00")
    monkeypatch.setattr(inbox_tasks.dispatch_task, "delay", original)

    # then the refund succeeded in Saleor, but the plugin has not seen it yet
    assert result["order"]["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert not PluginEvent.objects.filter(kind="order_refunded").exists()

    # when the retry sweep runs
    with run_on_commit():
        call_command("retention_retry_events")

    # then the order was scanned again and its refund recorded and processed
    [refund] = PluginEvent.objects.filter(kind="order_refunded", object_id=pk_of(order["id"]))
    assert refund.status == "done" and refund.payload["amount"] == "10.00"
