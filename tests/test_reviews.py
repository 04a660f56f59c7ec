"""Verified reviews (issue 5): who may review, moderation, review points through the ledger,
votes and reports, staff import and reply, the product's rating and its JSON-LD, all driven
through Saleor's GraphQL like a storefront and the dashboard."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from saleor_retention.inbox.models import PluginEvent
from saleor_retention.inbox.services import process_event
from saleor_retention.ledger.models import EntryType, LedgerEntry, LoyaltyAccount
from saleor_retention.reviews import services
from saleor_retention.reviews.models import (
    ProductRating,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRequest,
    ReviewVote,
)
from saleor_retention_site.driver import gid, pk_of
from saleor_retention_site.store import create_customer
from tests.connections import nodes
from tests.replay import replay_everything

REVIEW_FIELDS = """id productId rating title body status source isVerified authorName variantName
    helpfulCount isMine isComplaint moderationReason points reportCount
    merchantReply { text } photos { url thumbnailUrl width height }"""
CREATE = f"""mutation($input: ReviewCreateInput!) {{
  reviewCreate(input: $input) {{ review {{ {REVIEW_FIELDS} }} errors {{ field code message }} }}
}}"""
UPDATE = f"""mutation($id: ID!, $input: ReviewUpdateInput!) {{
  reviewUpdate(id: $id, input: $input) {{ review {{ {REVIEW_FIELDS} }} errors {{ field code }} }}
}}"""
MODERATE = f"""mutation($id: ID!, $action: ReviewModerationAction, $reason: String,
    $isComplaint: Boolean) {{
  reviewModerate(id: $id, action: $action, reason: $reason, isComplaint: $isComplaint) {{
    review {{ {REVIEW_FIELDS} }} errors {{ field code message }}
  }}
}}"""
REPLY = """mutation($id: ID!, $text: String!) {
  reviewReply(id: $id, text: $text) { review { merchantReply { text } } errors { field code } }
}"""
VOTE = """mutation($id: ID!, $helpful: Boolean) {
  reviewVote(id: $id, helpful: $helpful) { review { helpfulCount } errors { field code } }
}"""
REPORT = """mutation($id: ID!, $reason: String) {
  reviewReport(id: $id, reason: $reason) { review { id } errors { field code } }
}"""
IMPORT = f"""mutation($input: ReviewImportInput!) {{
  reviewImport(input: $input) {{ review {{ {REVIEW_FIELDS} }} errors {{ field code }} }}
}}"""
PRODUCT = """query($id: ID!, $first: Int, $after: String, $filter: ReviewFilterInput,
    $sortBy: ReviewSortingInput) {
  product(id: $id) {
    reviewSummary { averageRating count distribution { rating count } }
    reviews(first: $first, after: $after, filter: $filter, sortBy: $sortBy) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id rating status isMine authorName } }
    }
  }
}"""
MY_REVIEWS = "{ me { reviews { edges { node { id status rating points } } } } }"
BALANCE = "{ me { loyalty { points } } }"


def register(driver, email):
    customer = pk_of(driver.account_register(email))
    return customer, driver.token_create(email, "customer-password")


def buy_and_ship(driver, email, token=None):
    """A storefront checkout charged at once, then staff ship it; returns the order's id."""
    order = driver.buy(email=email, token=token)
    driver.order_fulfill(order["id"])
    return order["id"]


def product_gid(driver):
    return gid("Product", driver.store.product_id)


def create_review(driver, auth, expect_errors=True, **fields):
    """reviewCreate as the shopper signed in with ``auth`` (None: anonymous)."""
    data = {"product": product_gid(driver), "rating": 5, "title": "Lovely", "body": "Fresh."}
    data.update(fields)
    return driver.mutate(
        "reviewCreate", CREATE, {"input": data}, token=auth, expect_errors=expect_errors
    )


def moderate(driver, review_id, action=None, **extra):
    return driver.mutate(
        "reviewModerate",
        MODERATE,
        {"id": review_id, "action": action, **extra},
        token=driver.staff_token(),
        expect_errors=True,
    )


def product_page(driver, token=None, **variables):
    return driver.query(PRODUCT, {"id": product_gid(driver), **variables}, token=token)["product"]


def state():
    """Everything a refusal must leave alone."""
    return (
        list(Review.objects.order_by("pk").values_list()),
        list(ReviewPhoto.objects.order_by("pk").values_list()),
        list(ReviewVote.objects.order_by("pk").values_list()),
        list(ReviewReport.objects.order_by("pk").values_list()),
        list(ReviewRequest.objects.order_by("pk").values_list("order_line_id", "status")),
        list(ProductRating.objects.order_by("pk").values_list("product_id", "count", "rating_sum")),
        list(LedgerEntry.objects.order_by("pk").values_list("idempotency_key", "points")),
    )


def review_rewards(customer_id):
    return list(
        LedgerEntry.objects.filter(account__customer_id=customer_id)
        .filter(type__in=[EntryType.REVIEW_REWARD, EntryType.REVERSAL])
        .order_by("pk")
        .values_list("type", "points")
    )


@pytest.fixture
def reviews_on(retention_on):
    retention_on.plugin_update(review_points=20, review_photo_bonus_points=10)
    return retention_on


# --- the whole flow --------------------------------------------------------------------------


def test_buyer_review_is_published_earns_points_once_and_removal_takes_them_back(reviews_on):
    driver = reviews_on
    customer, token = register(driver, "mei@example.com")
    buy_and_ship(driver, "mei@example.com", token=token)
    points_before = driver.query(BALANCE, token=token)["me"]["loyalty"]["points"]

    # when the buyer reviews the product she received, with five stars
    payload = create_review(driver, token, rating=5, title="Lovely tea")

    # then it is published at once, verified, with the variant bought, and earns the points
    assert payload["errors"] == []
    review = payload["review"]
    assert (review["status"], review["source"], review["isVerified"]) == (
        "PUBLISHED",
        "VERIFIED",
        True,
    )
    assert review["variantName"] == "100 g"
    assert review["points"] == 20
    assert driver.query(BALANCE, token=token)["me"]["loyalty"]["points"] == points_before + 20
    summary = product_page(driver)["reviewSummary"]
    assert (summary["averageRating"], summary["count"]) == (5.0, 1)
    assert summary["distribution"][4] == {"rating": 5, "count": 1}

    # when every hook and event is replayed and staff approve it again
    replay_everything()
    assert moderate(driver, review["id"], "APPROVE")["errors"][0]["code"] == "ALREADY_DONE"

    # then the points were still credited once (wpswings#104: once per business event)
    assert review_rewards(customer) == [(EntryType.REVIEW_REWARD, 20)]

    # when staff remove the review
    removed = moderate(driver, review["id"], "REMOVE", reason="Off topic")

    # then its points are taken back and the rating forgets it
    assert removed["errors"] == []
    assert removed["review"]["status"] == "REMOVED"
    assert removed["review"]["points"] == 0
    assert review_rewards(customer) == [(EntryType.REVIEW_REWARD, 20), (EntryType.REVERSAL, -20)]
    assert driver.query(BALANCE, token=token)["me"]["loyalty"]["points"] == points_before
    assert product_page(driver)["reviewSummary"]["count"] == 0

    # when staff publish it again, it earns nothing a second time; removing again takes nothing
    assert moderate(driver, review["id"], "APPROVE")["review"]["status"] == "PUBLISHED"
    assert moderate(driver, review["id"], "REMOVE")["review"]["status"] == "REMOVED"
    assert review_rewards(customer) == [(EntryType.REVIEW_REWARD, 20), (EntryType.REVERSAL, -20)]


def test_one_star_and_five_star_reviews_earn_the_same_points(reviews_on):
    # Platform rules forbid paying only for positive reviews (anchors.md: review incentives).
    driver = reviews_on
    driver.plugin_update(review_auto_publish_rating=1)
    low, low_token = register(driver, "low@example.com")
    high, high_token = register(driver, "high@example.com")
    buy_and_ship(driver, "low@example.com", token=low_token)
    buy_and_ship(driver, "high@example.com", token=high_token)

    # when one buyer gives one star and the other five
    one = create_review(driver, low_token, rating=1, title="Not for me")["review"]
    five = create_review(driver, high_token, rating=5)["review"]

    # then both are published and earn the same points
    assert one["status"] == five["status"] == "PUBLISHED"
    assert review_rewards(low) == review_rewards(high) == [(EntryType.REVIEW_REWARD, 20)]
    summary = product_page(driver)["reviewSummary"]
    assert (summary["averageRating"], summary["count"]) == (3.0, 2)


def test_a_low_rating_waits_for_moderation_and_earns_on_approval(reviews_on):
    driver = reviews_on  # default policy: publish at once from 4 stars
    customer, token = register(driver, "wait@example.com")
    buy_and_ship(driver, "wait@example.com", token=token)

    # when the buyer gives two stars
    review = create_review(driver, token, rating=2)["review"]

    # then it waits, earns nothing yet, and other shoppers do not see it; its author does
    assert (review["status"], review["points"]) == ("PENDING", 0)
    assert review_rewards(customer) == []
    assert product_page(driver)["reviews"]["totalCount"] == 0
    mine = product_page(driver, token=token)["reviews"]["edges"]
    assert [(e["node"]["status"], e["node"]["isMine"]) for e in mine] == [("PENDING", True)]
    assert nodes(driver.query(MY_REVIEWS, token=token)["me"]["reviews"])[0]["status"] == "PENDING"

    # when staff approve it
    approved = moderate(driver, review["id"], "APPROVE")

    # then it is published and earns exactly what a five-star review would
    assert approved["review"]["status"] == "PUBLISHED"
    assert review_rewards(customer) == [(EntryType.REVIEW_REWARD, 20)]


def test_staff_reject_with_a_reason_which_the_author_sees(reviews_on):
    driver = reviews_on
    customer, token = register(driver, "rej@example.com")
    buy_and_ship(driver, "rej@example.com", token=token)
    review = create_review(driver, token, rating=3)["review"]

    # rejecting needs a reason
    before = state()
    refused = moderate(driver, review["id"], "REJECT")
    assert refused["errors"][0]["code"] == "REQUIRED"
    assert state() == before

    # when staff reject it with one
    rejected = moderate(driver, review["id"], "REJECT", reason="Please describe the tea")

    # then its author sees why; nothing was credited; it cannot be edited any more
    assert rejected["review"]["status"] == "REJECTED"
    mine = nodes(
        driver.query(
            "{ me { reviews { edges { node { status moderationReason points } } } } }", token=token
        )["me"]["reviews"]
    )
    assert mine == [
        {"status": "REJECTED", "moderationReason": "Please describe the tea", "points": 0}
    ]
    edit = driver.mutate(
        "reviewUpdate",
        UPDATE,
        {"id": review["id"], "input": {"rating": 5}},
        token=token,
        expect_errors=True,
    )
    assert edit["errors"][0]["code"] == "NOT_EDITABLE"
    assert review_rewards(customer) == []


def test_blocked_words_send_a_review_to_moderation_in_english_and_chinese(reviews_on):
    driver = reviews_on
    driver.plugin_update(review_blocked_words="scam, 垃圾")
    _a, token_a = register(driver, "blk-a@example.com")
    _b, token_b = register(driver, "blk-b@example.com")
    _c, token_c = register(driver, "blk-c@example.com")
    for email, token in (
        ("blk-a@example.com", token_a),
        ("blk-b@example.com", token_b),
        ("blk-c@example.com", token_c),
    ):
        buy_and_ship(driver, email, token=token)

    # then a blocked word in any case, or in Chinese, holds a five-star review back
    assert create_review(driver, token_a, body="What a SCAM!")["review"]["status"] == "PENDING"
    assert create_review(driver, token_b, body="这是垃圾茶")["review"]["status"] == "PENDING"
    # and a word that merely contains a blocked one does not
    assert create_review(driver, token_c, body="No scampi here")["review"]["status"] == (
        "PUBLISHED"
    )


def test_every_review_waits_when_auto_publishing_is_off(reviews_on):
    driver = reviews_on
    driver.plugin_update(review_auto_publish_rating=0)
    _c, token = register(driver, "manual@example.com")
    buy_and_ship(driver, "manual@example.com", token=token)
    assert create_review(driver, token, rating=5)["review"]["status"] == "PENDING"


# --- who may review --------------------------------------------------------------------------


def test_a_non_buyer_is_refused_and_nothing_changes(reviews_on):
    driver = reviews_on
    _c, token = register(driver, "browser@example.com")
    before = state()

    payload = create_review(driver, token)

    assert payload["review"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_A_BUYER", "product")]
    assert state() == before


def test_an_order_not_yet_shipped_does_not_make_a_buyer(reviews_on):
    driver = reviews_on
    _c, token = register(driver, "waiting@example.com")
    driver.buy(email="waiting@example.com", token=token)
    before = state()

    assert create_review(driver, token)["errors"][0]["code"] == "NOT_A_BUYER"
    assert state() == before


def test_one_review_per_order_line_and_a_second_purchase_allows_a_second(reviews_on):
    driver = reviews_on
    _c, token = register(driver, "twice@example.com")
    buy_and_ship(driver, "twice@example.com", token=token)
    assert create_review(driver, token)["errors"] == []
    before = state()

    # when she reviews the same purchase again
    duplicate = create_review(driver, token, title="Again")

    # then it is refused and nothing changes
    assert [e["code"] for e in duplicate["errors"]] == ["ALREADY_REVIEWED"]
    assert state() == before

    # a second shipped order of the product may be reviewed once more
    buy_and_ship(driver, "twice@example.com", token=token)
    assert create_review(driver, token, title="Second bag")["errors"] == []
    assert (
        Review.objects.filter(
            customer_id=pk_of(driver.query("{ me { id } }", token=token)["me"]["id"])
        ).count()
        == 2
    )


def test_the_unique_constraint_stops_a_second_review_of_the_same_line(db):
    # The database, not a check in Python, keeps one review per order line.
    from django.db import IntegrityError, transaction

    buyer = create_customer("line-buyer@example.com")
    Review.objects.create(
        product_id="1", order_line_id="77", source="verified", rating=4, customer=buyer
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            product_id="1", order_line_id="77", source="verified", rating=5, customer=buyer
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product_id="1", source="verified", rating=5, customer=buyer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product_id="1", source="unverified", rating=9, customer=buyer)


def test_non_buyers_review_unverified_once_when_the_store_allows_it(reviews_on):
    driver = reviews_on
    driver.plugin_update(reviews_accept_non_buyers=True)
    customer, token = register(driver, "curious@example.com")

    review = create_review(driver, token)["review"]

    assert (review["source"], review["isVerified"]) == ("UNVERIFIED", False)
    assert review["points"] == 20  # points do not depend on being a buyer either
    before = state()
    assert create_review(driver, token)["errors"][0]["code"] == "ALREADY_REVIEWED"
    assert state() == before
    # the verifiedOnly filter leaves it out
    page = product_page(driver, filter={"verifiedOnly": True})
    assert page["reviews"]["totalCount"] == 0


def test_an_anonymous_shopper_must_sign_in(reviews_on):
    before = state()
    payload = create_review(reviews_on, None)
    assert payload["errors"][0]["code"] == "NOT_SIGNED_IN"
    assert state() == before


def test_no_points_while_the_plugin_is_inactive(reviews_on):
    driver = reviews_on
    customer, token = register(driver, "quiet@example.com")
    buy_and_ship(driver, "quiet@example.com", token=token)
    driver.plugin_update(active=False)

    review = create_review(driver, token)["review"]

    assert review["status"] == "PUBLISHED"
    assert review_rewards(customer) == []


# --- guests through the signed review link --------------------------------------------------

REQUESTS_DUE = """{ reviewRequestsDue {
  edges { node { id orderId orderLineId productId customerId dueAt formUrl } } } }"""
REQUEST_INFO = """query($token: String!) {
  reviewRequest(token: $token) { productName variantName alreadyReviewed product { id name } }
}"""


def token_of(form_url):
    return form_url.split("token=", 1)[1]


def test_a_guest_buyer_reviews_through_the_signed_link(reviews_on):
    driver = reviews_on
    driver.plugin_update(
        review_request_days=0, review_form_url="https://shop.example/r?token={token}"
    )

    # given a guest order, shipped in full
    order_id = buy_and_ship(driver, "guest@example.com")

    # then staff see the due request with its signed link (no account behind it)
    due = nodes(driver.query(REQUESTS_DUE, token=driver.staff_token())["reviewRequestsDue"])
    assert len(due) == 1
    assert due[0]["orderId"] == order_id and due[0]["customerId"] is None
    assert due[0]["formUrl"].startswith("https://shop.example/r?token=")
    token = token_of(due[0]["formUrl"])

    # and the storefront can show what is to be reviewed
    info = driver.query(REQUEST_INFO, {"token": token})["reviewRequest"]
    assert info["productName"] == "Oolong 100 g" and info["variantName"] == "100 g"
    assert info["product"]["id"] == product_gid(driver) and info["alreadyReviewed"] is False

    # a forged or altered token proves nothing
    before = state()
    forged = create_review(driver, None, product=None, token=token[:-2] + "xx")
    assert forged["errors"][0]["code"] == "INVALID"
    assert driver.query(REQUEST_INFO, {"token": "nope"})["reviewRequest"] is None
    assert state() == before

    # when the guest sends the form without signing in
    payload = create_review(driver, None, product=None, token=token, rating=4)

    # then the review is verified, belongs to no account and earns nobody points
    assert payload["errors"] == []
    assert (payload["review"]["source"], payload["review"]["status"]) == ("VERIFIED", "PUBLISHED")
    assert payload["review"]["authorName"] == "Mei L."
    assert LedgerEntry.objects.filter(type=EntryType.REVIEW_REWARD).count() == 0
    # the link now says so, the request is no longer due, and the line cannot be reviewed twice
    assert driver.query(REQUEST_INFO, {"token": token})["reviewRequest"]["alreadyReviewed"]
    assert nodes(driver.query(REQUESTS_DUE, token=driver.staff_token())["reviewRequestsDue"]) == []
    assert create_review(driver, None, product=None, token=token)["errors"][0]["code"] == (
        "ALREADY_REVIEWED"
    )


def test_review_requests_are_staff_only(reviews_on):
    _c, token = register(reviews_on, "nosy@example.com")
    body = reviews_on.execute(REQUESTS_DUE, token=token)
    assert body["errors"] and body["data"] == {"reviewRequestsDue": None}


# --- votes, reports, update, reply, import --------------------------------------------------


def test_helpful_votes_and_reports_count_once_per_shopper(reviews_on):
    driver = reviews_on
    _a, author = register(driver, "author@example.com")
    buy_and_ship(driver, "author@example.com", token=author)
    review_id = create_review(driver, author)["review"]["id"]
    _r, reader = register(driver, "reader@example.com")

    # a vote counts once
    vote = driver.mutate("reviewVote", VOTE, {"id": review_id}, token=reader)
    assert vote["review"]["helpfulCount"] == 1
    before = state()
    again = driver.mutate("reviewVote", VOTE, {"id": review_id}, token=reader, expect_errors=True)
    assert again["errors"][0]["code"] == "ALREADY_DONE"
    own = driver.mutate("reviewVote", VOTE, {"id": review_id}, token=author, expect_errors=True)
    assert own["errors"][0]["code"] == "INVALID"
    anonymous = driver.mutate("reviewVote", VOTE, {"id": review_id}, expect_errors=True)
    assert anonymous["errors"][0]["code"] == "NOT_SIGNED_IN"
    assert state() == before
    # and can be taken back
    back = driver.mutate("reviewVote", VOTE, {"id": review_id, "helpful": False}, token=reader)
    assert back["review"]["helpfulCount"] == 0

    # a report counts once and staff see it
    driver.mutate("reviewReport", REPORT, {"id": review_id, "reason": "spam"}, token=reader)
    before = state()
    twice = driver.mutate(
        "reviewReport", REPORT, {"id": review_id, "reason": "x"}, token=reader, expect_errors=True
    )
    assert twice["errors"][0]["code"] == "ALREADY_DONE"
    assert state() == before
    assert Review.objects.get().report_count == 1


def test_the_author_edits_a_pending_review_only(reviews_on):
    driver = reviews_on
    _a, author = register(driver, "editor@example.com")
    _b, other = register(driver, "other@example.com")
    buy_and_ship(driver, "editor@example.com", token=author)
    review = create_review(driver, author, rating=2)["review"]

    before = state()
    stranger = driver.mutate(
        "reviewUpdate",
        UPDATE,
        {"id": review["id"], "input": {"rating": 1}},
        token=other,
        expect_errors=True,
    )
    assert stranger["errors"][0]["code"] == "NOT_FOUND"
    bad = driver.mutate(
        "reviewUpdate",
        UPDATE,
        {"id": review["id"], "input": {"rating": 7}},
        token=author,
        expect_errors=True,
    )
    assert bad["errors"][0]["code"] == "BAD_RATING"
    assert state() == before

    edited = driver.mutate(
        "reviewUpdate",
        UPDATE,
        {
            "id": review["id"],
            "input": {"rating": 3, "body": "Better brewed cooler", "isComplaint": True},
        },
        token=author,
    )["review"]
    assert (edited["rating"], edited["body"], edited["isComplaint"], edited["status"]) == (
        3,
        "Better brewed cooler",
        True,
        "PENDING",
    )


def test_staff_reply_import_and_complaint_flag(reviews_on):
    driver = reviews_on
    _a, author = register(driver, "replied@example.com")
    buy_and_ship(driver, "replied@example.com", token=author)
    review_id = create_review(driver, author)["review"]["id"]
    staff = driver.staff_token()

    # the store replies publicly
    reply = driver.mutate(
        "reviewReply", REPLY, {"id": review_id, "text": "Thank you!"}, token=staff
    )
    assert reply["review"]["merchantReply"] == {"text": "Thank you!"}
    # and flags it as a complaint without changing its status
    flagged = moderate(driver, review_id, isComplaint=True)["review"]
    assert (flagged["isComplaint"], flagged["status"]) == (True, "PUBLISHED")

    # shoppers cannot moderate, reply or import
    for name, document, variables in (
        ("reviewModerate", MODERATE, {"id": review_id, "action": "REMOVE"}),
        ("reviewReply", REPLY, {"id": review_id, "text": "hi"}),
        (
            "reviewImport",
            IMPORT,
            {"input": {"product": product_gid(driver), "rating": 5, "authorName": "X"}},
        ),
    ):
        before = state()
        refused = driver.mutate(name, document, variables, token=author, expect_errors=True)
        assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
        assert state() == before

    # an imported review is published, labelled, never verified and earns nothing
    imported = driver.mutate(
        "reviewImport",
        IMPORT,
        {
            "input": {
                "product": product_gid(driver),
                "rating": 3,
                "authorName": "Li W.",
                "body": "Ok",
            }
        },
        token=staff,
    )["review"]
    assert (imported["source"], imported["isVerified"], imported["status"]) == (
        "IMPORTED",
        False,
        "PUBLISHED",
    )
    assert imported["points"] == 0 and imported["authorName"] == "Li W."
    assert product_page(driver)["reviewSummary"]["count"] == 2
    assert LedgerEntry.objects.filter(type=EntryType.REVIEW_REWARD).count() == 1


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"rating": 0}, "BAD_RATING", "rating"),
        ({"rating": 6}, "BAD_RATING", "rating"),
        ({"title": "t" * 121}, "TOO_LONG", "title"),
        ({"body": "b" * 5001}, "TOO_LONG", "body"),
        ({"photos": [None] * 6}, "TOO_MANY_PHOTOS", "photos"),
        ({"product": gid("Product", 999999)}, "NOT_FOUND", "product"),
        ({"product": gid("Order", 1)}, "NOT_FOUND", "product"),
    ],
)
def test_bad_review_input_is_refused_with_a_typed_error_and_nothing_changes(
    reviews_on, fields, code, field
):
    driver = reviews_on
    _c, token = register(driver, "bad@example.com")
    buy_and_ship(driver, "bad@example.com", token=token)
    before = state()

    payload = create_review(driver, token, **fields)

    assert payload["review"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert state() == before


def test_a_minimum_body_length_is_enforced(reviews_on):
    driver = reviews_on
    driver.plugin_update(review_body_min_length=20)
    _c, token = register(driver, "short@example.com")
    buy_and_ship(driver, "short@example.com", token=token)
    before = state()
    assert create_review(driver, token, body="Too short")["errors"][0]["code"] == "TOO_SHORT"
    assert create_review(driver, token, body="")["errors"][0]["code"] == "REQUIRED"
    assert state() == before


# --- listing, sorting, paging ----------------------------------------------------------------


def test_product_reviews_filter_sort_and_page_with_cursors(reviews_on):
    driver = reviews_on
    driver.plugin_update(review_auto_publish_rating=1)
    tokens = []
    for n, rating in enumerate([3, 5, 1, 4]):
        _c, token = register(driver, f"list{n}@example.com")
        buy_and_ship(driver, f"list{n}@example.com", token=token)
        create_review(driver, token, rating=rating)
        tokens.append(token)
    # one helpful vote on the 1-star review
    low = Review.objects.get(rating=1)
    driver.mutate("reviewVote", VOTE, {"id": gid("Review", low.pk)}, token=tokens[0])

    def ratings(**variables):
        edges = product_page(driver, **variables)["reviews"]["edges"]
        return [edge["node"]["rating"] for edge in edges]

    assert ratings(sortBy={"field": "CREATED_AT", "direction": "DESC"}) == [4, 1, 5, 3]
    assert ratings(sortBy=HIGHEST) == [5, 4, 3, 1]
    assert ratings(sortBy={"field": "RATING", "direction": "ASC"}) == [1, 3, 4, 5]
    assert ratings(sortBy={"field": "HELPFUL_COUNT", "direction": "DESC"})[0] == 1
    assert ratings(filter={"rating": 5}) == [5]
    assert ratings(filter={"withPhotos": True}) == []

    first = product_page(driver, first=3, sortBy=HIGHEST)["reviews"]
    assert [e["node"]["rating"] for e in first["edges"]] == [5, 4, 3]
    assert first["pageInfo"]["hasNextPage"] is True and first["totalCount"] == 4
    rest = product_page(driver, first=3, after=first["pageInfo"]["endCursor"], sortBy=HIGHEST)
    assert [e["node"]["rating"] for e in rest["reviews"]["edges"]] == [1]
    assert rest["reviews"]["pageInfo"]["hasNextPage"] is False


HIGHEST = {"field": "RATING", "direction": "DESC"}
JSON_LD = "query($id: ID!) { product(id: $id) { reviewJsonLd } }"


def test_json_ld_has_aggregate_rating_with_best_and_worst_only_when_reviewed(reviews_on):
    driver = reviews_on

    # with no published review: a Product without AggregateRating (Google rejects a zero count)
    empty = json.loads(
        driver.query(JSON_LD, {"id": product_gid(driver)})["product"]["reviewJsonLd"]
    )
    assert empty["@type"] == "Product" and "aggregateRating" not in empty and "review" not in empty

    _c, token = register(driver, "ld@example.com")
    buy_and_ship(driver, "ld@example.com", token=token)
    create_review(driver, token, rating=4, title="Good <b>tea</b>", body="Floral")
    _p, pending_token = register(driver, "ld2@example.com")
    buy_and_ship(driver, "ld2@example.com", token=pending_token)
    create_review(driver, pending_token, rating=1)  # pending: not in the markup

    data = json.loads(driver.query(JSON_LD, {"id": product_gid(driver)})["product"]["reviewJsonLd"])

    # all-in-one-schemaorg#241: without bestRating/worstRating the markup is invalid
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "4",
        "reviewCount": "1",
        "bestRating": "5",
        "worstRating": "1",
    }
    assert len(data["review"]) == 1
    review = data["review"][0]
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": "4",
        "bestRating": "5",
        "worstRating": "1",
    }
    assert review["name"] == "Good tea" and review["author"]["@type"] == "Person"


# --- aggregates ------------------------------------------------------------------------------


def test_rebuild_command_reports_drift_and_repairs_it(reviews_on, capsys):
    driver = reviews_on
    _c, token = register(driver, "agg@example.com")
    buy_and_ship(driver, "agg@example.com", token=token)
    create_review(driver, token, rating=4)
    call_command("retention_reviews_rebuild", "--check")  # in step: no drift

    # given a rating row that drifted behind the reviews' back
    ProductRating.objects.update(count=7, stars_4=0)

    # then --check says so and fails, writing nothing
    with pytest.raises(CommandError):
        call_command("retention_reviews_rebuild", "--check")
    assert ProductRating.objects.get().count == 7

    # and the rebuild writes the counted numbers back
    call_command("retention_reviews_rebuild")
    rating = ProductRating.objects.get()
    assert (rating.count, rating.rating_sum, rating.stars_4) == (1, 4, 1)
    call_command("retention_reviews_rebuild", "--check")
    assert "no drift" in capsys.readouterr().out


def test_status_changes_keep_the_aggregate_equal_to_a_recount(reviews_on):
    driver = reviews_on
    ids = []
    for n, rating in enumerate([5, 4, 2]):
        _c, token = register(driver, f"move{n}@example.com")
        buy_and_ship(driver, f"move{n}@example.com", token=token)
        ids.append(create_review(driver, token, rating=rating)["review"]["id"])
    moderate(driver, ids[2], "APPROVE")
    moderate(driver, ids[0], "REMOVE")
    moderate(driver, ids[0], "APPROVE")
    moderate(driver, ids[1], "REMOVE")

    from saleor_retention.reviews import aggregates

    assert aggregates.drift() == []
    rating = ProductRating.objects.get()
    assert (rating.count, rating.rating_sum, rating.stars_5, rating.stars_4, rating.stars_2) == (
        2,
        7,
        1,
        0,
        1,
    )


# --- replay of the review-request events ------------------------------------------------------


def test_replaying_the_fulfilment_events_schedules_each_line_once(reviews_on):
    driver = reviews_on
    _c, token = register(driver, "replay@example.com")
    buy_and_ship(driver, "replay@example.com", token=token)
    assert ReviewRequest.objects.count() == 1

    replay_everything()
    for event_id in PluginEvent.objects.filter(kind="order_fulfilled").values_list("pk", flat=True):
        PluginEvent.objects.filter(pk=event_id).update(status="pending")
        process_event(event_id)

    assert ReviewRequest.objects.count() == 1


def test_service_level_double_publish_credits_once(reviews_on):
    # Calling the write path twice (a retried request) is still one credit.
    driver = reviews_on
    customer, token = register(driver, "dbl@example.com")
    buy_and_ship(driver, "dbl@example.com", token=token)
    review = Review.objects.get(pk=pk_of(create_review(driver, token, rating=2)["review"]["id"]))
    from saleor_retention import conf

    settings = conf.load_settings()
    services.review_moderate(
        review_id=review.pk,
        staff_user_id="1",
        settings=settings,
        plugin_active=True,
        action="approve",
    )
    with pytest.raises(Exception):  # noqa: B017,PT011 - ALREADY_DONE, a RetentionError
        services.review_moderate(
            review_id=review.pk,
            staff_user_id="1",
            settings=settings,
            plugin_active=True,
            action="approve",
        )
    assert review_rewards(customer) == [(EntryType.REVIEW_REWARD, 20)]
    assert LoyaltyAccount.objects.filter(customer_id=customer).count() == 1


def test_every_staff_and_shopper_refusal_leaves_the_database_unchanged(reviews_on):
    driver = reviews_on
    _a, author = register(driver, "refusals@example.com")
    _r, reader = register(driver, "refusals-reader@example.com")
    buy_and_ship(driver, "refusals@example.com", token=author)
    published = create_review(driver, author, rating=5)["review"]["id"]
    buy_and_ship(driver, "refusals@example.com", token=author)
    pending = create_review(driver, author, rating=2)["review"]["id"]
    staff = driver.staff_token()
    missing = gid("Review", 999999)
    product = product_gid(driver)
    attempts = [
        ("reviewModerate", MODERATE, {"id": published, "action": "APPROVE"}, staff, "ALREADY_DONE"),
        (
            "reviewModerate",
            MODERATE,
            {"id": published, "action": "REJECT", "reason": "x"},
            staff,
            "NOT_EDITABLE",
        ),
        ("reviewModerate", MODERATE, {"id": pending}, staff, "REQUIRED"),
        ("reviewModerate", MODERATE, {"id": missing, "action": "REMOVE"}, staff, "NOT_FOUND"),
        ("reviewModerate", MODERATE, {"id": product, "action": "REMOVE"}, staff, "NOT_FOUND"),
        (
            "reviewModerate",
            MODERATE,
            {"id": pending, "action": "REJECT", "reason": "r" * 1001},
            staff,
            "TOO_LONG",
        ),
        ("reviewReply", REPLY, {"id": missing, "text": "Thanks"}, staff, "NOT_FOUND"),
        ("reviewReply", REPLY, {"id": published, "text": "t" * 5001}, staff, "TOO_LONG"),
        ("reviewVote", VOTE, {"id": pending}, reader, "NOT_FOUND"),
        ("reviewReport", REPORT, {"id": pending, "reason": "x"}, reader, "NOT_FOUND"),
        ("reviewReport", REPORT, {"id": published, "reason": "x" * 1001}, reader, "TOO_LONG"),
        ("reviewReport", REPORT, {"id": published}, None, "NOT_SIGNED_IN"),
        ("reviewUpdate", UPDATE, {"id": published, "input": {"rating": 1}}, author, "NOT_EDITABLE"),
        (
            "reviewUpdate",
            UPDATE,
            {"id": pending, "input": {"title": "t" * 121}},
            author,
            "TOO_LONG",
        ),
        ("reviewUpdate", UPDATE, {"id": pending, "input": {"rating": 1}}, None, "NOT_SIGNED_IN"),
        (
            "reviewImport",
            IMPORT,
            {"input": {"product": product, "rating": 0, "authorName": "A"}},
            staff,
            "BAD_RATING",
        ),
        (
            "reviewImport",
            IMPORT,
            {"input": {"product": product, "rating": 4, "authorName": " "}},
            staff,
            "REQUIRED",
        ),
        (
            "reviewImport",
            IMPORT,
            {"input": {"product": gid("Product", 999999), "rating": 4, "authorName": "A"}},
            staff,
            "NOT_FOUND",
        ),
        (
            "reviewImport",
            IMPORT,
            {
                "input": {
                    "product": product,
                    "rating": 4,
                    "authorName": "A",
                    "createdAt": "2999-01-01T00:00:00+00:00",
                }
            },
            staff,
            "INVALID",
        ),
    ]
    for name, document, variables, auth, code in attempts:
        before = state()
        payload = driver.mutate(name, document, variables, token=auth, expect_errors=True)
        assert [e["code"] for e in payload["errors"]] == [code], (name, variables)
        assert state() == before, (name, variables)


def test_the_points_history_explains_the_review_reward_in_the_shoppers_language(reviews_on):
    driver = reviews_on
    _c, token = register(driver, "history-zh@example.com")
    buy_and_ship(driver, "history-zh@example.com", token=token)
    review_id = create_review(driver, token)["review"]["id"]
    moderate(driver, review_id, "REMOVE")
    query = "{ me { loyalty { entries(first: 10) { edges { node { type reason points } } } } } }"

    response = driver.client.post(
        "/graphql/",
        {"query": query},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"JWT {token}",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    entries = nodes(response.json()["data"]["me"]["loyalty"]["entries"])
    reasons = {entry["reason"]: entry["points"] for entry in entries}
    assert reasons["感谢您的评价"] == 20
    assert reasons["评价已被店铺移除"] == -20
