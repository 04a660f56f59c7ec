"""Customer files (issue 12): kept current on every order event, one row inside the event's
processing, and rebuilt set-based by the nightly job; the lifecycle stage moves with time and
with a category's churn window, and every move is recorded with its date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.management import call_command
from freezegun import freeze_time

from saleor_retention.conf import load_settings
from saleor_retention.insight import analytics, services
from saleor_retention.insight.models import CustomerFile, CustomerSpend, StageChange
from saleor_retention_site.driver import pk_of
from saleor_retention_site.store import add_product

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def stages(customer_pk):
    return [
        (c.from_stage, c.to_stage, c.changed_at.date())
        for c in StageChange.objects.filter(customer_id=customer_pk)
    ]


def rebuild():
    return services.files_rebuild(settings=load_settings())


def test_one_customer_moves_through_every_stage_and_a_category_window_changes_hers(
    retention_on,
):
    driver = retention_on
    driver.plugin_update(insight_business_kind="food")  # a month
    camera = add_product(slug="mirrorless-camera", category_slug="cameras", price=Decimal("400"))
    with freeze_time(START) as clock:
        # given a shopper who registers: potential
        customer = pk_of(driver.account_register("mei@example.com"))
        token = driver.token_create("mei@example.com", "customer-password")
        file = CustomerFile.objects.get(customer_id=customer)
        assert (file.stage, file.paid_orders, file.churn_days) == ("potential", 0, 30)

        # when she pays for a first order: active, with her spend in USD
        clock.tick(timedelta(days=2))
        driver.buy(email="mei@example.com", token=token)
        file.refresh_from_db()
        assert (file.stage, file.paid_orders, file.paid_orders_in_window) == ("active", 1, 1)
        spend = CustomerSpend.objects.get(customer_id=customer)
        assert (spend.currency, spend.total_spent, spend.average_order) == (
            "USD",
            Decimal("30.000"),  # 25 tea + 5 shipping
            Decimal("30.000"),
        )
        assert file.top_categories[0]["slug"] == "tea"

        # and a second one ten days later: repeat, a median of 10 days between orders
        clock.tick(timedelta(days=10))
        driver.buy(email="mei@example.com", token=token, quantity=2)
        file.refresh_from_db()
        assert (file.stage, file.paid_orders) == ("repeat", 2)
        assert file.median_days_between_orders == Decimal("10.0")
        assert file.expected_next_order_at == START + timedelta(days=22)

        # when 31 days pass without an order, the nightly rebuild finds her lost, dated when
        # her month ran out
        clock.tick(timedelta(days=31))
        rebuild()
        file.refresh_from_db()
        assert file.stage == "lost"
        assert file.stage_since.date() == (START + timedelta(days=12 + 30)).date()

        # when she comes back: active again
        clock.tick(timedelta(days=1))
        driver.buy(email="mei@example.com", token=token)
        file.refresh_from_db()
        assert file.stage == "active"

        # and when she buys a camera and the store gives cameras a year, her window is the
        # longest of her categories: 40 days later she is not lost
        driver.plugin_update(insight_category_churn_days="cameras:365")
        driver.buy(email="mei@example.com", token=token, variant_id=camera)
        clock.tick(timedelta(days=40))
        rebuild()
        file.refresh_from_db()
        assert (file.stage, file.churn_days) == ("repeat", 365)
        assert sorted(file.category_slugs) == ["cameras", "tea"]

    # and the month she was lost shows a churn rate of 1 (one repeat customer at its start)
    months = analytics.churn_by_month(
        since=START, until=START + timedelta(days=40), time_zone="UTC"
    )
    assert [(m.month, m.at_start, m.lost, m.rate) for m in months] == [
        ("2026-01", 0, 0, None),
        ("2026-02", 1, 1, 1.0),
    ]
    # then every move is recorded with its date
    assert stages(customer) == [
        ("", "potential", START.date()),
        ("potential", "active", (START + timedelta(days=2)).date()),
        ("active", "repeat", (START + timedelta(days=12)).date()),
        ("repeat", "lost", (START + timedelta(days=42)).date()),
        ("lost", "active", (START + timedelta(days=44)).date()),
        ("active", "repeat", (START + timedelta(days=44)).date()),
    ]


def test_a_cancelled_order_and_a_full_refund_come_off_the_file_and_a_partial_refund_lowers_it(
    retention_on,
):
    driver = retention_on
    customer = pk_of(driver.account_register("lin@example.com"))
    token = driver.token_create("lin@example.com", "customer-password")
    first = driver.buy(email="lin@example.com", token=token)
    second = driver.buy(email="lin@example.com", token=token)

    # when staff refund 10 of the first order and all of the second
    driver.order_refund(first["id"], "10.00")
    driver.order_refund(second["id"], "30.00")

    # then the file counts one order, at what she kept
    file = CustomerFile.objects.get(customer_id=customer)
    assert (file.paid_orders, file.stage) == (1, "active")
    assert CustomerSpend.objects.get(customer_id=customer).total_spent == Decimal("20.000")
    # and the amounts the top-20% figure sums (generated from spent and cost) follow the
    # refund: only the first order is left, at 20.00 (no cost price: its margin is its spend)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT spent_milli, margin_milli FROM saleor_retention_paidorder"
            " WHERE customer_id = %s",
            [customer],
        )
        assert cursor.fetchall() == [(20000, None)]
    year = {"since": datetime.now(UTC) - timedelta(days=1), "until": datetime.now(UTC)}
    share = analytics.top_customers_share(currency="USD", **year)
    assert (share.customers, share.revenue, share.top_revenue, share.by_margin) == (
        1,
        Decimal("20"),
        Decimal("20"),
        False,
    )
    # and the nightly rebuild agrees with the incremental update
    before = CustomerFile.objects.filter(customer_id=customer).values().get()
    rebuild()
    after = CustomerFile.objects.filter(customer_id=customer).values().get()
    for key in ("paid_orders", "stage", "last_paid_at", "value_spent", "category_slugs"):
        assert before[key] == after[key]


CUSTOMER_ACTIVE = """mutation($id: ID!, $active: Boolean) {
    customerUpdate(id: $id, input: {isActive: $active}) { user { isActive } errors { field } } }"""


def test_a_deactivated_customer_has_no_file_until_she_is_active_again(retention_on):
    from saleor_retention.insight.models import CustomerNote, CustomerTag, PaidOrder, Segment

    driver = retention_on
    staff = driver.staff_token()
    ids = {}
    for name, orders in (("ann", 2), ("bo", 1)):
        email = f"{name}@example.com"
        ids[name] = driver.account_register(email)
        token = driver.token_create(email, "customer-password")
        for _ in range(orders):
            driver.buy(email=email, token=token)
    ann, bo = pk_of(ids["ann"]), pk_of(ids["bo"])
    services.tag_add(customer_id=str(ann), tag="wholesale", staff_user_id="1")
    services.note_add(customer_id=str(ann), body="Prefers green tea", staff_user_id="1")
    segment = services.segment_save(
        segment_id=None, name="Buyers", rules={"orders_at_least": 1}, staff_user_id="1"
    )
    rebuild()
    assert analytics.repeat_purchase_rate().part == 1
    assert Segment.objects.get(pk=segment.pk).counted == 2

    # when staff deactivate Ann in Saleor and the nightly run comes
    driver.mutate(
        "customerUpdate", CUSTOMER_ACTIVE, {"id": ids["ann"], "active": False}, token=staff
    )
    rebuild()

    # then everything computed from her orders is gone: file, spends, copy of her paid orders,
    # stage history; she is in no segment, score or figure; staff's tag and note stay
    for model in (CustomerFile, CustomerSpend, PaidOrder, StageChange):
        assert not model.objects.filter(customer_id=ann).exists(), model
    assert CustomerTag.objects.filter(customer_id=ann).count() == 1
    assert CustomerNote.objects.filter(customer_id=ann).count() == 1
    assert Segment.objects.get(pk=segment.pk).counted == 1
    rate = analytics.repeat_purchase_rate()
    assert (rate.part, rate.whole) == (0, 1)
    year = {"since": START - timedelta(days=3650), "until": datetime.now(UTC) + timedelta(days=1)}
    assert analytics.top_customers_share(currency="USD", **year).customers == 1
    # and an order event for her opens none again
    services.file_refresh(customer_id=str(ann), settings=load_settings())
    assert not CustomerFile.objects.filter(customer_id=ann).exists()

    # when Bo is deactivated, an order event of his drops his file at once (no need to wait
    # for the night)
    driver.mutate(
        "customerUpdate", CUSTOMER_ACTIVE, {"id": ids["bo"], "active": False}, token=staff
    )
    services.file_refresh(customer_id=str(bo), settings=load_settings())
    assert not CustomerFile.objects.filter(customer_id=bo).exists()
    assert not PaidOrder.objects.filter(customer_id=bo).exists()

    # when Ann is active again, the next run computes her file from her orders as before
    driver.mutate(
        "customerUpdate", CUSTOMER_ACTIVE, {"id": ids["ann"], "active": True}, token=staff
    )
    rebuild()
    file = CustomerFile.objects.get(customer_id=ann)
    assert (file.paid_orders, file.stage) == (2, "repeat")
    assert PaidOrder.objects.filter(customer_id=ann).count() == 2
    assert [c.to_stage for c in StageChange.objects.filter(customer_id=ann)] == ["repeat"]


def test_the_rebuild_command_writes_every_file_and_replays_change_nothing(retention_on):
    driver = retention_on
    for email in ("a@example.com", "b@example.com"):
        driver.account_register(email)
    driver.buy(
        email="a@example.com", token=driver.token_create("a@example.com", "customer-password")
    )
    CustomerFile.objects.all().delete()
    StageChange.objects.all().delete()

    # when the command runs twice
    call_command("retention_insight_rebuild")
    call_command("retention_insight_rebuild")

    # then each customer has one file and one recorded stage
    assert sorted(CustomerFile.objects.values_list("stage", flat=True)) == ["active", "potential"]
    assert StageChange.objects.count() == 2


FILE_FACTS = (
    "customer_id",
    "stage",
    "stage_since",
    "churn_days",
    "first_paid_at",
    "last_paid_at",
    "paid_orders",
    "paid_orders_in_window",
    "median_days_between_orders",
    "expected_next_order_at",
    "category_slugs",
    "price_band",
    "value_spent",
    "value_orders",
    "value_last_paid_at",
    "value_average_order",
    "top_spender",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_group",
)


def files_now():
    return list(CustomerFile.objects.order_by("customer_id").values_list(*FILE_FACTS))


def test_a_nightly_run_recomputes_only_changed_customers_and_agrees_with_a_full_one(driver):
    # given the plugin off, so no order event refreshes a file: the nightly run alone sees it
    emails = ("a@example.com", "b@example.com", "c@example.com")
    with freeze_time(START) as clock:
        tokens = {}
        for email in emails:
            driver.account_register(email)
            tokens[email] = driver.token_create(email, "customer-password")
        driver.buy(email=emails[0], token=tokens[emails[0]])
        driver.buy(email=emails[1], token=tokens[emails[1]])
        clock.tick(timedelta(days=3))
        driver.buy(email=emails[1], token=tokens[emails[1]])
        clock.tick(timedelta(hours=2))  # past the hour a nightly run looks back for safety
        first = rebuild()
        assert first.full and first.files == 3

        # when a day later one customer buys and the run is nightly
        clock.tick(timedelta(days=1))
        driver.buy(email=emails[2], token=tokens[emails[2]])
        clock.tick(timedelta(hours=2))
        second = rebuild()

        # then only she is recomputed, and she is active
        assert not second.full and second.files == 1
        assert CustomerFile.objects.get(customer__email=emails[2]).stage == "active"

        # when nothing happened for a night: nobody is recomputed
        clock.tick(timedelta(days=1))
        assert rebuild().files == 0

        # when every window has run out (no order since): the time alone moves everyone
        clock.tick(timedelta(days=400))
        third = rebuild()
        assert not third.full and third.files == 3
        assert set(CustomerFile.objects.values_list("stage", flat=True)) == {"lost"}
        nightly, changes = files_now(), StageChange.objects.count()

        # then a full recompute writes exactly the same files and records no stage change
        full = services.files_rebuild(settings=load_settings(), full=True)
        assert full.full and full.files == 3
        assert files_now() == nightly
        assert StageChange.objects.count() == changes


def test_heavy_reads_go_through_the_replica_alias_when_one_is_configured(db, settings):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from saleor_retention.insight import selectors
    from saleor_retention.insight.models import CustomerFile

    # given a second alias pointing at the same database, named as Saleor 3.x names its replica
    connections.databases["replica"] = {**connections.databases["default"]}
    try:
        settings.DATABASE_CONNECTION_REPLICA_NAME = "replica"
        assert selectors.read_alias() == "replica"

        # when the analytics and a segment's count are read
        with (
            CaptureQueriesContext(connections["replica"]) as replica,
            CaptureQueriesContext(connections["default"]) as primary,
        ):
            analytics.repeat_purchase_rate()
            selectors.files_for_reading(CustomerFile.objects.all()).count()

        # then they ran on the replica, none on the primary
        assert len(replica.captured_queries) == 2
        assert primary.captured_queries == []

        # and the operator's own setting wins over Saleor's
        settings.RETENTION_INSIGHT_READ_DATABASE = "default"
        assert selectors.read_alias() == "default"
    finally:
        connections["replica"].close()
        del connections["replica"]  # the cached connection too, or a later test still finds it
        del connections.databases["replica"]
