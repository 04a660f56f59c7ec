"""Insight through Saleor's GraphQL (issue 12): RFM and the top 20% on a fixture computed by
hand, the analytics on the same fixture, notes / tags / contact log with typed errors, segments
as a countable connection with CSV, who may see any of it, and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from saleor_retention.beat import BEAT_SCHEDULE
from saleor_retention.conf import load_settings
from saleor_retention.insight import services
from saleor_retention.insight.models import (
    ContactLogEntry,
    CustomerFile,
    CustomerNote,
    CustomerTag,
    Segment,
    StageChange,
)
from saleor_retention_site.driver import gid, pk_of
from saleor_retention_site.store import create_customer

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
FILE = """query($id: ID!) { user(id: $id) { customerFile {
    stage paidOrders topSpender rfm { recency frequency monetary group }
    spends { currency paidOrders totalSpent { amount } }
    notes(first: 20) { totalCount edges { node { id body } } } tags
    contacts(first: 20) { edges { node { channel summary response } } } } } }"""


@pytest.fixture
def five_customers(retention_on):
    """Customer i (1..5) pays i orders of 30 USD, i days apart; customer 5 orders last."""
    driver = retention_on
    customers = {}
    with freeze_time(START) as clock:
        for i in range(1, 6):
            email = f"c{i}@example.com"
            customers[i] = driver.account_register(email)
            token = driver.token_create(email, "customer-password")
            for n in range(i):
                if n:
                    clock.tick(timedelta(days=i))
                driver.buy(email=email, token=token)
            clock.tick(timedelta(days=1))
        services.files_rebuild(settings=load_settings())
    return driver, customers


def file_of(driver, customer_gid, token=None):
    data = driver.query(FILE, {"id": customer_gid}, token=token or driver.staff_token())
    return data["user"]["customerFile"]


def test_rfm_scores_groups_and_the_top_20_percent_match_the_hand_computed_answer(five_customers):
    driver, customers = five_customers

    # then each customer scores i on recency, frequency and money (five distinct values)
    files = {i: file_of(driver, gid_) for i, gid_ in customers.items()}
    assert [files[i]["rfm"]["recency"] for i in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [files[i]["rfm"]["frequency"] for i in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [files[i]["rfm"]["monetary"] for i in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [files[i]["rfm"]["group"] for i in range(1, 6)] == [
        "HIBERNATING",
        "HIBERNATING",
        "NEEDS_ATTENTION",
        "CHAMPIONS",
        "CHAMPIONS",
    ]
    # the top 20% of five spenders is one customer: the fifth
    assert [files[i]["topSpender"] for i in range(1, 6)] == [False, False, False, False, True]
    assert files[5]["spends"] == [
        {"currency": "USD", "paidOrders": 5, "totalSpent": {"amount": 150.0}}
    ]


ANALYTICS = """query($since: DateTime!, $until: DateTime!) { retentionAnalytics {
    repeatPurchaseRate { part whole rate }
    cohorts(since: $since, months: 2) { month customers retained }
    timeToSecondOrder { customers medianDays averageDays }
    topCustomersShare(currency: "USD", since: $since, until: $until) {
        customers topCustomers topRevenue { amount } revenue { amount } share }
    points { outstanding issued expired redeemed liability { amount currency } breakage
             redemptionRate }
    reviewRate(since: $since, until: $until) { part whole rate }
    ratingTrend(since: $since, until: $until) { month reviews averageRating }
} }"""


def test_analytics_match_the_hand_computed_fixture(five_customers):
    driver, _customers = five_customers
    period = {"since": "2026-01-01T00:00:00+00:00", "until": "2026-03-01T00:00:00+00:00"}

    # when staff read the dashboard figures
    data = driver.query(ANALYTICS, period, token=driver.staff_token())["retentionAnalytics"]

    # then: four of five bought twice or more
    assert data["repeatPurchaseRate"] == {"part": 4, "whole": 5, "rate": 0.8}
    # all five first bought in January; only the fifth bought again in February (days 34-44)
    assert data["cohorts"] == [{"month": "2026-01", "customers": 5, "retained": [5, 1]}]
    # second orders came 2, 3, 4 and 5 days after the first
    assert data["timeToSecondOrder"] == {"customers": 4, "medianDays": 3.5, "averageDays": 3.5}
    # the top 20% (one customer, 150 of 450) bring a third of the revenue
    share = data["topCustomersShare"]
    assert (share["customers"], share["topCustomers"]) == (5, 1)
    assert (share["topRevenue"]["amount"], share["revenue"]["amount"]) == (150.0, 450.0)
    assert share["share"] == pytest.approx(1 / 3)
    # 15 orders earned 25 points each (shipping earns nothing), all still pending; a point is
    # worth 0.01 USD; nothing expired or redeemed
    assert data["points"] == {
        "outstanding": 375,
        "issued": 375,
        "expired": 0,
        "redeemed": 0,
        "liability": [{"amount": 3.75, "currency": "USD"}],
        "breakage": 0.0,
        "redemptionRate": 0.0,
    }
    assert data["reviewRate"] == {"part": 0, "whole": 15, "rate": 0.0}
    assert data["ratingTrend"] == []


REVIEW_FIGURES = """query($since: DateTime!, $until: DateTime!) { retentionAnalytics {
    reviewRate(since: $since, until: $until) { part whole rate }
    ratingTrend(since: $since, until: $until) { month reviews averageRating }
} }"""


def test_review_rate_and_rating_trend_match_the_hand_computed_fixture(five_customers):
    from saleor.order.models import OrderLine

    from saleor_retention.reviews.models import Review, ReviewSource, ReviewStatus

    driver, _customers = five_customers
    lines = {
        (line.order.user.email, n): line
        for email in ("c1@example.com", "c2@example.com", "c5@example.com")
        for n, line in enumerate(
            OrderLine.objects.filter(order__user__email=email)
            .select_related("order__user")
            .order_by("order__created")
        )
    }

    def review(email, n, rating, status, created):
        line = lines[(email, n)]
        Review.objects.create(
            product_id=str(line.variant.product_id),
            order_id=str(line.order_id),
            order_line_id=str(line.pk),
            customer_id=str(line.order.user_id),
            source=ReviewSource.VERIFIED,
            rating=rating,
            status=status,
            created_at=created,
        )

    # given four reviews on four of the fifteen paid orders: two published in January (5 and
    # 2 stars), one published in February (4 stars), one still pending in February (1 star)
    review("c1@example.com", 0, 5, ReviewStatus.PUBLISHED, datetime(2026, 1, 10, tzinfo=UTC))
    review("c2@example.com", 0, 2, ReviewStatus.PUBLISHED, datetime(2026, 1, 12, tzinfo=UTC))
    review("c5@example.com", 1, 4, ReviewStatus.PUBLISHED, datetime(2026, 2, 20, tzinfo=UTC))
    review("c5@example.com", 2, 1, ReviewStatus.PENDING, datetime(2026, 2, 21, tzinfo=UTC))
    period = {"since": "2026-01-01T00:00:00+00:00", "until": "2026-03-01T00:00:00+00:00"}

    # when staff read the review figures
    data = driver.query(REVIEW_FIGURES, period, token=driver.staff_token())["retentionAnalytics"]

    # then 4 of the 15 paid orders have a review (pending counts: it was written)
    assert data["reviewRate"] == {"part": 4, "whole": 15, "rate": pytest.approx(4 / 15)}
    # and the trend has the published ones only: January (5 + 2) / 2, February 4
    assert data["ratingTrend"] == [
        {"month": "2026-01", "reviews": 2, "averageRating": 3.5},
        {"month": "2026-02", "reviews": 1, "averageRating": 4.0},
    ]
    # and February alone: 4 of its paid orders, two of them reviewed
    february = {"since": "2026-02-01T00:00:00+00:00", "until": "2026-03-01T00:00:00+00:00"}
    data = driver.query(REVIEW_FIGURES, february, token=driver.staff_token())
    assert data["retentionAnalytics"]["reviewRate"] == {"part": 2, "whole": 4, "rate": 0.5}


SEGMENT_SAVE = """mutation($name: String, $rules: CustomerSegmentRulesInput, $id: ID) {
    customerSegmentSave(name: $name, rules: $rules, id: $id) {
        segment { id count rules { stages ordersAtLeast } }
        errors { field message code } } }"""
SEGMENT_PAGE = """query($id: ID!, $first: Int, $after: String) { customerSegment(id: $id) {
    count csv customers(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { customer { email } paidOrders } } } } }"""


def test_a_segment_counts_lists_pages_and_exports_its_customers(five_customers):
    driver, _customers = five_customers
    staff = driver.staff_token()

    # when staff save "repeat customers with three orders or more"
    rules = {"stages": ["REPEAT"], "ordersAtLeast": 3}
    payload = driver.mutate(
        "customerSegmentSave", SEGMENT_SAVE, {"name": "Regulars", "rules": rules}, token=staff
    )
    segment = payload["segment"]
    assert segment["count"] == 3
    assert segment["rules"] == {"stages": ["REPEAT"], "ordersAtLeast": 3}

    # then its customers come two per page, in customer order, with a total count
    page = driver.query(SEGMENT_PAGE, {"id": segment["id"], "first": 2}, token=staff)
    customers = page["customerSegment"]["customers"]
    assert customers["totalCount"] == 3
    assert [e["node"]["customer"]["email"] for e in customers["edges"]] == [
        "c3@example.com",
        "c4@example.com",
    ]
    assert customers["pageInfo"]["hasNextPage"] is True
    rest = driver.query(
        SEGMENT_PAGE,
        {"id": segment["id"], "first": 2, "after": customers["pageInfo"]["endCursor"]},
        token=staff,
    )["customerSegment"]["customers"]
    assert [e["node"]["customer"]["email"] for e in rest["edges"]] == ["c5@example.com"]
    assert rest["pageInfo"]["hasNextPage"] is False
    # and the CSV has a header and the three customers
    lines = page["customerSegment"]["csv"].strip().splitlines()
    assert lines[0].startswith("customer_id,email,")
    assert [line.split(",")[1] for line in lines[1:]] == [
        "c3@example.com",
        "c4@example.com",
        "c5@example.com",
    ]
    # and more than 100 per page is refused
    body = driver.execute(SEGMENT_PAGE, {"id": segment["id"], "first": 101}, token=staff)
    assert body["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"
    assert body["errors"][0]["extensions"]["field"] == "first"


def test_bad_segment_rules_come_back_as_typed_errors_and_save_nothing(five_customers):
    driver, _customers = five_customers
    staff = driver.staff_token()
    for rules, field in (
        ({"birthdayMonth": 13}, "rules.birthdayMonth"),
        ({"spentAtLeast": "10"}, "rules.spentCurrency"),
        (
            {
                "lastOrderAfter": "2026-03-01T00:00:00+00:00",
                "lastOrderBefore": "2026-01-01T00:00:00+00:00",
            },
            "rules.lastOrderAfter",
        ),
    ):
        payload = driver.mutate(
            "customerSegmentSave",
            SEGMENT_SAVE,
            {"name": "Bad", "rules": rules},
            token=staff,
            expect_errors=True,
        )
        assert payload["segment"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "INVALID")]
    assert Segment.objects.count() == 0
    # an empty name is refused too
    payload = driver.mutate(
        "customerSegmentSave", SEGMENT_SAVE, {"name": " "}, token=staff, expect_errors=True
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("name", "REQUIRED")]
    assert Segment.objects.count() == 0


NOTE = """mutation($c: ID!, $body: String!) { customerNoteAdd(customerId: $c, body: $body) {
    note { id body } errors { field code } } }"""
TAG = """mutation($c: ID!, $tag: String!) { customerTagAdd(customerId: $c, tag: $tag) {
    tags errors { field code } } }"""
CONTACT = """mutation($c: ID!, $summary: String!, $at: DateTime) {
    customerContactLog(customerId: $c, channel: PHONE, summary: $summary,
                       response: "Wants a smaller size", contactedAt: $at) {
        contact { channel summary response } errors { field code } } }"""


def test_staff_keep_notes_tags_and_a_contact_log_with_typed_errors(retention_on):
    driver = retention_on
    staff = driver.staff_token()
    customer = driver.account_register("mei@example.com")

    # when staff write a note, tag her twice with the same tag, and log a call
    driver.mutate(
        "customerNoteAdd", NOTE, {"c": customer, "body": "Prefers <b>green</b> tea"}, token=staff
    )
    driver.mutate("customerTagAdd", TAG, {"c": customer, "tag": "VIP "}, token=staff)
    tags = driver.mutate("customerTagAdd", TAG, {"c": customer, "tag": "vip"}, token=staff)
    driver.mutate(
        "customerContactLog",
        CONTACT,
        {"c": customer, "summary": "Called about a return"},
        token=staff,
    )

    # then her file shows them: the note as plain text, one tag, the call with her answer
    file = file_of(driver, customer)
    assert [e["node"]["body"] for e in file["notes"]["edges"]] == ["Prefers green tea"]
    assert tags["tags"] == file["tags"] == ["vip"]
    assert [e["node"] for e in file["contacts"]["edges"]] == [
        {"channel": "PHONE", "summary": "Called about a return", "response": "Wants a smaller size"}
    ]

    # and bad input changes nothing: an empty note, an unknown customer, a future call
    before = (CustomerNote.objects.count(), ContactLogEntry.objects.count())
    bad = driver.mutate(
        "customerNoteAdd", NOTE, {"c": customer, "body": "  "}, token=staff, expect_errors=True
    )
    assert bad["errors"] == [{"field": "body", "code": "REQUIRED"}]
    bad = driver.mutate(
        "customerNoteAdd",
        NOTE,
        {"c": gid("User", 999999), "body": "x"},
        token=staff,
        expect_errors=True,
    )
    assert bad["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    bad = driver.mutate(
        "customerContactLog",
        CONTACT,
        {"c": customer, "summary": "x", "at": future},
        token=staff,
        expect_errors=True,
    )
    assert bad["errors"] == [{"field": "contactedAt", "code": "INVALID"}]
    assert (CustomerNote.objects.count(), ContactLogEntry.objects.count()) == before


def test_only_staff_who_manage_users_see_files_segments_and_analytics(retention_on):
    driver = retention_on
    customer = driver.account_register("mei@example.com")
    shopper = driver.token_create("mei@example.com", "customer-password")
    clerk = create_customer("clerk@example.com", "clerk-password")
    clerk.is_staff = True
    clerk.save()
    clerk_token = driver.token_create("clerk@example.com", "clerk-password")

    # a shopper sees none of her own file or scores
    me = driver.query("{ me { customerFile { stage rfm { group } } } }", token=shopper)
    assert me["me"]["customerFile"] is None
    # staff without MANAGE_USERS, the shopper and anonymous callers get no analytics or segments
    for token in (clerk_token, shopper, None):
        body = driver.execute("{ retentionAnalytics { repeatPurchaseRate { rate } } }", token=token)
        assert body["errors"] and body["data"] is None
        body = driver.execute("{ customerSegments(first: 5) { totalCount } }", token=token)
        assert body["errors"]
        payload = driver.mutate(
            "customerNoteAdd", NOTE, {"c": customer, "body": "x"}, token=token, expect_errors=True
        )
        assert payload["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    assert CustomerNote.objects.count() == 0
    # staff who manage users do
    assert file_of(driver, customer)["stage"] == "POTENTIAL"


def test_a_deleted_customer_loses_file_notes_contacts_and_scores_and_aggregates_follow(
    five_customers,
):
    driver, customers = five_customers
    staff = driver.staff_token()
    fifth = customers[5]
    driver.mutate("customerNoteAdd", NOTE, {"c": fifth, "body": "Big spender"}, token=staff)
    driver.mutate(
        "customerContactLog", CONTACT, {"c": fifth, "summary": "Thank-you call"}, token=staff
    )
    segment = driver.mutate(
        "customerSegmentSave",
        SEGMENT_SAVE,
        {"name": "Repeat", "rules": {"stages": ["REPEAT"]}},
        token=staff,
    )["segment"]
    assert segment["count"] == 4

    # when staff delete her through Saleor
    driver.mutate(
        "customerDelete",
        "mutation($id: ID!) { customerDelete(id: $id) { errors { field message } } }",
        {"id": fifth},
        token=staff,
    )

    # then everything insight held about her is gone
    pk = pk_of(fifth)
    for model in (CustomerFile, CustomerNote, ContactLogEntry, StageChange):
        assert not model.objects.filter(customer_id=pk).exists()
    # and the aggregates count the four left
    data = driver.query(
        "query($id: ID!) { customerSegment(id: $id) { count } "
        "retentionAnalytics { repeatPurchaseRate { part whole } } }",
        {"id": segment["id"]},
        token=staff,
    )
    assert data["customerSegment"]["count"] == 3
    assert data["retentionAnalytics"]["repeatPurchaseRate"] == {"part": 3, "whole": 4}


def test_celery_beat_gets_every_periodic_job_from_the_plugin():
    from saleor.celeryconf import app

    # the daily ledger, cards, birthdays, stale holds, retries and the nightly rebuild
    assert set(BEAT_SCHEDULE) <= set(app.conf.beat_schedule)
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "saleor_retention.ledger_daily",
        "saleor_retention.cards_daily",
        "saleor_retention.ledger_birthdays",
        "saleor_retention.retry_events",
        "saleor_retention.release_stale_holds",
        "saleor_retention.insight_rebuild",
    } <= tasks
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


LIST = """query($id: ID!) { customerSegment(id: $id) { customers(first: 10) { totalCount
    edges { node { customer { email } stage paidOrders tags rfm { group }
                   spends { currency totalSpent { amount } } } } } } }"""


def test_a_segment_page_costs_the_same_queries_for_two_customers_or_five(five_customers):
    driver, _customers = five_customers
    staff = driver.staff_token()
    few = driver.mutate(
        "customerSegmentSave",
        SEGMENT_SAVE,
        {"name": "Few", "rules": {"ordersAtLeast": 4}},
        token=staff,
    )["segment"]
    many = driver.mutate(
        "customerSegmentSave", SEGMENT_SAVE, {"name": "All", "rules": {}}, token=staff
    )["segment"]
    TAG_ONE = {"c": _customers[5], "tag": "vip"}
    driver.mutate("customerTagAdd", TAG, TAG_ONE, token=staff)

    def count(segment_id):
        with CaptureQueriesContext(connection) as captured:
            data = driver.query(LIST, {"id": segment_id}, token=staff)
        return len(captured.captured_queries), data["customerSegment"]["customers"]

    # when staff list a segment of two and one of five
    short, two = count(few["id"])
    long, five = count(many["id"])

    # then both pages cost the same number of queries
    assert (two["totalCount"], five["totalCount"]) == (2, 5)
    assert long == short


def test_demo_insight_story_shows_her_file_a_segment_count_and_the_repeat_rate(retention_on):
    from saleor_retention_site.demo_insight import insight_story

    # given a shopper with two paid orders
    driver = retention_on
    driver.account_register("mei@example.com")
    token = driver.token_create("mei@example.com", "customer-password")
    driver.buy(email="mei@example.com", token=token)
    driver.buy(email="mei@example.com", token=token)
    lines: list[str] = []

    # when the demo's insight chapter runs
    insight_story(driver, token, lines.append)

    # then it shows her stage and spend, that she cannot see it, a segment count and the rate
    text = "\n".join(lines)
    assert "stage REPEAT since" in text
    assert "spent 60.0 USD over 2 orders (average 30.0)" in text
    assert "she asks for her own file: None" in text
    assert "customers now" in text and ": 1 customers now" in text
    assert "repeat purchase rate: 1 of 1 buyers = 1.0" in text


PREVIEW = """query($rules: CustomerSegmentRulesInput!) {
    customerSegmentPreview(rules: $rules, first: 10) { totalCount } }"""


def test_each_segment_rule_selects_the_hand_counted_customers(five_customers):
    from datetime import date

    from saleor_retention.bonuses.models import CustomerBirthday
    from saleor_retention.reviews.models import Review

    driver, customers = five_customers
    staff = driver.staff_token()
    # given a birthday in May for the first, an unanswered complaint by the second, a tag on the
    # fifth (last orders: 1st day 0, 2nd day 3, 3rd day 10, 4th day 23, 5th day 44)
    CustomerBirthday.objects.create(
        customer_id=pk_of(customers[1]), birthday=date(1990, 5, 4), changed_at=START
    )
    Review.objects.create(
        product_id=str(driver.store.product_id),
        customer_id=pk_of(customers[2]),
        source="unverified",
        rating=1,
        is_complaint=True,
    )
    driver.mutate("customerTagAdd", TAG, {"c": customers[5], "tag": "vip"}, token=staff)

    def count(rules):
        data = driver.query(PREVIEW, {"rules": rules}, token=staff)
        return data["customerSegmentPreview"]["totalCount"]

    # then each rule counts what the fixture says
    assert count({"spentAtLeast": "90", "spentCurrency": "USD"}) == 3
    assert count({"lastOrderBefore": (START + timedelta(days=5)).isoformat()}) == 2
    assert count({"lastOrderAfter": (START + timedelta(days=20)).isoformat()}) == 2
    assert count({"categories": ["tea"]}) == 5
    assert count({"categories": ["cameras"]}) == 0
    assert count({"birthdayMonth": 5}) == 1
    assert count({"hasOpenComplaint": True}) == 1
    assert count({"hasOpenComplaint": False}) == 4
    assert count({"tags": ["vip"]}) == 1
    assert count({"topSpender": True}) == 1
    assert count({"rfmGroups": ["HIBERNATING"]}) == 2
    assert count({"tiers": [""]}) == 5  # no tiers configured: every member is below the first
    assert count({"languages": ["zh"]}) == 0
    # and conditions combine: repeat, spent 90 or more, tagged vip
    assert (
        count({"stages": ["REPEAT"], "spentAtLeast": "90", "spentCurrency": "USD", "tags": ["vip"]})
        == 1
    )
    # an answered complaint is no longer open
    Review.objects.filter(is_complaint=True).update(merchant_reply="Sorry", replied_at=START)
    assert count({"hasOpenComplaint": True}) == 0


NODE = """query($id: ID!) { node(id: $id) { __typename id } }"""
NOTE_PAGE = """query($id: ID!, $after: String) { user(id: $id) { customerFile {
    id notes(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor }
                                        edges { node { body } } }
    stageHistory(first: 5) { totalCount edges { node { toStage } } } } } }"""


def test_insight_rows_are_nodes_for_staff_only_and_notes_page_by_cursor(five_customers):
    driver, customers = five_customers
    staff = driver.staff_token()
    customer = customers[5]
    # given two notes, a logged call and a saved segment
    notes = [
        driver.mutate("customerNoteAdd", NOTE, {"c": customer, "body": b}, token=staff)["note"]
        for b in ("first", "second")
    ]
    contact = driver.mutate(
        "customerContactLog",
        """mutation($c: ID!) { customerContactLog(customerId: $c, channel: EMAIL, summary: "Hi")
           { contact { id } errors { field code } } }""",
        {"c": customer},
        token=staff,
    )["contact"]
    segment = driver.mutate(
        "customerSegmentSave", SEGMENT_SAVE, {"name": "All", "rules": {}}, token=staff
    )["segment"]

    # when staff page her notes one at a time
    first = driver.query(NOTE_PAGE, {"id": customer}, token=staff)["user"]["customerFile"]
    cursor = first["notes"]["pageInfo"]["endCursor"]
    second = driver.query(NOTE_PAGE, {"id": customer, "after": cursor}, token=staff)
    second = second["user"]["customerFile"]

    # then newest first, two in all, the second page the last one
    assert first["notes"]["totalCount"] == 2
    assert first["notes"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["body"] for e in first["notes"]["edges"]] == ["second"]
    assert [e["node"]["body"] for e in second["notes"]["edges"]] == ["first"]
    assert second["notes"]["pageInfo"]["hasNextPage"] is False
    assert first["stageHistory"]["totalCount"] >= 1

    # and node(id:) fetches each row (ids as the mutations take them) for staff only
    ids = {
        "CustomerFile": first["id"],
        "CustomerNote": notes[0]["id"],
        "CustomerContact": contact["id"],
        "CustomerSegment": segment["id"],
    }
    shopper = driver.token_create("c5@example.com", "customer-password")
    for type_name, global_id in ids.items():
        assert driver.query(NODE, {"id": global_id}, token=staff)["node"] == {
            "__typename": type_name,
            "id": global_id,
        }
        assert driver.query(NODE, {"id": global_id}, token=shopper)["node"] is None
        assert driver.query(NODE, {"id": global_id})["node"] is None
    deleted = driver.mutate(
        "customerNoteDelete",
        """mutation($id: ID!) { customerNoteDelete(id: $id) { errors { field code } } }""",
        {"id": ids["CustomerNote"]},
        token=staff,
    )
    assert deleted["errors"] == []


def test_a_customer_holds_at_most_100_tags(retention_on):
    driver = retention_on
    staff = driver.staff_token()
    customer = driver.account_register("tags@example.com")
    # given a customer with 100 tags already
    CustomerTag.objects.bulk_create(
        CustomerTag(customer_id=int(pk_of(customer)), tag=f"t{i:03}") for i in range(100)
    )

    # when staff add a 101st, and one she has
    refused = driver.mutate(
        "customerTagAdd", TAG, {"c": customer, "tag": "one more"}, token=staff, expect_errors=True
    )
    again = driver.mutate("customerTagAdd", TAG, {"c": customer, "tag": "t000"}, token=staff)

    # then the new one is refused and nothing changes; the known one is a no-op as before
    assert refused["errors"] == [{"field": "tag", "code": "CAP_REACHED"}]
    assert len(again["tags"]) == 100
    assert CustomerTag.objects.filter(customer_id=int(pk_of(customer))).count() == 100


def test_per_month_analytics_refuse_more_than_36_months_or_a_reversed_range(retention_on):
    driver = retention_on
    query = """query($since: DateTime!, $until: DateTime!) { retentionAnalytics {
        churn(since: $since, until: $until) { month } } }"""

    # when staff ask for 37 months, then for a range that ends before it starts
    long = driver.execute(
        query,
        {"since": "2023-01-01T00:00:00+00:00", "until": "2026-01-15T00:00:00+00:00"},
        token=driver.staff_token(),
    )
    reversed_range = driver.execute(
        query,
        {"since": "2026-02-01T00:00:00+00:00", "until": "2026-01-01T00:00:00+00:00"},
        token=driver.staff_token(),
    )
    fits = driver.query(
        query,
        {"since": "2023-02-01T00:00:00+00:00", "until": "2026-01-15T00:00:00+00:00"},
        token=driver.staff_token(),
    )

    # then both are typed refusals on until; 36 months fit
    for body in (long, reversed_range):
        assert body["errors"][0]["extensions"]["field"] == "until"
        assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert len(fits["retentionAnalytics"]["churn"]) == 36


SEGMENT_COUNTS = """query($id: ID!) { customerSegment(id: $id) { count counted countedAt } }"""


def test_the_nightly_rebuild_counts_every_saved_segment(five_customers):
    from saleor_retention.insight.models import Segment

    driver, _customers = five_customers
    staff = driver.staff_token()
    # given two saved segments, not yet counted by a night's run
    regulars = driver.mutate(
        "customerSegmentSave",
        SEGMENT_SAVE,
        {"name": "Regulars", "rules": {"stages": ["REPEAT"], "ordersAtLeast": 3}},
        token=staff,
    )["segment"]
    everyone = driver.mutate(
        "customerSegmentSave", SEGMENT_SAVE, {"name": "All", "rules": {}}, token=staff
    )["segment"]
    before = driver.query(SEGMENT_COUNTS, {"id": regulars["id"]}, token=staff)
    assert before["customerSegment"]["counted"] is None
    # and one whose stored rules this version no longer reads
    Segment.objects.create(name="Old", rules={"stages": ["NO_SUCH_STAGE"]})

    # when the nightly rebuild runs
    with freeze_time(START + timedelta(days=40)):
        services.files_rebuild(settings=load_settings())

    # then each segment holds its count as of that run, the same as the live count
    for segment, size in ((regulars, 3), (everyone, 5)):
        data = driver.query(SEGMENT_COUNTS, {"id": segment["id"]}, token=staff)
        assert data["customerSegment"]["counted"] == data["customerSegment"]["count"] == size
        assert data["customerSegment"]["countedAt"].startswith(
            (START + timedelta(days=40)).date().isoformat()
        )
    # and the unreadable one has no count, without stopping the run
    assert Segment.objects.get(name="Old").counted is None
    assert Segment.objects.get(name="Old").counted_at is not None

    # when staff change a segment's rules, its night count is dropped until the next run
    changed = driver.mutate(
        "customerSegmentSave",
        SEGMENT_SAVE,
        {"id": regulars["id"], "rules": {"ordersAtLeast": 5}},
        token=staff,
    )["segment"]
    data = driver.query(SEGMENT_COUNTS, {"id": changed["id"]}, token=staff)["customerSegment"]
    assert (data["count"], data["counted"], data["countedAt"]) == (1, None, None)
