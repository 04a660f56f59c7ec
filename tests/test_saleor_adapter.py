"""The version adapter on Saleor 2.10.1: plain values out of real Saleor objects; hooks in the
3.x calling convention; the entry point Saleor 2.11+/3.x discover plugins by."""

from datetime import UTC
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


def test_the_adapter_answers_with_the_saleor_2_line_on_saleor_2_10():
    # given Saleor 2.10.1, the test store
    from saleor_retention.saleor_adapter import saleor2

    # when the adapter was imported, then every version-bound answer comes from the 2.x module
    assert adapter.saleor_major_version() == 2
    for name in (
        "order_refunds",
        "checkout_prices",
        "create_points_gift_card",
        "end_voucher",
        "points_checkout_subtotal",
        "checkout_voucher_discount",
        "order_gift_card_discount",
        "insight_paid_orders_sql",
    ):
        assert getattr(adapter, name) is getattr(saleor2, name)
    assert adapter.insight_supported() is True


def test_both_saleor_lines_answer_the_same_questions():
    # given the two per-line modules
    from saleor_retention.saleor_adapter import saleor2, saleor3

    def public(module):
        return {
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (callable(value) or name.isupper())
            and getattr(value, "__module__", module.__name__) == module.__name__
        }

    # then each defines what the other does, so the package imports either line alike
    assert public(saleor2) == public(saleor3)
    # and both build the customer files
    assert saleor2.insight_supported() is True and saleor3.insight_supported() is True


def test_the_saleor_3_line_imports_without_saleor_3_and_knows_its_order_ids():
    # given the 3.x module, loaded next to Saleor 2.10 (it imports Saleor only inside functions)
    from saleor_retention.saleor_adapter import saleor2, saleor3

    order_id = "9865d5c7-0aa6-470e-a03d-f0425b6c8049"

    # then 3.x takes UUID order and line ids, 2.10 its integer ones, and each refuses the other's
    assert saleor3.is_order_id(order_id) and saleor3.is_order_line_id(order_id)
    assert not saleor3.is_order_id("12")
    assert saleor2.is_order_id("12") and not saleor2.is_order_id(order_id)
    assert (saleor2.ORDER_CREATED_AT, saleor3.ORDER_CREATED_AT) == ("created", "created_at")


def test_ids_from_another_saleor_line_are_ignored_not_an_error(retention_on):
    # given a real 2.10 order and an id in the shape of Saleor 3.x
    order = retention_on.buy(email="uma@example.com")
    pk = pk_of(order["id"])
    uuid_id = "9865d5c7-0aa6-470e-a03d-f0425b6c8049"

    # when the adapter is asked about both
    languages = adapter.order_language_codes([pk, uuid_id])
    orders = adapter.orders_by_id([pk, uuid_id])

    # then the real order is answered and the foreign id is simply unknown
    assert set(languages) == {pk} and set(orders) == {pk}
    assert adapter.get_order(uuid_id) is None
    assert adapter.order_totals([uuid_id]) == {}


def test_saleor_is_the_host_not_a_requirement_of_the_package():
    # given the package's declared requirements (setup.cfg) and the installed metadata
    import configparser
    from importlib.metadata import requires
    from pathlib import Path

    from packaging.requirements import Requirement

    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parents[1] / "setup.cfg")
    declared = [line for line in config["options"]["install_requires"].split("\n") if line]
    installed = [Requirement(line) for line in requires("saleor-retention") or []]

    # then neither names Saleor, and the card PDFs' renderer comes with the package
    names = {Requirement(line).name.lower() for line in declared}
    assert "saleor" not in names
    assert {"weasyprint", "segno", "nh3"} <= names
    assert "saleor" not in {r.name.lower() for r in installed if not r.marker}
    assert ">=3.11" in config["options"]["python_requires"]


def test_check_constraints_use_the_keyword_of_the_running_django():
    # given Django 3.2 (Saleor 2.10), which knows only CheckConstraint(check=)
    import django
    from django.db.models import Q

    from saleor_retention.constraints import check_constraint
    from saleor_retention.ledger.models import LoyaltyAccount

    # when a constraint is built, then it holds its condition under the name Django reads
    constraint = check_constraint(Q(points__gte=0), name="probe")
    assert django.VERSION < (5, 1)
    assert constraint.check == Q(points__gte=0)
    named = {c.name: c for c in LoyaltyAccount._meta.constraints}
    assert named["ledger_available_gte_0"].check == Q(available_points__gte=0)


def test_graphql_roots_are_the_models_themselves_on_saleor_2_10(retention_on):
    # given a Saleor 2.10 product (3.x would wrap it in a ChannelContext)
    from saleor.product.models import Product

    from saleor_retention.graphql import saleor_types

    product = Product.objects.first()

    # then unwrapping and wrapping leave it as it is, and the view gets the plugin's backend
    # (each query text parsed and validated once; 3.x's view gets Saleor's own)
    from saleor_retention.graphql.core.documents import CachedDocumentsBackend

    assert saleor_types.unwrap(product) is product
    assert saleor_types.as_product(product) is product
    assert saleor_types.as_checkout(None) is None
    assert isinstance(saleor_types.graphql_view_kwargs()["backend"], CachedDocumentsBackend)


# --- Saleor 3.x refunds: the rule that counts each once, on plain rows --------------------------


def _refund_rows():
    from datetime import datetime, timedelta

    from saleor_retention.saleor_adapter.transaction_refunds import (
        GrantedRefundRow,
        RefundEventRow,
    )

    start = datetime(2026, 12, 1, tzinfo=UTC)

    def event(pk, minutes, kind="refund_success", psp="", amount="4.00", grant=None, txn="t1"):
        return RefundEventRow(
            pk=pk,
            transaction_id=txn,
            type=kind,
            psp_reference=psp,
            amount=Decimal(amount),
            currency="USD",
            created=start + timedelta(minutes=minutes),
            granted_refund_id=grant,
        )

    def grant(pk, minutes, status="success", amount="6.00"):
        return GrantedRefundRow(
            pk=pk,
            status=status,
            amount=Decimal(amount),
            currency="USD",
            created=start + timedelta(minutes=minutes),
        )

    return event, grant


def test_a_granted_refund_and_its_refund_event_count_once():
    # given a granted refund processed by the payment app (its success event linked to it)
    from saleor_retention.saleor_adapter.transaction_refunds import merge_refunds

    event, grant = _refund_rows()
    events = [event(11, 2, psp="psp-1", amount="6.00", grant=7)]

    # when the refunds are merged
    refunds = merge_refunds("o1", events=events, granted=[grant(7, 1)])

    # then the money back is the event's, once; the grant adds nothing
    assert [(r.refund_id, r.amount) for r in refunds] == [("transaction-event-11", Decimal("6.00"))]


def test_every_path_of_a_saleor_3_refund_is_read_and_named_by_its_first_row():
    from saleor_retention.saleor_adapter.facts import RefundFacts
    from saleor_retention.saleor_adapter.transaction_refunds import merge_refunds

    event, grant = _refund_rows()
    legacy = RefundFacts("order-event-5", "o1", Decimal("1.00"), "USD", event(0, 9).created)
    events = [
        event(1, 1, amount="3.00"),  # transactionUpdate(amountRefunded: 3): no PSP reference
        event(2, 2, amount="-1.00"),  # amountRefunded lowered to 2: not a refund
        event(3, 3, psp="r-1"),  # transactionEventReport REFUND_SUCCESS
        event(4, 4, psp="r-1"),  # the same PSP refund reported again
        event(5, 5, psp="r-2", txn="t2"),  # transactionRequestAction's answer, another transaction
        event(6, 6, psp="r-3", amount="2.00"),  # reported, then failed at the PSP
        event(7, 7, kind="refund_failure", psp="r-3", amount="2.00"),
    ]
    grants = [
        grant(8, 8),
        grant(9, 8, status="pending"),
        grant(10, 8, status="success", amount="0"),
    ]

    refunds = merge_refunds("o1", events=events, granted=grants, payment_refunds=[legacy])

    assert [(r.refund_id, r.amount) for r in refunds] == [
        ("transaction-event-1", Decimal("3.00")),
        ("transaction-event-3", Decimal("4.00")),
        ("transaction-event-5", Decimal("4.00")),
        ("granted-refund-8", Decimal("6.00")),  # done with no refund event of its own
        ("order-event-5", Decimal("1.00")),
    ]
    # and merging again (a replay) names the same refunds
    again = merge_refunds("o1", events=reversed(events), granted=grants, payment_refunds=[legacy])
    assert again == refunds


def test_a_refund_event_with_the_same_reference_on_another_transaction_is_its_own_refund():
    from saleor_retention.saleor_adapter.transaction_refunds import merge_refunds

    event, _grant = _refund_rows()
    events = [event(1, 1, psp="r-1", txn="t1"), event(2, 2, psp="r-1", txn="t2")]

    refunds = merge_refunds("o1", events=events, granted=[])

    assert [r.refund_id for r in refunds] == ["transaction-event-1", "transaction-event-2"]


def test_a_refund_failed_after_its_success_is_voided_and_a_retry_is_a_new_refund():
    # given a PSP refund reported done, then failed, then retried with success (Saleor 3.x)
    from saleor_retention.saleor_adapter.transaction_refunds import merge_refunds, voided_refunds

    event, _grant = _refund_rows()
    done = [event(6, 6, psp="r-3", amount="2.00")]
    failed = [*done, event(7, 7, kind="refund_failure", psp="r-3", amount="2.00")]
    retried = [*failed, event(8, 8, psp="r-3", amount="2.00"), event(9, 9, psp="r-3")]

    # when each stage is read
    # then the refund stands, then is void (keeping its id), then the retry is a refund of its own
    assert [r.refund_id for r in merge_refunds("o1", events=done, granted=[])] == [
        "transaction-event-6"
    ]
    assert voided_refunds("o1", events=done) == []
    assert merge_refunds("o1", events=failed, granted=[]) == []
    assert [(r.refund_id, r.amount) for r in voided_refunds("o1", events=failed)] == [
        ("transaction-event-6", Decimal("2.00"))
    ]
    assert [r.refund_id for r in merge_refunds("o1", events=retried, granted=[])] == [
        "transaction-event-8"
    ]
    assert [r.refund_id for r in voided_refunds("o1", events=reversed(retried))] == [
        "transaction-event-6"
    ]


def test_a_failure_before_any_success_voids_nothing():
    from saleor_retention.saleor_adapter.transaction_refunds import merge_refunds, voided_refunds

    event, _grant = _refund_rows()
    events = [event(1, 1, kind="refund_failure", psp="r-1"), event(2, 2, psp="r-1")]

    assert voided_refunds("o1", events=events) == []
    assert [r.refund_id for r in merge_refunds("o1", events=events, granted=[])] == [
        "transaction-event-2"
    ]


def test_saleor_2_refunds_are_never_voided(retention_on):
    # given a 2.10 order refunded by staff
    order = retention_on.buy(email="vic@example.com")
    retention_on.order_refund(order["id"], "5.00")

    # when the adapter reads its refunds with their voids
    refunds, voided = adapter.order_refunds_and_voids(Order.objects.get(pk=pk_of(order["id"])))

    # then the refund is there and nothing is void (a 2.10 refund is never undone)
    assert [r.amount for r in refunds] == [Decimal("5.00")]
    assert voided == []


# --- the checkout total hook: what a checkout without points costs Saleor ------------------------


def _hook_queries(plugin, checkout):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert plugin.calculate_checkout_total(checkout, previous_value="total") == "total"
    return [query["sql"] for query in captured.captured_queries]


def test_a_checkout_without_points_costs_the_total_hook_one_read_and_no_savepoint(retention_on):
    # given a checkout with no gift card, and one with an ordinary (not points) gift card
    from saleor.checkout.models import Checkout
    from saleor.giftcard.models import GiftCard

    plain = Checkout.objects.get(token=retention_on.checkout_create(email="q@example.com")["token"])
    carded = Checkout.objects.get(
        token=retention_on.checkout_create(email="r@example.com")["token"]
    )
    carded.gift_cards.add(
        GiftCard.objects.create(
            code="GIFT-PLAIN-1", initial_balance_amount=5, current_balance_amount=5
        )
    )
    plugin = RetentionPlugin(configuration=[], active=True)

    # when Saleor asks the plugin for their totals
    plain_sql, carded_sql = _hook_queries(plugin, plain), _hook_queries(plugin, carded)

    # then each cost the read of its gift card codes only: no savepoint, no settings row, no
    # look-up of the plugin's holds (an ordinary code is told apart by its prefix)
    for sql in (plain_sql, carded_sql):
        assert len(sql) == 1, sql
        assert "giftcard" in sql[0] and "SAVEPOINT" not in sql[0]


def test_gift_cards_saleor_prefetched_cost_the_total_hook_nothing(retention_on):
    from saleor.checkout.models import Checkout

    token = retention_on.checkout_create(email="s@example.com")["token"]
    checkout = Checkout.objects.prefetch_related("gift_cards").get(token=token)

    assert _hook_queries(RetentionPlugin(configuration=[], active=True), checkout) == []
    assert adapter.checkout_gift_card_codes(checkout) == ()


def test_the_writer_needs_no_asking_on_saleor_2():
    # Saleor 2.10 has one connection; Saleor 3's allow_writer() is used only on 3.x
    with adapter.writer_allowed():
        pass
    assert adapter.saleor_major_version() == 2


def test_saleor3_reads_a_changed_checkout_s_gift_cards_only_where_a_points_card_can_be():
    # Saleor 3 calls checkout_updated after every checkout mutation; the plugin skips the read
    # of the checkout's gift cards when its loaded channel has never seen a points card and
    # Saleor added no gift card to it (saleor3.py), so a store without points pays nothing
    from types import SimpleNamespace

    from saleor_retention.saleor_adapter import saleor3

    def checkout(pk, channel=None):
        cache = {} if channel is None else {"channel": channel}
        return SimpleNamespace(pk=pk, channel_id=1, _state=SimpleNamespace(fields_cache=cache))

    plain = SimpleNamespace(private_metadata={"merchant.key": "kept"})
    marked = SimpleNamespace(private_metadata={saleor3._POINTS_CARDS_MARK: "1"})
    may_hold = saleor3.checkout_may_hold_points_card

    assert may_hold(checkout(101, plain)) is False
    assert may_hold(SimpleNamespace(checkout=checkout(101, plain))) is False  # a CheckoutInfo
    assert may_hold(checkout(101, marked)) is True
    assert may_hold(checkout(101)) is True  # channel not loaded: not known without a query

    # a gift card Saleor adds to the checkout (a shopper's promo code) is read at the next check
    add = saleor3._on_checkout_gift_cards_changed
    add(sender=None, instance=checkout(102, plain), action="pre_add", reverse=False, pk_set={9})
    assert may_hold(checkout(102, plain)) is False  # only a completed add counts
    add(sender=None, instance=checkout(102, plain), action="post_add", reverse=False, pk_set={9})
    assert may_hold(checkout(102, plain)) is True
    assert may_hold(checkout(102, plain)) is False  # once: the read marks the channel if needed
    # added from the card's side (gift_card.checkouts.add): the checkouts are the pk_set
    card = SimpleNamespace(pk=9)
    add(sender=None, instance=card, action="post_add", reverse=True, pk_set={103, 104})
    assert may_hold(checkout(103, plain)) is True and may_hold(checkout(104, plain)) is True
    add(sender=None, instance=checkout(105, plain), action="post_remove", reverse=False, pk_set={9})
    assert may_hold(checkout(105, plain)) is False

    # marking a channel already marked costs nothing
    saleor3.mark_points_cards_channel(checkout(106, marked))
    assert marked.private_metadata == {saleor3._POINTS_CARDS_MARK: "1"}


def test_saleor2_reads_every_checkout_s_gift_cards():
    from types import SimpleNamespace

    from saleor_retention.saleor_adapter import saleor2

    assert saleor2.checkout_may_hold_points_card(SimpleNamespace(pk=1)) is True
