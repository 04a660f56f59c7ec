"""Reviews: hostile text through every text field comes back inert; a customer deleted through
Saleor's own ``customerDelete`` leaves anonymised reviews and takes their votes and reports; the
data export has their reviews; a category page of products with ``reviewSummary`` costs a
constant number of queries."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_retention.privacy import export_customer
from saleor_retention.reviews.models import Review, ReviewReport, ReviewRequest, ReviewVote
from saleor_retention_site.driver import gid
from tests.test_reviews import (
    MODERATE,
    REPLY,
    REPORT,
    VOTE,
    buy_and_ship,
    create_review,
    moderate,
    register,
)
from tests.xss_payloads import XSS_PAYLOADS, looks_inert

STAFF_VIEW = """query($filter: ReviewModerationFilterInput) {
  reviewModerationQueue(first: 100, filter: $filter) {
    edges { node { id title body moderationReason merchantReply { text }
      reports { reason } authorName status } }
  }
}"""


@pytest.fixture
def published_review(retention_on):
    driver = retention_on
    _c, token = register(driver, "xss-author@example.com")
    buy_and_ship(driver, "xss-author@example.com", token=token)
    review = create_review(driver, token, title="Fine", body="Fine tea")["review"]
    return driver, token, review["id"]


def test_every_xss_payload_through_every_review_text_field_comes_back_inert(retention_on):
    driver = retention_on
    driver.plugin_update(review_auto_publish_rating=0)  # all pending: rejectable
    staff = driver.staff_token()
    _r, reader = register(driver, "xss-reader@example.com")
    for n, payload in enumerate(XSS_PAYLOADS):
        email = f"xss{n}@example.com"
        _c, token = register(driver, email)
        buy_and_ship(driver, email, token=token)

        # title and body
        created = create_review(driver, token, title=payload, body=f"Tea {payload} tea")
        assert created["errors"] == [], payload
        review = created["review"]
        assert looks_inert(review["title"]) and looks_inert(review["body"]), payload

        # reject reason
        rejected = moderate(driver, review["id"], "REJECT", reason=payload or "x")
        if rejected["errors"]:  # a payload that cleans to nothing leaves a reason missing
            assert rejected["errors"][0]["code"] == "REQUIRED", payload
            rejected = moderate(driver, review["id"], "REJECT", reason=f"No {payload}")
        assert looks_inert(rejected["review"]["moderationReason"]), payload

        # merchant reply (on the review once published) and a shopper's report reason
        moderate(driver, review["id"], "APPROVE")
        reply = driver.mutate(
            "reviewReply", REPLY, {"id": review["id"], "text": f"Thanks {payload}"}, token=staff
        )
        assert looks_inert(reply["review"]["merchantReply"]["text"]), payload
        driver.mutate("reviewReport", REPORT, {"id": review["id"], "reason": payload}, token=reader)

    # and everything as staff read it back in the moderation list
    nodes = [
        edge["node"]
        for edge in driver.query(STAFF_VIEW, token=staff)["reviewModerationQueue"]["edges"]
    ]
    assert len(nodes) == len(XSS_PAYLOADS)
    for node in nodes:
        texts = [node["title"], node["body"], node["moderationReason"]]
        texts += [node["merchantReply"]["text"]] + [r["reason"] for r in node["reports"]]
        assert all(looks_inert(text) for text in texts), texts
    # stored text is inert too (what any other reader of the table gets)
    for title, body, reply in Review.objects.values_list("title", "body", "merchant_reply"):
        assert looks_inert(title) and looks_inert(body) and looks_inert(reply)
    assert all(
        looks_inert(reason) for reason in ReviewReport.objects.values_list("reason", flat=True)
    )


def test_import_author_names_are_inert_too(retention_on):
    driver = retention_on
    for payload in XSS_PAYLOADS:
        payload_result = driver.mutate(
            "reviewImport",
            """mutation($input: ReviewImportInput!) {
                reviewImport(input: $input) { review { authorName title body } errors { code } }
            }""",
            {
                "input": {
                    "product": gid("Product", driver.store.product_id),
                    "rating": 4,
                    "authorName": f"Li {payload}",
                    "title": payload,
                    "body": payload,
                }
            },
            token=driver.staff_token(),
        )
        review = payload_result["review"]
        assert all(looks_inert(review[key]) for key in ("authorName", "title", "body")), payload


CUSTOMER_DELETE = """mutation($id: ID!) {
  customerDelete(id: $id) { errors { field message } }
}"""


def test_a_deleted_customer_leaves_anonymised_reviews_and_their_votes_and_reports_go(
    published_review,
):
    driver, author_token, review_id = published_review
    # given another shopper who reviewed too, and voted on and reported the first review
    leaving, leaving_token = register(driver, "leaving@example.com")
    buy_and_ship(driver, "leaving@example.com", token=leaving_token)
    own = create_review(driver, leaving_token, rating=4, title="Mine")["review"]
    driver.mutate("reviewVote", VOTE, {"id": review_id}, token=leaving_token)
    driver.mutate("reviewReport", REPORT, {"id": review_id, "reason": "x"}, token=leaving_token)
    first = Review.objects.exclude(title="Mine").get()
    assert (first.helpful_count, first.report_count) == (1, 1)

    # the export holds their review, vote and report
    exported = export_customer(leaving)["reviews"]
    assert [r["title"] for r in exported["reviews"]] == ["Mine"]
    assert len(exported["helpful_votes_given"]) == 1 and len(exported["reports_made"]) == 1

    # when staff delete the customer through Saleor
    driver.mutate(
        "customerDelete", CUSTOMER_DELETE, {"id": gid("User", leaving)}, token=driver.staff_token()
    )

    # then their review stays, shown as a former customer, with no link to them
    mine = Review.objects.get(title="Mine")
    assert (mine.customer_id, mine.author_name, mine.author_erased) == (None, "", True)
    page = driver.query(
        """query($id: ID!) { product(id: $id) { reviews { edges { node { id authorName } } }
          reviewSummary { count } } }""",
        {"id": gid("Product", driver.store.product_id)},
    )["product"]
    names = {edge["node"]["id"]: edge["node"]["authorName"] for edge in page["reviews"]["edges"]}
    assert names[own["id"]] == "Former customer"
    assert page["reviewSummary"]["count"] == 2  # the rating keeps the review
    # and their vote and report are gone, the counters with them
    first.refresh_from_db()
    assert (first.helpful_count, first.report_count) == (0, 0)
    assert ReviewVote.objects.count() == ReviewReport.objects.count() == 0
    assert export_customer(leaving)["reviews"] == {
        "reviews": [],
        "helpful_votes_given": [],
        "reports_made": [],
        "review_requests": [],
    }
    # their requests are dropped: nobody asks a deleted customer for a review
    assert set(
        ReviewRequest.objects.filter(order_id=mine.order_id).values_list("status", "drop_reason")
    ) <= {("dropped", "customer_erased")}


def test_the_former_customer_label_is_translated(published_review):
    driver, author_token, review_id = published_review
    author = Review.objects.get()
    driver.mutate(
        "customerDelete",
        CUSTOMER_DELETE,
        {"id": gid("User", author.customer_id)},
        token=driver.staff_token(),
    )
    response = driver.client.post(
        "/graphql/",
        {
            "query": "query($id: ID!) { product(id: $id) { reviews { edges { node { authorName } } } } }",
            "variables": {"id": gid("Product", driver.store.product_id)},
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    edges = response.json()["data"]["product"]["reviews"]["edges"]
    assert edges[0]["node"]["authorName"] == "前顾客"


# --- query counts ----------------------------------------------------------------------------

CATEGORY_PAGE = """query($first: Int!) {
  products(first: $first) {
    edges { node { id name reviewSummary { averageRating count distribution { rating count } }
      reviewJsonLd } }
  }
}"""


def make_products(store, count):
    """Extra products in the store's category, each with a published review and its rating."""
    from saleor.product.models import Product

    from saleor_retention.reviews.models import ProductRating

    template = Product.objects.get(pk=store.product_id)
    for n in range(count):
        product = Product.objects.create(
            name=f"Tea {n}",
            slug=f"tea-{n}-{Product.objects.count()}",
            product_type=template.product_type,
            category=template.category,
            price_amount=Decimal("10"),
            minimal_variant_price_amount=Decimal("10"),
            currency="USD",
            is_published=True,
        )
        ProductRating.objects.create(
            product_id=str(product.pk), count=2, rating_sum=7, stars_3=1, stars_4=1
        )
        for rating in (3, 4):
            Review.objects.create(
                product_id=str(product.pk),
                source="imported",
                author_name="Li W.",
                rating=rating,
                title=f"{rating} stars",
                status="published",
            )


def test_a_category_page_of_100_products_reads_every_summary_in_constant_queries(retention_on):
    driver = retention_on

    def queries_for(first):
        with CaptureQueriesContext(connection) as captured:
            data = driver.query(CATEGORY_PAGE, {"first": first})
        nodes = [edge["node"] for edge in data["products"]["edges"]]
        assert len(nodes) == first
        return len(captured.captured_queries), nodes

    make_products(driver.store, 9)
    ten, nodes = queries_for(10)
    make_products(driver.store, 90)
    hundred, nodes = queries_for(100)

    # then 100 products cost what 10 do (one query for all their ratings)
    assert hundred == ten
    rated = [node for node in nodes if node["reviewSummary"]["count"]]
    assert len(rated) == 99
    assert rated[0]["reviewSummary"]["averageRating"] == 3.5
    markup = json.loads(rated[0]["reviewJsonLd"])
    assert markup["aggregateRating"]["ratingValue"] == "3.5"
    assert sorted(review["name"] for review in markup["review"]) == ["3 stars", "4 stars"]


def test_shopper_moderation_and_staff_list_are_refused_to_shoppers(published_review):
    driver, author_token, review_id = published_review
    body = driver.execute(STAFF_VIEW, token=author_token)
    assert body["errors"] and body["data"] == {"reviewModerationQueue": None}
    refused = driver.mutate(
        "reviewModerate",
        MODERATE,
        {"id": review_id, "action": "REMOVE"},
        token=author_token,
        expect_errors=True,
    )
    assert refused["errors"][0]["code"] == "PERMISSION_DENIED"


ACCOUNT_UPDATE = """mutation($input: AccountInput!) {
  accountUpdate(input: $input) { user { firstName } errors { field message } }
}"""


def test_a_hostile_account_name_shows_inert_on_the_review(retention_on):
    # The author's name comes from fields the shopper typed into their Saleor account.
    driver = retention_on
    for n, payload in enumerate(XSS_PAYLOADS[:8]):
        email = f"named{n}@example.com"
        _c, token = register(driver, email)
        driver.mutate(
            "accountUpdate",
            ACCOUNT_UPDATE,
            {"input": {"firstName": payload[:30], "lastName": "<b>Lin</b>"}},
            token=token,
        )
        buy_and_ship(driver, email, token=token)
        review = create_review(driver, token)["review"]
        assert looks_inert(review["authorName"]), payload
