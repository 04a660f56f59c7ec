"""Value (issue 12): RFM scores on very few customers and with ties, the top 20% by margin where
Saleor has cost prices (by spend where it has none), and the card lift of the analytics, each
against an answer computed by hand. Real storefront checkouts through Saleor's GraphQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from saleor_retention.conf import load_settings
from saleor_retention.insight import services
from saleor_retention.insight.models import CustomerFile
from saleor_retention_site.store import add_product
from tests.test_cards import UPDATE, create_program, register, ship

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SCORES = """query($id: ID!) { user(id: $id) { customerFile {
    topSpender rfm { recency frequency monetary group } } } }"""
TOP_SHARE = """query($since: DateTime!, $until: DateTime!) { retentionAnalytics {
    topCustomersShare(currency: "USD", since: $since, until: $until) {
        customers topCustomers topRevenue { amount } revenue { amount } share
        byMargin topMargin { amount } margin { amount } marginShare } } }"""


def scores(driver, customer):
    data = driver.query(SCORES, {"id": customer}, token=driver.staff_token())
    file = data["user"]["customerFile"]
    rfm = file["rfm"]
    return (rfm["recency"], rfm["frequency"], rfm["monetary"], rfm["group"], file["topSpender"])


def rebuild(full: bool = False):
    return services.files_rebuild(settings=load_settings(), full=full)


def test_a_lone_customer_scores_five_on_every_measure_and_is_the_top_20_percent(retention_on):
    driver = retention_on
    # given the store's only customer, who ordered today
    with freeze_time(START):
        mei = driver.account_register("mei@example.com")
        driver.buy(
            email="mei@example.com",
            token=driver.token_create("mei@example.com", "customer-password"),
        )
        rebuild()

    # then she is as recent, frequent and valuable as anyone: 5, 5, 5, a champion (a percent
    # rank gave her 1, 1, 1: hibernating), and the top 20% of one spender is she
    assert scores(driver, mei) == (5, 5, 5, "CHAMPIONS", True)


def test_tied_customers_share_the_higher_score(retention_on):
    driver = retention_on
    customers = {}
    # given Ann and Bo buy once (30.00 each), a day apart, and Cy twice (60.00) after them
    with freeze_time(START) as clock:
        for name, orders in (("ann", 1), ("bo", 1), ("cy", 2)):
            email = f"{name}@example.com"
            customers[name] = driver.account_register(email)
            token = driver.token_create(email, "customer-password")
            for _ in range(orders):
                driver.buy(email=email, token=token)
            clock.tick(timedelta(days=1))
        rebuild()

    # then the score is ceil(5 x the share of customers at or below her):
    # recency   Ann 1/3 -> 2, Bo 2/3 -> 4, Cy 3/3 -> 5
    # frequency Ann and Bo tie at one order: 2/3 -> 4; Cy 5
    # money     Ann and Bo tie at 30.00: 2/3 -> 4; Cy 5
    # groups: Ann R2 F4 is at risk; Bo R4 F4 M4 and Cy are champions; the top 20% of three
    # spenders is ceil(0.6) = 1 customer, the biggest: Cy (no cost prices: by spend)
    assert scores(driver, customers["ann"]) == (2, 4, 4, "AT_RISK", False)
    assert scores(driver, customers["bo"]) == (4, 4, 4, "CHAMPIONS", False)
    assert scores(driver, customers["cy"]) == (5, 5, 5, "CHAMPIONS", True)


@pytest.fixture
def margins(retention_on):
    """Two teas at 25.00: "thin" costs the store 22.00, "rich" 5.00 (shipping 5.00 an order)."""
    from saleor.product.models import ProductVariant

    driver = retention_on
    thin = add_product(slug="thin-tea", category_slug="thin", price=Decimal("25.00"))
    rich = add_product(slug="rich-tea", category_slug="rich", price=Decimal("25.00"))
    ProductVariant.objects.filter(pk=thin).update(cost_price_amount=Decimal("22.00"))
    ProductVariant.objects.filter(pk=rich).update(cost_price_amount=Decimal("5.00"))
    customers = {}
    with freeze_time(START) as clock:
        for name, variant, quantity in (
            ("p1", thin, 3),  # 80.00 paid, goods cost 66.00: margin 14.00
            ("p2", rich, 2),  # 55.00 paid, cost 10.00: margin 45.00
            ("p3", thin, 1),  # 30.00, cost 22.00: margin 8.00
            ("p4", rich, 1),  # 30.00, cost 5.00: margin 25.00
            ("p5", thin, 1),  # 30.00, cost 22.00: margin 8.00
        ):
            email = f"{name}@example.com"
            customers[name] = driver.account_register(email)
            token = driver.token_create(email, "customer-password")
            driver.buy(email=email, token=token, variant_id=variant, quantity=quantity)
            clock.tick(timedelta(hours=1))
    return driver, customers, (thin, rich)


def test_the_top_20_percent_are_chosen_by_margin_where_saleor_has_cost_prices(margins):
    from saleor.product.models import ProductVariant

    driver, customers, variants = margins
    period = {"since": "2026-03-01T00:00:00+00:00", "until": "2026-04-01T00:00:00+00:00"}
    with freeze_time(START + timedelta(days=1)):
        rebuild()

        # then the top 20% of five is one customer: p2, the biggest margin (45.00), not p1,
        # the biggest spender (80.00)
        top = set(
            CustomerFile.objects.filter(top_spender=True).values_list("customer_id", flat=True)
        )
        assert [name for name, c in customers.items() if scores(driver, c)[4]] == ["p2"]
        assert len(top) == 1
        share = driver.query(TOP_SHARE, period, token=driver.staff_token())["retentionAnalytics"][
            "topCustomersShare"
        ]
    # her revenue is 55 of 225; her margin 45 of 100
    assert share == {
        "customers": 5,
        "topCustomers": 1,
        "topRevenue": {"amount": 55.0},
        "revenue": {"amount": 225.0},
        "share": pytest.approx(55 / 225),
        "byMargin": True,
        "topMargin": {"amount": 45.0},
        "margin": {"amount": 100.0},
        "marginShare": pytest.approx(0.45),
    }
    assert CustomerFile.objects.get(customer__email="p1@example.com").value_cost == Decimal("66")

    # when the store has no cost prices (a full run reads them again)
    ProductVariant.objects.filter(pk__in=variants).update(cost_price_amount=None)
    with freeze_time(START + timedelta(days=1)):
        rebuild(full=True)
        share = driver.query(TOP_SHARE, period, token=driver.staff_token())["retentionAnalytics"][
            "topCustomersShare"
        ]
        # then the top 20% is by spend: p1, 80 of 225
        assert [name for name, c in customers.items() if scores(driver, c)[4]] == ["p1"]
    assert (share["byMargin"], share["topRevenue"], share["margin"]) == (
        False,
        {"amount": 80.0},
        None,
    )
    assert share["share"] == pytest.approx(80 / 225)


CARD_LIFT = """query($id: ID!, $since: DateTime!, $until: DateTime!) { retentionAnalytics {
    cardLift(programId: $id, since: $since, until: $until, reorderDays: 30) {
        treatmentShare controlShare difference differenceCiLow differenceCiHigh } } }"""


def test_card_lift_of_the_analytics_matches_the_hand_computed_answer(retention_on):
    from django.utils import timezone

    driver = retention_on
    program = create_program(driver)["program"]  # a card on every first parcel

    def first_parcel(email):
        _, token = register(driver, email)
        ship(driver, driver.buy(email=email, token=token)["id"])
        return token

    # given the treatment group: Ann and Cy get a card; Ann comes back, Cy does not
    ann = first_parcel("ann@example.com")
    first_parcel("cy@example.com")
    driver.buy(email="ann@example.com", token=ann)
    # and the control group (sample rate 0 from now): Bo comes back, Di and Ed do not
    driver.mutate(
        "loyaltyCardProgramUpdate",
        UPDATE,
        {"id": program["id"], "input": {"sampleRate": "0"}},
        token=driver.staff_token(),
    )
    bo = first_parcel("bo@example.com")
    first_parcel("di@example.com")
    first_parcel("ed@example.com")
    driver.buy(email="bo@example.com", token=bo)

    # when staff read the card lift on the dashboard
    now = timezone.now()
    period = {
        "since": (now - timedelta(days=1)).isoformat(),
        "until": (now + timedelta(days=1)).isoformat(),
    }
    lift = driver.query(CARD_LIFT, {"id": program["id"], **period}, token=driver.staff_token())[
        "retentionAnalytics"
    ]["cardLift"]

    # then treatment 1 of 2 = 0.5, control 1 of 3; the difference 1/6 with a 95% interval of
    # 1.96 x sqrt(0.5 x 0.5 / 2 + 1/3 x 2/3 / 3) = 1.96 x 0.446177 = 0.874507 either side
    half_width = 1.959964 * math.sqrt(0.25 / 2 + (2 / 9) / 3)
    assert lift["treatmentShare"] == pytest.approx(0.5)
    assert lift["controlShare"] == pytest.approx(1 / 3)
    assert lift["difference"] == pytest.approx(1 / 6)
    assert lift["differenceCiLow"] == pytest.approx(1 / 6 - half_width, abs=1e-4)
    assert lift["differenceCiHigh"] == pytest.approx(1 / 6 + half_width, abs=1e-4)
    assert half_width == pytest.approx(0.8745, abs=1e-3)


def test_card_lift_refuses_what_the_card_report_refuses(retention_on):
    # cardLift and loyaltyCardProgramReport check their input in one place: a reorder window
    # outside 1..730 days or an end before the start is a typed error, not a quietly clamped
    # figure
    driver = retention_on
    program = create_program(driver)["program"]
    query = CARD_LIFT.replace("reorderDays: 30", "reorderDays: $days").replace(
        "$until: DateTime!)", "$until: DateTime!, $days: Int!)"
    )
    period = {"since": "2026-01-01T00:00:00+00:00", "until": "2026-02-01T00:00:00+00:00"}
    for variables, field in (
        ({**period, "days": 731}, "reorderDays"),
        ({**period, "days": 0}, "reorderDays"),
        ({"since": period["until"], "until": period["since"], "days": 30}, "until"),
    ):
        body = driver.execute(query, {"id": program["id"], **variables}, token=driver.staff_token())
        assert body["data"]["retentionAnalytics"]["cardLift"] is None
        assert [error["extensions"].get("field") for error in body["errors"]] == [field]
