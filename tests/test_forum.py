"""Buyer forums (issue 5): staff boards (public, repeat customers, tiers), topics and posts with
replies, the edit window, moderation (pin, lock, hide), reports, subscriptions, the rate limit,
inert text, query counts and erasure, all driven through Saleor's GraphQL endpoint like a
storefront and the dashboard."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saleor_retention.forum import selectors
from saleor_retention.forum.models import (
    ForumBoard,
    ForumMember,
    ForumPost,
    ForumReport,
    ForumSubscription,
    ForumTopic,
)
from saleor_retention.privacy import export_customer
from saleor_retention.tiers.selectors import tier_name_for
from saleor_retention_site.driver import gid, pk_of
from saleor_retention_site.store import create_customer
from tests.connections import nodes
from tests.xss_payloads import XSS_PAYLOADS, looks_inert

ERRORS = "errors { field code message }"
BOARD_FIELDS = """id name slug description position access minPaidOrders tiers topicCount
    canRead requirement closedReason"""
TOPIC_FIELDS = """id title authorName isStaff isMine isFormerCustomer isPinned isLocked isHidden
    postCount subscriberCount isSubscribed lastPostAt board { id }"""
POST_FIELDS = """id topicId replyToId authorName isStaff isMine isFormerCustomer isOpening body
    isHidden editedAt canEdit reportCount"""

BOARD_CREATE = f"""mutation($input: ForumBoardInput!) {{
  forumBoardCreate(input: $input) {{ board {{ {BOARD_FIELDS} }} {ERRORS} }}
}}"""
BOARD_UPDATE = f"""mutation($id: ID!, $input: ForumBoardInput!) {{
  forumBoardUpdate(id: $id, input: $input) {{ board {{ {BOARD_FIELDS} }} {ERRORS} }}
}}"""
BOARDS = f"{{ forumBoards {{ edges {{ node {{ {BOARD_FIELDS} }} }} }} }}"
# the board beside its topics, as a storefront asks for both: node(id:) shows a closed board too
TOPICS = f"""query($board: ID!, $first: Int, $after: String) {{
  board: node(id: $board) {{ ... on ForumBoard {{ id canRead requirement closedReason }} }}
  forumTopics(boardId: $board, first: $first, after: $after) {{
    totalCount
    edges {{ cursor node {{ {TOPIC_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}"""
TOPIC = f"""query($id: ID!, $first: Int, $after: String) {{
  forumTopic(id: $id) {{ {TOPIC_FIELDS}
    posts(first: $first, after: $after) {{
      totalCount edges {{ cursor node {{ {POST_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"""
TOPIC_CREATE = f"""mutation($board: ID!, $title: String!, $body: String!) {{
  forumTopicCreate(boardId: $board, title: $title, body: $body) {{
    topic {{ {TOPIC_FIELDS} posts {{ edges {{ node {{ {POST_FIELDS} }} }} }} }} {ERRORS}
  }}
}}"""
POST_CREATE = f"""mutation($topic: ID!, $body: String!, $replyTo: ID) {{
  forumPostCreate(topicId: $topic, body: $body, replyToId: $replyTo) {{
    post {{ {POST_FIELDS} }} {ERRORS}
  }}
}}"""
POST_UPDATE = f"""mutation($id: ID!, $body: String!) {{
  forumPostUpdate(id: $id, body: $body) {{ post {{ {POST_FIELDS} }} {ERRORS} }}
}}"""
REPORT = f"""mutation($post: ID!, $reason: String) {{
  forumReport(postId: $post, reason: $reason) {{ post {{ id reportCount }} {ERRORS} }}
}}"""
SUBSCRIBE = f"""mutation($topic: ID!) {{
  forumTopicSubscribe(topicId: $topic) {{ topic {{ id isSubscribed subscriberCount }} {ERRORS} }}
}}"""
UNSUBSCRIBE = f"""mutation($topic: ID!) {{
  forumTopicUnsubscribe(topicId: $topic) {{ topic {{ id isSubscribed subscriberCount }} {ERRORS} }}
}}"""
MODERATE = f"""mutation($action: ForumModerationAction!, $topic: ID, $post: ID) {{
  forumModerate(action: $action, topicId: $topic, postId: $post) {{
    topic {{ id isPinned isLocked isHidden postCount }} post {{ id isHidden }} {ERRORS}
  }}
}}"""


# --- helpers ---------------------------------------------------------------------------------


def forum_state():
    """Every forum row and counter, to compare before and after a refusal."""
    return (
        list(ForumBoard.objects.order_by("pk").values()),
        list(ForumTopic.objects.order_by("pk").values()),
        list(ForumPost.objects.order_by("pk").values()),
        list(ForumReport.objects.order_by("pk").values()),
        list(ForumSubscription.objects.order_by("pk").values()),
        ForumMember.objects.count(),
    )


def set_name(driver, token, *, first_name, last_name):
    """The shopper's own name, through Saleor's accountUpdate (it is what posts show)."""
    driver.mutate(
        "accountUpdate",
        """mutation($input: AccountInput!) {
            accountUpdate(input: $input) { user { id } errors { field message } }
        }""",
        {"input": {"firstName": first_name, "lastName": last_name}},
        token=token,
    )


def shopper(driver, email, first_name="", last_name=""):
    """A registered shopper (accountRegister) with a name set through accountUpdate."""
    customer_id = driver.account_register(email)
    token = driver.token_create(email, "customer-password")
    if first_name or last_name:
        set_name(driver, token, first_name=first_name, last_name=last_name)
    return customer_id, token


def create_board(driver, expect_errors=False, **values):
    payload = driver.mutate(
        "forumBoardCreate",
        BOARD_CREATE,
        {"input": {"name": "Chat", **values}},
        token=driver.staff_token(),
        expect_errors=expect_errors,
    )
    return payload if expect_errors else payload["board"]


def create_topic(driver, token, board_id, title="Hello", body="First post", expect_errors=False):
    payload = driver.mutate(
        "forumTopicCreate",
        TOPIC_CREATE,
        {"board": board_id, "title": title, "body": body},
        token=token,
        expect_errors=expect_errors,
    )
    return payload if expect_errors else payload["topic"]


def create_post(driver, token, topic_id, body="A reply", reply_to=None, expect_errors=False):
    payload = driver.mutate(
        "forumPostCreate",
        POST_CREATE,
        {"topic": topic_id, "body": body, "replyTo": reply_to},
        token=token,
        expect_errors=expect_errors,
    )
    return payload if expect_errors else payload["post"]


STAFF = object()


def moderate(driver, action, *, topic=None, post=None, token=STAFF, expect_errors=False):
    return driver.mutate(
        "forumModerate",
        MODERATE,
        {"action": action, "topic": topic, "post": post},
        token=driver.staff_token() if token is STAFF else token,
        expect_errors=expect_errors,
    )


def refusals(body):
    """A response's top-level errors as the typed errors they are (code and field in
    ``extensions``)."""
    return [
        {
            "field": error.get("extensions", {}).get("field"),
            "code": error.get("extensions", {}).get("code"),
            "message": error["message"],
        }
        for error in body.get("errors") or []
    ]


def topics(driver, board_id, token=None, **variables):
    """forumTopics as a test reads it: the page (no edges when refused), the top-level typed
    errors, and the board as node(id:) shows it to the same caller."""
    body = driver.execute(TOPICS, {"board": board_id, **variables}, token=token)
    page = body["data"]["forumTopics"] or {"edges": []}
    return {**page, "board": body["data"]["board"], "errors": refusals(body)}


def topic_view(driver, topic_id, token=None, **variables):
    """forumTopic as a test reads it: the topic (null when not visible) and the top-level typed
    errors (a query carries no ``errors`` field of its own)."""
    body = driver.execute(TOPIC, {"id": topic_id, **variables}, token=token)
    return {"topic": body["data"]["forumTopic"], "errors": refusals(body)}


def codes(payload):
    return [error["code"] for error in payload["errors"]]


def pay_orders(driver, email, token, count):
    """``count`` paid orders: storefront checkouts charged at once by the dummy gateway."""
    for _ in range(count):
        driver.buy(email=email, token=token)


@pytest.fixture
def public_board(driver):
    return create_board(driver, name="General", slug="general")


# --- boards ----------------------------------------------------------------------------------


def test_staff_create_and_update_boards_through_graphql(driver):
    # when staff create a repeat-customer board
    board = create_board(
        driver,
        name="Old friends",
        description="For customers who came back",
        position=2,
        access="REPEAT_CUSTOMERS",
        minPaidOrders=2,
    )

    # then it is stored with a slug made from the name
    assert (board["slug"], board["access"], board["minPaidOrders"]) == (
        "old-friends",
        "REPEAT_CUSTOMERS",
        2,
    )
    assert board["requirement"] == "Open to customers with at least 2 paid orders."
    assert board["canRead"] is True  # staff see everything

    # when they change its position and open it to everyone
    updated = driver.mutate(
        "forumBoardUpdate",
        BOARD_UPDATE,
        {"id": board["id"], "input": {"position": -1, "access": "PUBLIC"}},
        token=driver.staff_token(),
    )["board"]

    # then only those fields changed and the paid-order rule no longer applies
    assert (updated["position"], updated["access"], updated["minPaidOrders"]) == (-1, "PUBLIC", 0)
    assert updated["name"] == "Old friends"
    assert ForumBoard.objects.get().access == "public"


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"access": "REPEAT_CUSTOMERS"}, "minPaidOrders", "INVALID"),
        ({"access": "TIERS", "tiers": []}, "tiers", "REQUIRED"),
        ({"access": "TIERS", "tiers": ["Platinum"]}, "tiers", "INVALID"),
        ({"name": "x" * 101}, "name", "TOO_LONG"),
        ({"name": "<b></b>"}, "name", "REQUIRED"),
        ({"slug": "Not A Slug"}, "slug", "INVALID"),
        ({"slug": "general"}, "slug", "INVALID"),  # taken by the fixture's board
        ({"position": 5000}, "position", "INVALID"),
    ],
)
def test_bad_board_input_is_refused_and_nothing_changes(driver, public_board, values, field, code):
    # given
    before = forum_state()

    # when
    payload = create_board(driver, expect_errors=True, **values)

    # then
    assert payload["board"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert forum_state() == before


def test_board_work_needs_manage_pages(driver, public_board):
    # given a staff member without MANAGE_PAGES and a shopper
    clerk = create_customer("clerk@example.com")
    clerk.is_staff = True
    clerk.save(update_fields=["is_staff"])
    clerk_token = driver.token_create("clerk@example.com", "customer-password")
    _, shopper_token = shopper(driver, "mei@example.com")
    topic = create_topic(driver, shopper_token, public_board["id"])
    before = forum_state()

    for token in (clerk_token, shopper_token, None):
        # when they try staff work
        created = driver.mutate(
            "forumBoardCreate",
            BOARD_CREATE,
            {"input": {"name": "Mine"}},
            token=token,
            expect_errors=True,
        )
        pinned = moderate(driver, "PIN", topic=topic["id"], token=token, expect_errors=True)

        # then it is refused and nothing changes
        assert codes(created) == ["PERMISSION_DENIED"]
        assert codes(pinned) == ["PERMISSION_DENIED"]
    assert forum_state() == before


# --- who may read and post -------------------------------------------------------------------


def test_repeat_customer_board_opens_once_she_has_k_paid_orders(driver):
    # given a board for customers with 2 paid orders and a new shopper
    board = create_board(driver, name="Old customers", access="REPEAT_CUSTOMERS", minPaidOrders=2)
    mei_id, token = shopper(driver, "mei@example.com", "Mei", "Lin")

    # then she sees the board exists, closed, and what it takes
    listed = nodes(driver.query(BOARDS, token=token)["forumBoards"])
    assert [(b["name"], b["canRead"]) for b in listed] == [("Old customers", False)]
    assert listed[0]["requirement"] == "Open to customers with at least 2 paid orders."
    assert listed[0]["closedReason"] == "You have 0 paid orders so far."

    # when she reads its topics, a staff topic on it, or posts, she is refused; nothing changes
    welcome = create_topic(driver, driver.staff_token(), board["id"], title="Welcome back")
    before = forum_state()
    read = topics(driver, board["id"], token=token)
    assert codes(read) == ["BOARD_CLOSED"] and read["edges"] == []
    assert read["board"]["canRead"] is False
    one = topic_view(driver, welcome["id"], token=token)
    assert (codes(one), one["topic"]) == (["BOARD_CLOSED"], None)
    assert [e["field"] for e in one["errors"]] == ["id"]
    reply = create_post(driver, token, welcome["id"], expect_errors=True)
    assert codes(reply) == ["BOARD_CLOSED"]
    refused = create_topic(driver, token, board["id"], expect_errors=True)
    assert codes(refused) == ["BOARD_CLOSED"] and refused["topic"] is None
    assert "at least 2 paid orders" in refused["errors"][0]["message"]
    assert forum_state() == before

    # when she has one paid order, it is still closed
    pay_orders(driver, "mei@example.com", token, 1)
    assert nodes(driver.query(BOARDS, token=token)["forumBoards"])[0]["closedReason"] == (
        "You have 1 paid order so far."
    )
    assert codes(create_topic(driver, token, board["id"], expect_errors=True)) == ["BOARD_CLOSED"]

    # when staff mark a second order paid (a draft order completed, then orderMarkAsPaid)
    order_id = driver.draft_order_create(customer_id=mei_id)
    driver.draft_order_complete(order_id)
    driver.order_mark_as_paid(order_id)

    # then the board opens and she can post
    listed = nodes(driver.query(BOARDS, token=token)["forumBoards"])[0]
    assert (listed["canRead"], listed["closedReason"]) == (True, None)
    topic = create_topic(driver, token, board["id"], title="Second order!", body="Hi all")
    assert topic["authorName"] == "Mei L."
    assert [e["node"]["title"] for e in topics(driver, board["id"], token=token)["edges"]] == [
        "Second order!",
        "Welcome back",
    ]
    assert create_post(driver, token, welcome["id"], body="Thanks!")["body"] == "Thanks!"


def test_anonymous_visitors_read_public_boards_only(driver, public_board):
    # given a public topic and a closed board
    _, token = shopper(driver, "mei@example.com")
    create_topic(driver, token, public_board["id"], title="Open to all")
    closed = create_board(driver, name="Inner circle", access="REPEAT_CUSTOMERS", minPaidOrders=1)

    # when an anonymous visitor reads
    public = topics(driver, public_board["id"])
    inner = topics(driver, closed["id"])

    # then the public board shows its topics and the closed one says why it is closed
    assert [e["node"]["title"] for e in public["edges"]] == ["Open to all"]
    assert public["edges"][0]["node"]["isSubscribed"] is False
    assert codes(inner) == ["BOARD_CLOSED"]
    assert inner["board"]["closedReason"] == "Sign in to see whether this board is open to you."

    # and writing asks them to sign in, changing nothing
    before = forum_state()
    refused = create_topic(driver, None, public_board["id"], expect_errors=True)
    assert codes(refused) == ["NOT_SIGNED_IN"]
    assert forum_state() == before


def test_tier_board_is_open_to_its_tiers_only(retention_on):
    # given tiers by points, and a Gold-only board
    driver = retention_on
    driver.plugin_update(tiers="Silver:40:1; Gold:90:1.5", points_per_currency_unit="USD:1")
    board = create_board(driver, name="Gold lounge", access="TIERS", tiers=["gold"])
    assert board["tiers"] == ["Gold"]  # the store's own spelling
    mei_id, token = shopper(driver, "mei@example.com")

    # when she is Silver (a 50.00 order earns 50 points)
    driver.buy(email="mei@example.com", quantity=2, token=token)
    assert tier_name_for(pk_of(mei_id)) == "Silver"

    # then the Gold board is closed to her, saying her tier
    listed = nodes(driver.query(BOARDS, token=token)["forumBoards"])[0]
    assert (listed["canRead"], listed["closedReason"]) == (False, "Your tier is Silver.")
    assert listed["requirement"] == "Open to customers in these tiers: Gold."
    assert codes(create_topic(driver, token, board["id"], expect_errors=True)) == ["BOARD_CLOSED"]

    # when another order takes her to Gold, it opens
    driver.buy(email="mei@example.com", quantity=2, token=token)
    assert nodes(driver.query(BOARDS, token=token)["forumBoards"])[0]["canRead"] is True
    assert create_topic(driver, token, board["id"])["title"] == "Hello"


# --- topics, replies, edits ------------------------------------------------------------------


def test_topic_reply_and_edit_inside_and_outside_the_window(driver, public_board):
    # given Mei's topic and Ann's reply to its opening post
    _, mei = shopper(driver, "mei@example.com", "Mei", "Lin")
    _, ann = shopper(driver, "ann@example.com", "Ann")
    topic = create_topic(driver, mei, public_board["id"], title="Sizes?", body="Do they run small?")
    opening = topic["posts"]["edges"][0]["node"]
    assert (opening["isOpening"], opening["isMine"], opening["canEdit"]) == (True, True, True)
    assert (topic["postCount"], topic["isSubscribed"], topic["subscriberCount"]) == (1, True, 1)
    reply = create_post(driver, ann, topic["id"], body="Yes, take one up", reply_to=opening["id"])
    assert (reply["replyToId"], reply["authorName"], reply["isStaff"]) == (
        opening["id"],
        "Ann",
        False,
    )

    # then the topic shows both, in order, with its counters moved
    view = topic_view(driver, topic["id"], token=mei)
    assert [e["node"]["body"] for e in view["topic"]["posts"]["edges"]] == [
        "Do they run small?",
        "Yes, take one up",
    ]
    assert view["topic"]["postCount"] == 2
    assert [e["node"]["isMine"] for e in view["topic"]["posts"]["edges"]] == [True, False]

    # when Ann edits inside the window
    edited = driver.mutate(
        "forumPostUpdate", POST_UPDATE, {"id": reply["id"], "body": "Yes, one size up"}, token=ann
    )["post"]
    assert (edited["body"], edited["editedAt"] is not None) == ("Yes, one size up", True)

    # when Mei tries to edit Ann's post, or reply to a post of another topic
    other = create_topic(driver, ann, public_board["id"], title="Other")
    before = forum_state()
    not_hers = driver.mutate(
        "forumPostUpdate",
        POST_UPDATE,
        {"id": reply["id"], "body": "changed"},
        token=mei,
        expect_errors=True,
    )
    elsewhere = create_post(
        driver,
        mei,
        topic["id"],
        reply_to=other["posts"]["edges"][0]["node"]["id"],
        expect_errors=True,
    )

    # then both are refused and nothing changes
    assert codes(not_hers) == ["PERMISSION_DENIED"]
    assert [(e["field"], e["code"]) for e in elsewhere["errors"]] == [("replyToId", "INVALID")]
    assert forum_state() == before

    # when the 30-minute window has passed
    ForumPost.objects.filter(pk=pk_of(reply["id"])).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )
    before = forum_state()
    late = driver.mutate(
        "forumPostUpdate",
        POST_UPDATE,
        {"id": reply["id"], "body": "too late"},
        token=ann,
        expect_errors=True,
    )

    # then the edit is refused and the post is as it was
    assert codes(late) == ["EDIT_WINDOW_PASSED"]
    assert forum_state() == before
    assert (
        topic_view(driver, topic["id"], token=ann)["topic"]["posts"]["edges"][1]["node"]["canEdit"]
        is False
    )


def test_too_long_and_empty_text_is_refused_and_nothing_changes(driver, public_board):
    # given the store's limits: titles of 20 and posts of 50 characters
    driver.plugin_update(forum_title_max_length="20", forum_body_max_length="50")
    _, token = shopper(driver, "mei@example.com")
    topic = create_topic(driver, token, public_board["id"])
    before = forum_state()

    # when
    long_title = create_topic(driver, token, public_board["id"], title="t" * 21, expect_errors=True)
    long_body = create_post(driver, token, topic["id"], body="b" * 51, expect_errors=True)
    only_markup = create_post(driver, token, topic["id"], body="<img src=x>", expect_errors=True)
    long_edit = driver.mutate(
        "forumPostUpdate",
        POST_UPDATE,
        {"id": topic["posts"]["edges"][0]["node"]["id"], "body": "b" * 51},
        token=token,
        expect_errors=True,
    )

    # then
    assert [(e["field"], e["code"]) for e in long_title["errors"]] == [("title", "TOO_LONG")]
    assert [(e["field"], e["code"]) for e in long_body["errors"]] == [("body", "TOO_LONG")]
    assert [(e["field"], e["code"]) for e in only_markup["errors"]] == [("body", "REQUIRED")]
    assert codes(long_edit) == ["TOO_LONG"]
    assert forum_state() == before


# --- moderation ------------------------------------------------------------------------------


def test_staff_lock_pin_and_hide_with_a_staff_badge(driver, public_board):
    # given two topics by Mei, one reply by Ann
    _, mei = shopper(driver, "mei@example.com", "Mei")
    _, ann = shopper(driver, "ann@example.com", "Ann")
    first = create_topic(driver, mei, public_board["id"], title="First")
    second = create_topic(driver, mei, public_board["id"], title="Second")
    spam = create_post(driver, ann, first["id"], body="Buy cheap watches")

    # when staff reply, the reply carries the staff badge
    staff_post = create_post(driver, driver.staff_token(), first["id"], body="Welcome!")
    assert staff_post["isStaff"] is True
    assert ForumPost.objects.get(pk=pk_of(staff_post["id"])).author_is_staff is True

    # when staff pin the older topic, it comes first although the other is newer
    assert [e["node"]["title"] for e in topics(driver, public_board["id"])["edges"]] == [
        "First",  # the latest activity (staff's reply)
        "Second",
    ]
    create_post(driver, ann, second["id"], body="bump")
    assert topics(driver, public_board["id"])["edges"][0]["node"]["title"] == "Second"
    pinned = moderate(driver, "PIN", topic=first["id"])["topic"]
    assert pinned["isPinned"] is True
    assert [e["node"]["title"] for e in topics(driver, public_board["id"])["edges"]] == [
        "First",
        "Second",
    ]

    # when staff hide Ann's post
    hidden = moderate(driver, "HIDE", post=spam["id"])
    assert (hidden["post"]["isHidden"], hidden["topic"]["postCount"]) == (True, 2)

    # then Mei and visitors no longer see it; Ann (its author) and staff still do
    def bodies(token):
        edges = topic_view(driver, first["id"], token=token)["topic"]["posts"]["edges"]
        return [e["node"]["body"] for e in edges]

    assert "Buy cheap watches" not in bodies(mei)
    assert "Buy cheap watches" not in bodies(None)
    assert "Buy cheap watches" in bodies(ann)
    assert "Buy cheap watches" in bodies(driver.staff_token())
    # and Ann can no longer edit it
    refused = driver.mutate(
        "forumPostUpdate",
        POST_UPDATE,
        {"id": spam["id"], "body": "x"},
        token=ann,
        expect_errors=True,
    )
    assert codes(refused) == ["NOT_EDITABLE"]

    # when staff hide the second topic, only Mei (its author) and staff see it
    moderate(driver, "HIDE", topic=second["id"])
    assert [e["node"]["title"] for e in topics(driver, public_board["id"], token=ann)["edges"]] == [
        "First"
    ]
    assert len(topics(driver, public_board["id"], token=mei)["edges"]) == 2
    assert topic_view(driver, second["id"], token=ann) == {"topic": None, "errors": []}
    assert nodes(driver.query(BOARDS)["forumBoards"])[0]["topicCount"] == 1
    moderate(driver, "UNHIDE", topic=second["id"])
    assert nodes(driver.query(BOARDS)["forumBoards"])[0]["topicCount"] == 2

    # when staff lock the first topic, nobody can post in it and nothing changes
    moderate(driver, "LOCK", topic=first["id"])
    before = forum_state()
    locked = create_post(driver, mei, first["id"], body="one more", expect_errors=True)
    assert [(e["field"], e["code"]) for e in locked["errors"]] == [("topicId", "TOPIC_LOCKED")]
    assert forum_state() == before

    # when they unlock it, posting works again and hiding twice counts once
    moderate(driver, "UNLOCK", topic=first["id"])
    assert create_post(driver, mei, first["id"], body="one more")["body"] == "one more"
    moderate(driver, "HIDE", post=spam["id"])
    assert ForumTopic.objects.get(pk=pk_of(first["id"])).post_count == 3
    shown = moderate(driver, "UNHIDE", post=spam["id"])
    assert (shown["post"]["isHidden"], shown["topic"]["postCount"]) == (False, 4)

    # and a post cannot be pinned
    assert codes(moderate(driver, "PIN", post=spam["id"], expect_errors=True)) == ["INVALID"]


def test_a_shopper_reports_a_post_once(driver, public_board):
    # given Ann's post in Mei's topic
    _, mei = shopper(driver, "mei@example.com")
    _, ann = shopper(driver, "ann@example.com")
    topic = create_topic(driver, mei, public_board["id"])
    post = create_post(driver, ann, topic["id"], body="rude words")

    # when Mei reports it
    reported = driver.mutate(
        "forumReport", REPORT, {"post": post["id"], "reason": "Rude"}, token=mei
    )

    # then the report is counted, which only staff see
    assert reported["post"]["reportCount"] is None
    staff_view = topic_view(driver, topic["id"], token=driver.staff_token())
    assert staff_view["topic"]["posts"]["edges"][1]["node"]["reportCount"] == 1

    # when she reports it again, or Ann reports her own post
    before = forum_state()
    again = driver.mutate(
        "forumReport", REPORT, {"post": post["id"]}, token=mei, expect_errors=True
    )
    own = driver.mutate("forumReport", REPORT, {"post": post["id"]}, token=ann, expect_errors=True)
    anonymous = driver.mutate(
        "forumReport", REPORT, {"post": post["id"]}, token=None, expect_errors=True
    )

    # then each is refused and nothing changes
    assert codes(again) == ["ALREADY_DONE"]
    assert codes(own) == ["INVALID"]
    assert codes(anonymous) == ["NOT_SIGNED_IN"]
    assert forum_state() == before
    assert ForumReport.objects.count() == 1


def test_subscriptions_the_author_follows_others_opt_in_once(driver, public_board):
    # given Mei's topic (she follows it)
    mei_id, mei = shopper(driver, "mei@example.com")
    ann_id, ann = shopper(driver, "ann@example.com")
    topic = create_topic(driver, mei, public_board["id"])
    assert selectors.topic_subscriber_ids(pk_of(topic["id"])) == [pk_of(mei_id)]

    # when Ann subscribes twice
    first = driver.mutate("forumTopicSubscribe", SUBSCRIBE, {"topic": topic["id"]}, token=ann)
    second = driver.mutate("forumTopicSubscribe", SUBSCRIBE, {"topic": topic["id"]}, token=ann)

    # then she follows it once
    assert (
        first["topic"]
        == second["topic"]
        == {
            "id": topic["id"],
            "isSubscribed": True,
            "subscriberCount": 2,
        }
    )
    assert selectors.topic_subscriber_ids(pk_of(topic["id"])) == [pk_of(mei_id), pk_of(ann_id)]
    assert topics(driver, public_board["id"], token=ann)["edges"][0]["node"]["isSubscribed"]

    # when she unsubscribes (twice)
    for _ in range(2):
        left = driver.mutate(
            "forumTopicUnsubscribe", UNSUBSCRIBE, {"topic": topic["id"]}, token=ann
        )
        assert left["topic"] == {"id": topic["id"], "isSubscribed": False, "subscriberCount": 1}
    assert selectors.topic_subscriber_ids(pk_of(topic["id"])) == [pk_of(mei_id)]

    # and an anonymous visitor cannot subscribe
    refused = driver.mutate(
        "forumTopicSubscribe", SUBSCRIBE, {"topic": topic["id"]}, token=None, expect_errors=True
    )
    assert codes(refused) == ["NOT_SIGNED_IN"]


def test_rate_limit_refuses_the_post_over_the_limit(driver, public_board):
    # given at most 3 posts per 10 minutes
    driver.plugin_update(forum_rate_limit_posts="3", forum_rate_limit_minutes="10")
    _, token = shopper(driver, "mei@example.com")
    topic = create_topic(driver, token, public_board["id"])  # the opening post counts
    create_post(driver, token, topic["id"])
    create_post(driver, token, topic["id"])
    before = forum_state()

    # when she writes a fourth time, as a post or a new topic
    post = create_post(driver, token, topic["id"], expect_errors=True)
    new_topic = create_topic(driver, token, public_board["id"], expect_errors=True)

    # then both are refused and nothing changes
    assert codes(post) == ["RATE_LIMITED"] and codes(new_topic) == ["RATE_LIMITED"]
    assert forum_state() == before

    # when the period has passed, she can write again; staff are never limited
    ForumPost.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    assert create_post(driver, token, topic["id"])["body"] == "A reply"
    for _ in range(4):
        create_post(driver, driver.staff_token(), topic["id"])


# --- inert text ------------------------------------------------------------------------------


def test_every_xss_payload_through_every_text_field_comes_back_inert(driver, public_board):
    # given a shopper whose own name is hostile
    _, token = shopper(driver, "mei@example.com", "<img src=x onerror=alert(1)>Mei", "<b>L</b>")
    _, ann = shopper(driver, "ann@example.com")
    driver.plugin_update(forum_rate_limit_posts="0")
    topic = create_topic(driver, token, public_board["id"])
    post_id = create_post(driver, token, topic["id"])["id"]
    assert looks_inert(topic["authorName"]) and topic["authorName"] == "Mei L."

    for index, payload in enumerate(XSS_PAYLOADS):
        text = f"ok {payload}"
        # when a payload goes through every field a shopper or staff writes
        board = create_board(driver, name=text, description=text, slug=f"board-{index}")
        made = create_topic(driver, token, public_board["id"], title=text, body=text)
        reply = create_post(driver, token, topic["id"], body=text)
        edited = driver.mutate(
            "forumPostUpdate", POST_UPDATE, {"id": post_id, "body": text}, token=token
        )["post"]
        driver.mutate("forumReport", REPORT, {"post": reply["id"], "reason": text}, token=ann)
        set_name(driver, ann, first_name=text, last_name=payload)
        named = create_post(driver, ann, topic["id"], body="hi")

        # then what comes back, and what is stored, is inert plain text
        returned = [
            board["name"],
            board["description"],
            made["title"],
            made["posts"]["edges"][0]["node"]["body"],
            reply["body"],
            edited["body"],
            ForumReport.objects.get(post_id=pk_of(reply["id"])).reason,
            named["authorName"],
        ]
        assert all(looks_inert(value) for value in returned), (payload, returned)
        assert all(value.startswith("ok") for value in returned), (payload, returned)

        # and a payload alone is either stored inert or refused as empty, storing nothing
        before = forum_state()
        alone = create_post(driver, token, topic["id"], body=payload, expect_errors=True)
        if alone["errors"]:
            assert codes(alone) == ["REQUIRED"] and forum_state() == before
        else:
            assert looks_inert(alone["post"]["body"])
    listed = topics(driver, public_board["id"], token=token, first=100)["edges"]
    assert all(looks_inert(e["node"]["title"]) for e in listed)


# --- pages and query counts ------------------------------------------------------------------


def test_topic_and_post_lists_page_with_cursors(driver, public_board):
    # given 5 topics, the third pinned, and a topic with 5 posts
    driver.plugin_update(forum_rate_limit_posts="0")
    _, token = shopper(driver, "mei@example.com")
    made = [create_topic(driver, token, public_board["id"], title=f"T{i}") for i in range(5)]
    moderate(driver, "PIN", topic=made[2]["id"])
    for i in range(4):
        create_post(driver, token, made[0]["id"], body=f"P{i}")

    # when the topics are read two at a time
    seen, after = [], None
    while True:
        page = topics(driver, public_board["id"], token=token, first=2, after=after)
        seen += [e["node"]["title"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then pinned first, then the latest activity, each once
    assert seen == ["T2", "T0", "T4", "T3", "T1"]

    # when the posts are read two at a time, in the order written
    first = topic_view(driver, made[0]["id"], token=token, first=2)["topic"]["posts"]
    rest = topic_view(
        driver, made[0]["id"], token=token, first=10, after=first["pageInfo"]["endCursor"]
    )["topic"]["posts"]
    assert [e["node"]["body"] for e in first["edges"] + rest["edges"]] == [
        "First post",
        "P0",
        "P1",
        "P2",
        "P3",
    ]
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)

    # and a bad cursor or page size is a typed error
    assert codes(topics(driver, public_board["id"], after="nonsense")) == ["INVALID"]
    assert codes(topics(driver, public_board["id"], first=500)) == ["PAGE_TOO_LARGE"]
    assert codes(topics(driver, public_board["id"], first=0)) == ["INVALID"]


def test_topic_and_post_lists_cost_a_fixed_number_of_queries(driver, public_board):
    driver.plugin_update(forum_rate_limit_posts="0")
    _, token = shopper(driver, "mei@example.com", "Mei")
    _, ann = shopper(driver, "ann@example.com", "Ann")
    topic = create_topic(driver, token, public_board["id"])

    def count(document, variables):
        with CaptureQueriesContext(connection) as captured:
            driver.query(document, variables, token=token)
        return len(captured.captured_queries)

    def both():
        return (
            count(TOPICS, {"board": public_board["id"], "first": 100}),
            count(TOPIC, {"id": topic["id"], "first": 100}),
            count(BOARDS, {}),
        )

    # given a short forum: a topic with a reply, and a repeat-customer and a tier board
    create_post(driver, ann, topic["id"])
    driver.plugin_update(tiers="Silver:40:1; Gold:90:1.5")
    create_board(driver, name="Repeat", access="REPEAT_CUSTOMERS", minPaidOrders=1)
    create_board(driver, name="Gold", access="TIERS", tiers=["Gold"])
    short = both()

    # when it grows to 30 topics and a topic of 40 posts, by several authors, some hidden,
    # and to 10 boards open to repeat customers or tiers
    for i in range(8):
        access = {"access": "TIERS", "tiers": ["Gold"]} if i % 2 else {"minPaidOrders": i + 1}
        create_board(driver, name=f"B{i}", **{"access": "REPEAT_CUSTOMERS", **access})
    for i in range(29):
        made = create_topic(driver, ann if i % 2 else token, public_board["id"], title=f"T{i}")
        driver.mutate("forumTopicSubscribe", SUBSCRIBE, {"topic": made["id"]}, token=token)
    for i in range(40):
        post = create_post(driver, ann if i % 2 else token, topic["id"], body=f"P{i}")
        if i % 5 == 0:
            moderate(driver, "HIDE", post=post["id"])
    long = both()

    # then reading them costs the same number of queries
    assert long == short
    assert len(topics(driver, public_board["id"], token=token, first=100)["edges"]) == 30


# --- privacy ---------------------------------------------------------------------------------

CUSTOMER_DELETE = """mutation($id: ID!) {
  customerDelete(id: $id) { user { id } accountErrors { field code message } }
}"""


def test_customer_delete_anonymises_posts_and_drops_reports_and_subscriptions(driver, public_board):
    """Erasure and export agree on what the forum holds (anchors §3.11: liberusoftware#1052's
    export and erasure disagreed; spree#14560's free-text memos survived erasure): the stored
    name goes with the person, the text stays for the thread."""
    # given Mei's topic, Ann's reply that Mei reported, and Mei following Ann's topic
    mei_id, mei = shopper(driver, "mei@example.com", "Mei", "Lin")
    _, ann = shopper(driver, "ann@example.com", "Ann")
    topic = create_topic(driver, mei, public_board["id"], title="Mine", body="My words")
    reply = create_post(driver, ann, topic["id"], body="Ann's words")
    create_post(driver, mei, topic["id"], body="Mei again", reply_to=reply["id"])
    driver.mutate("forumReport", REPORT, {"post": reply["id"], "reason": "meh"}, token=mei)
    ann_topic = create_topic(driver, ann, public_board["id"], title="Ann's")
    driver.mutate("forumTopicSubscribe", SUBSCRIBE, {"topic": ann_topic["id"]}, token=mei)

    # then her export holds her topics, posts, subscriptions and reports
    exported = json.loads(json.dumps(export_customer(pk_of(mei_id))))["forum"]  # JSON-safe
    assert [t["title"] for t in exported["topics"]] == ["Mine"]
    assert [p["body"] for p in exported["posts"]] == ["My words", "Mei again"]
    assert exported["subscriptions"] == [int(pk_of(topic["id"])), int(pk_of(ann_topic["id"]))]
    assert [r["reason"] for r in exported["reports"]] == ["meh"]

    # when staff delete her through Saleor's own customerDelete
    deleted = driver.mutate(
        "customerDelete", CUSTOMER_DELETE, {"id": mei_id}, token=driver.staff_token()
    )
    assert deleted["accountErrors"] == []

    # then her topic and posts stay, shown as a former customer's, with no name stored
    view = topic_view(driver, topic["id"], token=ann)["topic"]
    assert (view["authorName"], view["isFormerCustomer"]) == ("Former customer", True)
    posts = [e["node"] for e in view["posts"]["edges"]]
    assert [(p["body"], p["authorName"]) for p in posts] == [
        ("My words", "Former customer"),
        ("Ann's words", "Ann"),
        ("Mei again", "Former customer"),
    ]
    assert not ForumPost.objects.filter(author_id__isnull=True).exclude(author_name="").exists()
    assert not ForumTopic.objects.filter(author_id__isnull=True).exclude(author_name="").exists()

    # and her report and subscriptions are gone, their counters moved back
    assert ForumReport.objects.count() == 0
    assert ForumPost.objects.get(pk=pk_of(reply["id"])).report_count == 0
    assert ForumSubscription.objects.filter(topic_id=pk_of(topic["id"])).count() == 0
    assert ForumTopic.objects.get(pk=pk_of(topic["id"])).subscriber_count == 0
    assert ForumTopic.objects.get(pk=pk_of(ann_topic["id"])).subscriber_count == 1
    assert ForumMember.objects.filter(customer_id=pk_of(mei_id)).count() == 0
    # the thread still reads as a thread: the reply link survived
    assert posts[2]["replyToId"] == reply["id"]


# --- languages -------------------------------------------------------------------------------


def test_closed_board_reads_in_simplified_chinese(driver):
    from django.utils import translation

    # given a repeat-customer board and a shopper with no paid order
    board = create_board(driver, name="Old customers", access="REPEAT_CUSTOMERS", minPaidOrders=2)
    _, token = shopper(driver, "mei@example.com")

    # when she reads it with Accept-Language: zh-Hans
    with translation.override(translation.get_language()):  # the next tests stay in English
        response = driver.client.post(
            "/graphql/",
            json.dumps({"query": TOPICS, "variables": {"board": board["id"]}}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"JWT {token}",
            HTTP_ACCEPT_LANGUAGE="zh-Hans",
        )
    body = response.json()
    payload = {"board": body["data"]["board"], "errors": refusals(body)}

    # then why it is closed, and what it takes, are in Chinese
    assert body["data"]["forumTopics"] is None
    assert payload["board"]["requirement"] == "对至少有 2 笔已付款订单的顾客开放。"
    assert payload["board"]["closedReason"] == "您目前有 0 笔已付款订单。"
    assert payload["errors"][0]["code"] == "BOARD_CLOSED"
    assert payload["errors"][0]["message"].startswith("此版块暂不对您开放。")


# --- demo ------------------------------------------------------------------------------------


def test_demo_forum_story_runs_through_graphql_and_shows_the_staff_badge(driver):
    from saleor_retention_site.demo_forum import forum_story

    # given a new shopper with no order yet
    _, token = shopper(driver, "mei@example.com")
    lines: list[str] = []

    # when the demo's forum story runs (twice: a re-run reuses the board)
    forum_story(driver, token, lines.append)
    forum_story(driver, token, lines.append)

    # then she was closed out, qualified by ordering, posted, and staff answered with a badge
    text = "\n".join(lines)
    assert "closed to her: You have 0 paid orders so far." in text
    assert text.count("she orders again") == 2
    assert "Staff [staff]: Try 85 °C" in text
    assert "Customer: I brew it at 90 °C for 3 minutes. Too long?" in text
    assert ForumBoard.objects.count() == 1


def test_unknown_and_malformed_ids_are_typed_errors_that_change_nothing(driver, public_board):
    # given
    _, token = shopper(driver, "mei@example.com")
    topic = create_topic(driver, token, public_board["id"])
    before = forum_state()

    # when ids point nowhere, or at the wrong type
    missing_topic = create_post(driver, token, gid("ForumTopic", 999999), expect_errors=True)
    wrong_type = create_post(driver, token, public_board["id"], expect_errors=True)
    missing_board = create_topic(driver, token, gid("ForumBoard", 999999), expect_errors=True)
    missing_post = driver.mutate(
        "forumReport", REPORT, {"post": gid("ForumPost", 999999)}, token=token, expect_errors=True
    )
    unknown_view = topic_view(driver, gid("ForumTopic", 999999), token=token)
    unknown_list = topics(driver, "not-an-id", token=token)

    # then each is a typed error on the right field and nothing changed
    assert [(e["field"], e["code"]) for e in missing_topic["errors"]] == [("topicId", "NOT_FOUND")]
    assert [(e["field"], e["code"]) for e in wrong_type["errors"]] == [("topicId", "INVALID")]
    assert [(e["field"], e["code"]) for e in missing_board["errors"]] == [("boardId", "NOT_FOUND")]
    assert [(e["field"], e["code"]) for e in missing_post["errors"]] == [("postId", "NOT_FOUND")]
    assert unknown_view == {"topic": None, "errors": []}  # null, as Saleor's product(id:)
    assert (codes(unknown_list), unknown_list["board"]) == (["INVALID"], None)
    assert forum_state() == before
    assert topic_view(driver, topic["id"], token=token)["errors"] == []
