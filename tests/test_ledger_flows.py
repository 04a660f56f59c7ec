"""Points through real Saleor flows: sign-up bonus, earn pending on payment, release, refunds
(proportional, by the recorded rate), cancellation, replays, and the GraphQL views of it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from saleor.order.models import Order

from saleor_retention.inbox.models import PluginEvent
from saleor_retention.inbox.services import process_event
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry
from saleor_retention.plugin import RetentionPlugin
from saleor_retention_site.driver import pk_of
from tests.connections import nodes

ME_LOYALTY = """{ me { email loyalty {
    points pendingPoints heldPoints lifetimePoints
    expiringPoints { points expiresAt }
    entries(first: 10) { edges { node { type points reason orderId order { number } } } pageInfo { hasNextPage endCursor } }
} } }"""


@pytest.fixture
def shop(retention_on):
    """Plugin on with a 50-point welcome bonus, 1 point per USD, 14 pending days."""
    retention_on.plugin_update(
        signup_bonus="50", points_per_currency_unit="USD:1", pending_days="14"
    )
    return retention_on


def loyalty(driver, token):
    return driver.query(ME_LOYALTY, token=token)["me"]["loyalty"]


def test_register_buy_release_refund_cancel(shop):
    # given a registered shopper
    shop.account_register("ann@example.com")
    token = shop.token_create("ann@example.com", "customer-password")
    assert loyalty(shop, token)["points"] == 50

    # when she buys 2 x 25.00 (+5.00 shipping, which earns nothing by default)
    order = shop.buy(email="ann@example.com", quantity=2, token=token)

    # then 50 points are pending for the return window
    account = loyalty(shop, token)
    assert (account["points"], account["pendingPoints"], account["lifetimePoints"]) == (50, 50, 100)
    assert nodes(account["entries"])[0] == {
        "type": "EARN",
        "points": 50,
        "reason": f"Order #{order['number']}",
        "orderId": order["id"],
        "order": {"number": order["number"]},
    }
    my_orders = shop.query(
        "{ me { orders(first: 5) { edges { node { id loyalty { pointsEarned pointsPending pointsRedeemed pointsReversed } } } } } }",
        token=token,
    )["me"]["orders"]["edges"]
    order_loyalty = my_orders[0]["node"]["loyalty"]
    assert order_loyalty == {
        "pointsEarned": 50,
        "pointsPending": 50,
        "pointsRedeemed": 0,
        "pointsReversed": 0,
    }

    # when the return window passes
    assert services.release_due_lots(timezone.now() + timedelta(days=15)) == 1

    # then they can be spent; each batch expires 12 months after it became available
    account = loyalty(shop, token)
    assert (account["points"], account["pendingPoints"]) == (100, 0)
    in_a_year = (timezone.now() + timedelta(days=365)).date()
    assert [e["points"] for e in account["expiringPoints"]] == [50, 50]
    assert account["expiringPoints"][0]["expiresAt"] == in_a_year.isoformat()

    # when staff refund 10.00 of the 55.00 paid, then 5.50
    shop.order_refund(order["id"], "10.00")
    assert loyalty(shop, token)["points"] == 100 - 9  # trunc(50 * 10 / 55)
    shop.order_refund(order["id"], "5.50")
    assert loyalty(shop, token)["points"] == 100 - 14  # trunc(50 * 15.5 / 55)

    # when the order is cancelled, the rest of its points go
    shop.order_cancel(order["id"])
    account = loyalty(shop, token)
    assert account["points"] == 50
    assert [e["type"] for e in nodes(account["entries"])[:3]] == ["REVERSAL"] * 3
    assert services.verify_accounts() == []


def test_every_hook_replayed_changes_nothing(shop):
    # given a shopper who bought, got a refund and a cancellation
    shop.account_register("bo@example.com")
    token = shop.token_create("bo@example.com", "customer-password")
    order = shop.buy(email="bo@example.com", quantity=2, token=token)
    shop.order_refund(order["id"], "10.00")
    shop.order_cancel(order["id"])
    before = list(LedgerEntry.objects.order_by("pk").values_list("idempotency_key", "points"))

    # when Saleor calls every hook again and every event is processed again
    plugin = RetentionPlugin(configuration=[], active=True)
    saleor_order = Order.objects.get(pk=pk_of(order["id"]))
    from tests.conftest import run_on_commit

    with run_on_commit():
        for hook in ("order_created", "order_fully_paid", "order_updated", "order_cancelled"):
            getattr(plugin, hook)(saleor_order, previous_value=None)
            getattr(plugin, hook)(saleor_order, previous_value=None)
        plugin.customer_created(saleor_order.user, previous_value=None)
    for event in PluginEvent.objects.all():
        PluginEvent.objects.filter(pk=event.pk).update(status="pending")
        process_event(event.pk)

    # then the ledger is exactly as before
    assert (
        list(LedgerEntry.objects.order_by("pk").values_list("idempotency_key", "points")) == before
    )
    assert services.verify_accounts() == []


def test_guest_order_and_unknown_currency_earn_nothing(shop):
    shop.buy(email="guest@example.com")
    assert not LedgerEntry.objects.exists()
    event = PluginEvent.objects.get(kind="order_paid")
    assert event.result["earning"] == {"points": 0, "reason": "guest order: no account to credit"}


def test_order_in_a_currency_without_rate_earns_nothing(shop, caplog):
    shop.plugin_update(points_per_currency_unit="EUR:1")
    shop.account_register("cy@example.com")
    token = shop.token_create("cy@example.com", "customer-password")
    shop.buy(email="cy@example.com", token=token)
    event = PluginEvent.objects.get(kind="order_paid")
    assert event.result["earning"] == {"points": 0, "reason": "no points rate for USD"}
    assert "earns nothing (no rate)" in caplog.text


def test_loyalty_is_private(shop):
    # given two shoppers
    shop.account_register("dee@example.com")
    other_id = shop.account_register("eli@example.com")
    dee = shop.token_create("dee@example.com", "customer-password")
    query = "query($id: ID!) { user(id: $id) { loyalty { points } } }"

    # then a shopper cannot read another's points, anonymous neither, staff can
    assert shop.query("{ me { loyalty { points } } }", token=dee)["me"]["loyalty"] == {"points": 50}
    staff_view = shop.query(query, {"id": other_id}, token=shop.staff_token())
    assert staff_view["user"]["loyalty"] == {"points": 50}
    with pytest.raises(AssertionError):  # Saleor itself refuses `user` to shoppers
        shop.query(query, {"id": other_id}, token=dee)


ADJUST = """mutation($customer: ID!, $points: Int!, $reason: String!, $key: String!) {
  loyaltyPointsAdjust(customerId: $customer, points: $points, reason: $reason, idempotencyKey: $key) {
    entry { type points reason } errors { field code message }
  }
}"""


def test_staff_adjustment_with_typed_refusals(shop):
    customer = shop.account_register("fay@example.com")
    staff = shop.staff_token()

    def adjust(points, reason="Goodwill", key="k1", token=staff, customer=customer):
        return shop.mutate(
            "loyaltyPointsAdjust",
            ADJUST,
            {"customer": customer, "points": points, "reason": reason, "key": key},
            token=token,
            expect_errors=True,
        )

    ok = adjust(25)
    assert ok == {"entry": {"type": "ADJUSTMENT", "points": 25, "reason": "Goodwill"}, "errors": []}
    assert adjust(25)["entry"]["points"] == 25  # same key: replay, nothing added
    assert LedgerEntry.objects.filter(type="adjustment").count() == 1

    assert adjust(-1000, key="k2")["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert adjust(5, reason="  ", key="k3")["errors"][0] == {
        "field": "reason",
        "code": "REQUIRED",
        "message": "Give a reason for the adjustment.",
    }
    assert adjust(0, key="k4")["errors"][0]["code"] == "INVALID"
    assert adjust(5, key="k5", customer="VXNlcjo5OTk5OQ==")["errors"][0]["code"] == "NOT_FOUND"
    shopper = shop.token_create("fay@example.com", "customer-password")
    assert adjust(5, key="k6", token=shopper)["errors"][0]["code"] == "PERMISSION_DENIED"

    # refusals changed nothing
    assert adjust(-75, key="k7")["entry"]["points"] == -75
    assert services.verify_accounts() == []
