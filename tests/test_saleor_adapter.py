"""The version adapter on Saleor 2.10.1: plain values out of real Saleor objects; hooks in the
3.x calling convention; the entry point Saleor 2.11+/3.x discover plugins by."""

from decimal import Decimal
from importlib.metadata import entry_points

from saleor.account.models import User
from saleor.order.models import Fulfillment, Order

from saleor_retention import saleor_adapter as adapter
from saleor_retention.inbox.models import PluginEvent
from saleor_retention.plugin import RetentionPlugin
from saleor_retention_site.driver import pk_of


def test_order_facts_of_a_paid_checkout_order(retention_on):
    # given a storefront order of 2 x 25.00 with 5.00 shipping, charged at once
    order = retention_on.buy(email="kim@example.com", quantity=2)

    # when
    facts = adapter.order_facts(Order.objects.get(pk=pk_of(order["id"])))

    # then
    assert facts.currency == "USD"
    assert facts.total_gross == Decimal("55.00")
    assert facts.shipping_gross == Decimal("5.00")
    assert facts.tax == Decimal("0")
    assert facts.paid_amount == Decimal("55.00")
    assert facts.is_fully_paid is True
    assert facts.customer_email == "kim@example.com"
    assert facts.channel is None  # Saleor 2.10 has no channels
    [line] = facts.lines
    assert (line.quantity, line.unit_price_gross, line.sku) == (
        2,
        Decimal("25.00"),
        "retention-tea-100g",
    )


def test_unpaid_and_draft_orders_are_not_paid(retention_on):
    authorised = retention_on.buy(email="lee@example.com", payment_token="not-charged")
    draft = retention_on.draft_order_create(email="lee@example.com")
    assert adapter.order_is_paid(Order.objects.get(pk=pk_of(authorised["id"]))) is False
    assert adapter.order_is_paid(Order.objects.get(pk=pk_of(draft))) is False


def test_refunds_come_from_saleor_order_events(retention_on):
    order = retention_on.buy(email="max@example.com", quantity=2)
    retention_on.order_refund(order["id"], "20.00")
    retention_on.order_refund(order["id"], "1.25")

    refunds = adapter.order_refunds(Order.objects.get(pk=pk_of(order["id"])))

    assert [r.amount for r in refunds] == [Decimal("20.00"), Decimal("1.25")]
    assert len({r.refund_id for r in refunds}) == 2
    assert all(r.currency == "USD" for r in refunds)


def test_fulfillment_and_customer_facts(retention_on):
    user_pk = pk_of(retention_on.account_register("ned@example.com"))
    order = retention_on.buy(email="ned@example.com")
    shipped = retention_on.order_fulfill(order["id"])

    fulfillment = adapter.fulfillment_facts(
        Fulfillment.objects.get(pk=pk_of(shipped["fulfillments"][0]["id"]))
    )
    customer = adapter.customer_facts(User.objects.get(pk=user_pk))

    assert (fulfillment.order_id, fulfillment.sequence) == (pk_of(order["id"]), 1)
    assert len(fulfillment.line_ids) == 1
    assert (customer.id, customer.email, customer.is_staff) == (user_pk, "ned@example.com", False)


def test_hooks_take_saleor_3_keywords_and_return_previous_value(retention_on):
    # given a paid order and the plugin as Saleor 3.x builds it
    order = Order.objects.get(pk=pk_of(retention_on.buy(email="ola@example.com")["id"]))
    PluginEvent.objects.all().delete()
    plugin = RetentionPlugin(configuration=[], active=True)

    # when Saleor 3.x calls hooks with extra keywords
    results = [
        plugin.order_fully_paid(order, previous_value="prev", webhooks=set()),
        plugin.order_paid(order, previous_value="prev", webhooks=set()),
        plugin.order_refunded(order, previous_value="prev", webhooks=set()),
    ]

    # then each returns previous_value and the paid event is recorded once
    assert results == ["prev", "prev", "prev"]
    assert list(PluginEvent.objects.values_list("kind", flat=True)) == ["order_paid"]


def test_inactive_plugin_hook_returns_previous_value_untouched(retention_on):
    order = Order.objects.get(pk=pk_of(retention_on.buy(email="pat@example.com")["id"]))
    PluginEvent.objects.all().delete()

    result = RetentionPlugin(configuration=[], active=False).order_fully_paid(
        order, previous_value=7
    )

    assert result == 7
    assert not PluginEvent.objects.exists()


def test_entry_point_names_the_app_and_the_plugin_class():
    [entry] = [e for e in entry_points(group="saleor.plugins") if e.name == "saleor_retention"]
    assert entry.value == "saleor_retention.plugin:RetentionPlugin"
    assert entry.load() is RetentionPlugin
    assert RetentionPlugin.PLUGIN_ID == "saleor.retention"
    assert RetentionPlugin.CONFIGURATION_PER_CHANNEL is False
