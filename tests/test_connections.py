"""Issue 11 through the real GraphQL API: keyset pages that stay stable while rows arrive, both
directions, typed refusals for oversized pages; ``node(id:)`` with the same permission checks as
the direct fields; checkouts named by ``checkoutId``; optional idempotency keys."""

from __future__ import annotations

from saleor.account.models import User

from saleor_retention.ledger.models import LedgerEntry
from saleor_retention_site.driver import gid, pk_of
from tests.connections import nodes
from tests.test_access import closed_board_with_a_staff_topic
from tests.test_card_printing import _issue_cards
from tests.test_forum import create_board, create_topic, shopper

HISTORY = """query($first: Int, $last: Int, $after: String, $before: String) {
  me { loyalty { entries(first: $first, last: $last, after: $after, before: $before) {
    totalCount
    edges { cursor node { id points } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } } }
}"""
ADJUST = """mutation($customer: ID!, $points: Int!, $key: String) {
  loyaltyPointsAdjust(customerId: $customer, points: $points, reason: "Goodwill",
      idempotencyKey: $key) {
    entry { id points } errors { field code message }
  }
}"""
NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on ForumTopic { title } ... on ForumPost { body } ... on ForumBoard { name canRead }
  ... on LoyaltyCard { code } ... on LoyaltyEntry { points } ... on Review { title } } }"""


def adjust(driver, customer_gid, points, key=None):
    variables = {"customer": customer_gid, "points": points, "key": key}
    return driver.mutate("loyaltyPointsAdjust", ADJUST, variables, token=driver.staff_token())


def history(driver, token, **variables):
    body = driver.execute(HISTORY, variables, token=token)
    return body, (body.get("data") or {}).get("me", {})["loyalty"]["entries"]


def test_history_pages_forward_and_back_and_stays_stable_while_points_arrive(retention_on):
    # given a shopper with 5 adjustments
    driver = retention_on
    customer = driver.account_register("pager@example.com")
    token = driver.token_create("pager@example.com", "customer-password")
    for points in range(1, 6):
        assert adjust(driver, customer, points)["errors"] == []

    # when she reads the first page of 2, then 3 more points arrive, then she reads on
    _body, first = history(driver, token, first=2)
    for points in range(6, 9):
        adjust(driver, customer, points)
    _body, second = history(driver, token, first=2, after=first["pageInfo"]["endCursor"])
    _body, third = history(driver, token, first=2, after=second["pageInfo"]["endCursor"])

    # then newest first, each entry once: the new ones do not push old ones onto later pages
    assert [n["points"] for n in nodes(first)] == [5, 4]
    assert [n["points"] for n in nodes(second)] == [3, 2]
    assert [n["points"] for n in nodes(third)] == [1]
    assert first["pageInfo"] | {"startCursor": None, "endCursor": None} == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }
    assert (third["pageInfo"]["hasNextPage"], third["pageInfo"]["hasPreviousPage"]) == (
        False,
        True,
    )
    assert third["totalCount"] == 8

    # when she pages back from the second page with last/before
    _body, back = history(driver, token, last=2, before=second["pageInfo"]["startCursor"])

    # then the two entries before it, in list order, and more before those (the new ones)
    assert [n["points"] for n in nodes(back)] == [5, 4]
    assert (back["pageInfo"]["hasPreviousPage"], back["pageInfo"]["hasNextPage"]) == (True, True)
    _body, newest = history(driver, token, last=3, before=back["pageInfo"]["startCursor"])
    assert [n["points"] for n in nodes(newest)] == [8, 7, 6]
    assert newest["pageInfo"]["hasPreviousPage"] is False


def test_pages_above_100_and_cursors_of_another_list_are_typed_refusals(retention_on):
    # given a shopper with history, and a cursor of another list (a review page's)
    driver = retention_on
    customer = driver.account_register("big@example.com")
    token = driver.token_create("big@example.com", "customer-password")
    adjust(driver, customer, 10)
    _body, page = history(driver, token, first=1)
    cursor = page["edges"][0]["cursor"]
    product_reviews = driver.execute(
        """query($id: ID!, $after: String) { product(id: $id) { reviews(after: $after) {
            totalCount } } }""",
        {"id": gid("Product", driver.store.product_id), "after": cursor},
    )

    # when she asks for 101 entries, or last and first at once
    too_many, _ = driver.execute(HISTORY, {"first": 101}, token=token), None
    both = driver.execute(HISTORY, {"first": 1, "last": 1}, token=token)

    # then typed errors with a code and the argument, and no page
    def refusal(body):
        return [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]]

    assert refusal(too_many) == [("PAGE_TOO_LARGE", "first")]
    assert "100" in too_many["errors"][0]["message"]
    assert too_many["data"]["me"]["loyalty"]["entries"] is None
    assert refusal(both) == [("INVALID", "last")]
    assert refusal(product_reviews) == [("INVALID", "after")]


def test_node_fetches_what_the_direct_fields_show_and_nothing_more(retention_on):
    # given a closed board's staff topic and reply, and a shopper it is closed to
    driver = retention_on
    topic, reply, closed_token = closed_board_with_a_staff_topic(driver)
    # and a public board's topic, and two shoppers with loyalty cards
    board = create_board(driver, name="General", slug="general")
    _mei, mei_token = shopper(driver, "open@example.com")
    open_topic = create_topic(driver, mei_token, board["id"], title="Open")
    cards = _issue_cards(driver, ["ann@example.com", "bob@example.com"])
    owners = dict(
        User.objects.filter(email__in=["ann@example.com", "bob@example.com"]).values_list(
            "email", "pk"
        )
    )
    ann_card = next(c for c in cards if c.customer_id == owners["ann@example.com"])
    bob_card = next(c for c in cards if c.customer_id == owners["bob@example.com"])
    ann_token = driver.token_create("ann@example.com", "customer-password")
    entry = adjust(driver, gid("User", ann_card.customer_id), 7)["entry"]

    def node(global_id, token=None):
        return driver.query(NODE, {"id": global_id}, token=token)["node"]

    # then the closed topic and its reply are null to her, shown to staff
    assert node(topic["id"], closed_token) is None
    assert node(reply["id"], closed_token) is None
    assert node(topic["id"], driver.staff_token())["title"] == "Members only"
    assert node(reply["id"], driver.staff_token())["body"] == "Secret reply"
    # and the board itself is listed to her as closed (as forumBoards shows it)
    assert node(topic["board"]["id"], closed_token)["canRead"] is False
    # and a public topic is shown to anyone
    assert node(open_topic["id"])["title"] == "Open"
    # and a card is shown to its customer and staff, null to another customer and anonymous
    assert node(gid("LoyaltyCard", ann_card.pk), ann_token)["code"] == ann_card.code
    assert node(gid("LoyaltyCard", bob_card.pk), ann_token) is None
    assert node(gid("LoyaltyCard", ann_card.pk)) is None
    assert node(gid("LoyaltyCard", bob_card.pk), driver.staff_token())["code"] == bob_card.code
    # and a history entry to its customer only (and staff who manage users)
    assert node(entry["id"], ann_token)["points"] == 7
    assert node(entry["id"], mei_token) is None
    # and the ids are the ones the lists give
    listed = driver.query("{ me { loyaltyCards { edges { node { id } } } } }", token=ann_token)[
        "me"
    ]["loyaltyCards"]
    assert {"id": gid("LoyaltyCard", ann_card.pk)} in nodes(listed)


def test_points_are_applied_by_checkout_id_and_the_deprecated_token_still_works(retention_on):
    # given a shopper with points and a checkout
    driver = retention_on
    customer = driver.account_register("pia@example.com")
    token = driver.token_create("pia@example.com", "customer-password")
    adjust(driver, customer, 500)
    checkout = driver.checkout_create(email="pia@example.com", quantity=2, token=token)
    apply = """mutation($id: ID, $token: UUID, $points: Int!) {
      loyaltyPointsApply(checkoutId: $id, checkoutToken: $token, points: $points) {
        checkout { id loyalty { appliedPoints } } errors { field code }
      }
    }"""
    checkout_id = gid("Checkout", checkout["token"])

    def run(**variables):
        return driver.mutate(
            "loyaltyPointsApply", apply, variables, token=token, expect_errors=True
        )

    # when she applies points by the checkout's ID, then by its token
    by_id = run(id=checkout_id, points=100)
    by_token = run(token=checkout["token"], points=200)

    # then both apply (the second replaces the first)
    assert by_id == {
        "checkout": {"id": checkout_id, "loyalty": {"appliedPoints": 100}},
        "errors": [],
    }
    assert by_token["checkout"]["loyalty"]["appliedPoints"] == 200

    # and neither, an id of another type, or two different checkouts are typed refusals
    other = "6c2f2bc4-8c1c-4a7e-9b43-5e0c2b9d5d7a"  # (Saleor gives a shopper one checkout)
    refused = [
        run(points=10),
        run(id=gid("Order", checkout["token"]), points=10),
        run(id=checkout_id, token=other, points=10),
    ]
    assert [(p["checkout"], [(e["field"], e["code"]) for e in p["errors"]]) for p in refused] == [
        (None, [("checkoutId", "REQUIRED")]),
        (None, [("checkoutId", "INVALID")]),
        (None, [("checkoutToken", "INVALID")]),
    ]


def test_an_adjustment_without_a_key_runs_once_per_call_and_a_key_replays(retention_on):
    # given a shopper
    driver = retention_on
    customer = driver.account_register("keys@example.com")

    # when staff adjust twice without a key, then twice with the same key
    first = adjust(driver, customer, 10)
    second = adjust(driver, customer, 10)
    keyed = adjust(driver, customer, 25, key="ticket-42")
    replay = adjust(driver, customer, 25, key="ticket-42")

    # then two adjustments without a key, and one for the key: its replay returns the first
    assert first["errors"] == second["errors"] == keyed["errors"] == replay["errors"] == []
    assert first["entry"]["id"] != second["entry"]["id"]
    assert replay["entry"] == keyed["entry"]
    entries = LedgerEntry.objects.filter(account__customer_id=pk_of(customer), type="adjustment")
    assert sorted(entries.values_list("points", flat=True)) == [10, 10, 25]
