"""Issue 11: the lists' ``filter:`` and ``sortBy: { field, direction }`` inputs, through Saleor
2.10's real GraphQL: what each filter keeps, each sort's order across keyset pages that stay
stable while rows arrive, typed refusals of bad input, and a page's query count that does not
grow with the rows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_retention.ledger import services as ledger
from saleor_retention_site.driver import gid, pk_of
from tests.connections import nodes
from tests.test_ledger_services import settings_with


def refusals(body) -> list[tuple[str, str]]:
    return [(e["extensions"]["code"], e["extensions"]["field"]) for e in body.get("errors") or []]


def query_count(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


# --- LoyaltyAccount.entries ---------------------------------------------------------------------

ENTRIES = """query($filter: LoyaltyEntryFilterInput, $sort: LoyaltyEntrySortingInput,
    $first: Int, $after: String) {
  me { loyalty { entries(filter: $filter, sortBy: $sort, first: $first, after: $after) {
    totalCount edges { node { type points order { id } } }
    pageInfo { hasNextPage endCursor }
  } } }
}"""
ADJUST = """mutation($customer: ID!, $points: Int!) {
  loyaltyPointsAdjust(customerId: $customer, points: $points, reason: "Goodwill") {
    errors { code }
  }
}"""


def _adjust(driver, customer, points):
    variables = {"customer": customer, "points": points}
    driver.mutate("loyaltyPointsAdjust", ADJUST, variables, token=driver.staff_token())


def _campaign_bonus(customer, points, key):
    ledger.credit(
        customer_id=pk_of(customer),
        points=points,
        type="campaign_bonus",
        key=key,
        settings=settings_with(),
    )


def test_history_filters_by_type_and_time_and_sorts_by_points_across_stable_pages(retention_on):
    # given a shopper with three adjustments and two campaign bonuses
    driver = retention_on
    customer = driver.account_register("sorted@example.com")
    token = driver.token_create("sorted@example.com", "customer-password")
    for points in (30, 10, 20):
        _adjust(driver, customer, points)
    _campaign_bonus(customer, 5, "c1")
    _campaign_bonus(customer, 50, "c2")

    def page(**variables):
        body = driver.execute(ENTRIES, variables, token=token)
        assert body.get("errors") is None, body
        return body["data"]["me"]["loyalty"]["entries"]

    # when she lists her adjustments only, fewest points first, two a page, and a new
    # adjustment arrives between the pages
    by_points = {"field": "POINTS", "direction": "ASC"}
    only_adjustments = {"type": ["ADJUSTMENT"]}
    first = page(filter=only_adjustments, sort=by_points, first=2)
    _adjust(driver, customer, 15)
    second = page(
        filter=only_adjustments, sort=by_points, first=2, after=first["pageInfo"]["endCursor"]
    )

    # then the pages keep the keyset order: 10, 20, then 30 (the new 15 sorts before the cursor)
    assert [n["points"] for n in nodes(first)] == [10, 20]
    assert [n["points"] for n in nodes(second)] == [30]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["totalCount"] == 4
    assert {n["type"] for n in nodes(first) + nodes(second)} == {"ADJUSTMENT"}

    # and the campaign bonuses, most points first
    bonuses = page(
        filter={"type": ["CAMPAIGN_BONUS"]}, sort={"field": "POINTS", "direction": "DESC"}
    )
    assert [n["points"] for n in nodes(bonuses)] == [50, 5]

    # and a time range that holds nothing, and one that holds everything
    assert page(filter={"until": "2000-01-01T00:00:00+00:00"})["totalCount"] == 0
    assert page(filter={"since": "2000-01-01T00:00:00+00:00"})["totalCount"] == 6


def test_history_refuses_a_bad_filter_and_a_cursor_of_another_sort_with_typed_errors(
    retention_on,
):
    # given a shopper with history, and a cursor of the default order
    driver = retention_on
    customer = driver.account_register("badfilter@example.com")
    token = driver.token_create("badfilter@example.com", "customer-password")
    _adjust(driver, customer, 10)
    _adjust(driver, customer, 20)
    default = driver.execute(ENTRIES, {"first": 1}, token=token)["data"]["me"]["loyalty"]
    cursor = default["entries"]["pageInfo"]["endCursor"]

    # when she filters by an id that is not an order's, gives a range that ends before it
    # starts, or pages a points sort with the default order's cursor
    not_an_order = driver.execute(ENTRIES, {"filter": {"order": customer}}, token=token)
    backwards = driver.execute(
        ENTRIES,
        {"filter": {"since": "2030-01-01T00:00:00+00:00", "until": "2020-01-01T00:00:00+00:00"}},
        token=token,
    )
    other_sort = driver.execute(
        ENTRIES, {"sort": {"field": "POINTS", "direction": "ASC"}, "after": cursor}, token=token
    )

    # then each is a typed error naming the input, and no page
    assert refusals(not_an_order) == [("INVALID", "order")]
    assert refusals(backwards) == [("INVALID", "until")]
    assert refusals(other_sort) == [("INVALID", "after")]
    assert not_an_order["data"]["me"]["loyalty"]["entries"] is None


def test_a_filtered_sorted_history_page_costs_the_same_queries_however_long(retention_on):
    # given a shopper with a few entries
    driver = retention_on
    customer = driver.account_register("countsort@example.com")
    token = driver.token_create("countsort@example.com", "customer-password")
    for i in range(3):
        _campaign_bonus(customer, 5 + i, f"s{i}")
    variables = {
        "filter": {"type": ["CAMPAIGN_BONUS"], "since": "2000-01-01T00:00:00+00:00"},
        "sort": {"field": "POINTS", "direction": "DESC"},
        "first": 50,
    }

    def run():
        return driver.query(ENTRIES, variables, token=token)

    short = query_count(run)

    # when forty more arrive
    for i in range(40):
        _campaign_bonus(customer, 10 + i, f"t{i}")

    # then a page of them costs the same queries
    assert query_count(run) == short
    assert len(nodes(run()["me"]["loyalty"]["entries"])) == 43


def test_history_filters_by_order(retention_on):
    # given a shopper with points earned on an order and an adjustment
    driver = retention_on
    customer = driver.account_register("byorder@example.com")
    token = driver.token_create("byorder@example.com", "customer-password")
    _adjust(driver, customer, 10)
    order = driver.buy(email="byorder@example.com", token=token)

    # when she filters her history by that order
    body = driver.execute(ENTRIES, {"filter": {"order": order["id"]}}, token=token)

    # then only its entries, each linked to it
    entries = nodes(body["data"]["me"]["loyalty"]["entries"])
    assert entries and {e["order"]["id"] for e in entries} == {order["id"]}
    assert {e["type"] for e in entries} == {"EARN"}


# --- loyaltyCards, User.loyaltyCards, loyaltyCardPrograms ----------------------------------------

CARDS = """query($filter: LoyaltyCardFilterInput, $sort: LoyaltyCardSortingInput, $first: Int,
    $after: String) {
  loyaltyCards(filter: $filter, sortBy: $sort, first: $first, after: $after) {
    totalCount edges { node { code status } } pageInfo { hasNextPage endCursor }
  }
}"""
PROGRAMS = """query($filter: LoyaltyCardProgramFilterInput, $sort: LoyaltyCardProgramSortingInput) {
  loyaltyCardPrograms(filter: $filter, sortBy: $sort) {
    totalCount edges { node { name kind isActive cardsIssued } }
  }
}"""
MY_CARDS = """query($filter: LoyaltyUserCardFilterInput, $sort: LoyaltyCardSortingInput) {
  me { loyaltyCards(filter: $filter, sortBy: $sort) { edges { node { code status } } } }
}"""
CARD_PROGRAM = {"kind": "percentage", "value": 5, "currency": "USD", "validity_days": 30}


def _cards_for(customer_pk, orders, start):
    """``orders`` parcels of the customer, each drawn for a card (one program, sampling 100%)."""
    from saleor_retention.cards import services as cards

    settings = settings_with()
    for n in range(orders):
        order_id = f"{start}-{n}"
        cards.decide_for_parcel(
            cards.ParcelFacts(order_id, order_id, customer_pk, "USD", 0), settings
        )


def _programs(*names, **values):
    from saleor_retention.cards import services as cards

    return [
        cards.program_create(values={**CARD_PROGRAM, "sample_rate": 100, "name": name, **values})
        for name in names
    ]


def test_staff_find_cards_by_customer_and_code_and_page_them_by_code(retention_on):
    from saleor_retention.cards.models import LoyaltyCard

    # given two customers' cards
    driver = retention_on
    staff = driver.staff_token()
    ann = pk_of(driver.account_register("cardann@example.com"))
    bob = pk_of(driver.account_register("cardbob@example.com"))
    _programs("Ten off")
    _cards_for(ann, 3, "ann")
    _cards_for(bob, 2, "bob")
    ann_codes = sorted(LoyaltyCard.objects.filter(customer_id=ann).values_list("code", flat=True))

    def page(**variables):
        body = driver.execute(CARDS, variables, token=staff)
        assert body.get("errors") is None, body
        return body["data"]["loyaltyCards"]

    # when staff list Ann's cards by code, two a page, while Bob gets another card
    by_code = {"field": "CODE", "direction": "ASC"}
    first = page(filter={"customer": gid("User", ann)}, sort=by_code, first=2)
    _cards_for(bob, 1, "bob2")
    second = page(
        filter={"customer": gid("User", ann)},
        sort=by_code,
        first=2,
        after=first["pageInfo"]["endCursor"],
    )

    # then her three cards in code order, each once
    assert [n["code"] for n in nodes(first) + nodes(second)] == ann_codes
    assert (first["totalCount"], second["pageInfo"]["hasNextPage"]) == (3, False)

    # and a part of a code finds that card, in any case
    found = page(filter={"search": ann_codes[1][2:8].lower()})
    assert [n["code"] for n in nodes(found)] == [ann_codes[1]]

    # and the issue time range, and expiry order (descending: the latest first)
    assert page(filter={"issuedUntil": "2000-01-01T00:00:00+00:00"})["totalCount"] == 0
    latest = page(sort={"field": "EXPIRES_AT", "direction": "DESC"}, first=1)
    newest = LoyaltyCard.objects.order_by("-expires_at", "-pk").first()
    assert [n["code"] for n in nodes(latest)] == [newest.code]


def test_card_filters_refuse_bad_input_with_typed_errors(retention_on):
    driver = retention_on
    staff = driver.staff_token()

    # when staff filter by a product's id as the customer, search 101 characters, or give a
    # range that ends before it starts
    bad = [
        driver.execute(CARDS, {"filter": filter}, token=staff)
        for filter in (
            {"customer": gid("Product", driver.store.product_id)},
            {"search": "x" * 101},
            {
                "issuedSince": "2030-01-01T00:00:00+00:00",
                "issuedUntil": "2029-01-01T00:00:00+00:00",
            },
        )
    ]
    programs = driver.execute(PROGRAMS, {"filter": {"search": "\x00"}}, token=staff)

    # then each is a typed error naming the input field
    assert [refusals(body) for body in bad] == [
        [("INVALID", "customer")],
        [("INVALID", "search")],
        [("INVALID", "issuedUntil")],
    ]
    assert refusals(programs) == [("INVALID", "search")]
    assert bad[0]["data"]["loyaltyCards"] is None


def test_a_shopper_filters_her_cards_by_status_and_sorts_them(retention_on):
    from saleor_retention.cards.models import LoyaltyCard

    # given a shopper with three cards, one of them voided
    driver = retention_on
    mei = driver.account_register("cardmei@example.com")
    token = driver.token_create("cardmei@example.com", "customer-password")
    _programs("Five off")
    _cards_for(pk_of(mei), 3, "mei")
    cards = list(LoyaltyCard.objects.filter(customer_id=pk_of(mei)).order_by("code"))
    LoyaltyCard.objects.filter(pk=cards[0].pk).update(status="void")

    def mine(**variables):
        return nodes(driver.query(MY_CARDS, variables, token=token)["me"]["loyaltyCards"])

    # then her open cards by code, and the voided one alone
    by_code = {"field": "CODE", "direction": "DESC"}
    assert [n["code"] for n in mine(filter={"status": ["ISSUED"]}, sort=by_code)] == [
        cards[2].code,
        cards[1].code,
    ]
    assert mine(filter={"status": ["VOID"]}) == [{"code": cards[0].code, "status": "VOID"}]


def test_staff_filter_and_sort_card_programs(retention_on):
    # given three programs, one switched off, one giving free shipping
    driver = retention_on
    staff = driver.staff_token()
    _programs("Spring", "Autumn")
    _programs("Old", is_active=False)
    _programs("Ship free", kind="free_shipping")

    def names(**variables):
        body = driver.execute(PROGRAMS, variables, token=staff)
        assert body.get("errors") is None, body
        return [n["name"] for n in nodes(body["data"]["loyaltyCardPrograms"])]

    by_name = {"field": "NAME", "direction": "ASC"}
    assert names(sort=by_name) == ["Autumn", "Old", "Ship free", "Spring"]
    assert names(filter={"isActive": True}, sort=by_name) == ["Autumn", "Ship free", "Spring"]
    assert names(filter={"isActive": False}) == ["Old"]
    assert names(filter={"kind": ["FREE_SHIPPING"]}) == ["Ship free"]
    assert names(filter={"search": "RING"}) == ["Spring"]
    assert names(sort={"field": "CREATED_AT", "direction": "DESC"}) == [
        "Ship free",
        "Old",
        "Autumn",
        "Spring",
    ]


def test_filtered_sorted_card_pages_cost_the_same_queries_however_many(retention_on):
    # given a shopper's few cards, listed by staff (filtered, sorted) and by her
    driver = retention_on
    staff = driver.staff_token()
    ann = driver.account_register("cardcount@example.com")
    token = driver.token_create("cardcount@example.com", "customer-password")
    _programs("Count", "Count 2")
    _cards_for(pk_of(ann), 2, "c1")
    staff_list = {
        "filter": {
            "customer": ann,
            "status": ["ISSUED"],
            "search": "",
            "issuedSince": "2000-01-01T00:00:00+00:00",
        },
        "sort": {"field": "EXPIRES_AT", "direction": "ASC"},
        "first": 100,
    }

    def run():
        driver.query(CARDS, staff_list, token=staff)
        driver.query(MY_CARDS, {"sort": {"field": "CODE", "direction": "ASC"}}, token=token)
        driver.query(PROGRAMS, {"sort": {"field": "NAME", "direction": "ASC"}}, token=staff)

    run()  # warm the token and permission caches
    short = query_count(run)

    # when she gets many more
    _programs("Count 3")
    _cards_for(pk_of(ann), 15, "c2")

    # then the same queries
    assert query_count(run) == short
    assert driver.query(CARDS, staff_list, token=staff)["loyaltyCards"]["totalCount"] >= 17


# --- forumBoards, forumTopics, ForumTopic.posts ------------------------------------------------

BOARDS = """query($filter: ForumBoardFilterInput, $sort: ForumBoardSortingInput) {
  forumBoards(filter: $filter, sortBy: $sort) { totalCount edges { node { name access } } }
}"""
TOPICS = """query($board: ID!, $filter: ForumTopicFilterInput, $sort: ForumTopicSortingInput,
    $first: Int, $after: String) {
  forumTopics(boardId: $board, filter: $filter, sortBy: $sort, first: $first, after: $after) {
    totalCount edges { node { title isPinned postCount isSubscribed isMine } }
    pageInfo { hasNextPage endCursor }
  }
}"""
POSTS = """query($id: ID!, $filter: ForumPostFilterInput, $sort: ForumPostSortingInput) {
  forumTopic(id: $id) { posts(filter: $filter, sortBy: $sort) {
    totalCount edges { node { body isMine } }
  } }
}"""


def test_boards_filter_by_access_and_name_and_sort_by_name(driver):
    from tests.test_forum import create_board

    # given three boards
    create_board(driver, name="Tea talk", slug="tea", position=3)
    create_board(
        driver, name="Regulars", slug="regulars", access="REPEAT_CUSTOMERS", minPaidOrders=2
    )
    create_board(driver, name="Brewing", slug="brewing", position=1)

    def names(**variables):
        body = driver.execute(BOARDS, variables)
        assert body.get("errors") is None, body
        return [n["name"] for n in nodes(body["data"]["forumBoards"])]

    # then by position by default, by name when asked, and filtered by access and name
    assert names() == ["Regulars", "Brewing", "Tea talk"]
    assert names(sort={"field": "NAME", "direction": "DESC"}) == ["Tea talk", "Regulars", "Brewing"]
    assert names(filter={"access": ["PUBLIC"]}, sort={"field": "NAME", "direction": "ASC"}) == [
        "Brewing",
        "Tea talk",
    ]
    assert names(filter={"search": "BREW"}) == ["Brewing"]


def test_topics_filter_for_the_shopper_and_sort_across_stable_pages(driver):
    from tests.test_forum import create_board, create_post, create_topic, moderate, shopper

    # given a board with three of Mei's topics and one of Ann's, one of hers pinned
    driver.plugin_update(forum_rate_limit_posts="0")
    board = create_board(driver, name="General", slug="general")
    _mei, mei = shopper(driver, "forummei@example.com")
    _ann, ann = shopper(driver, "forumann@example.com")
    kettles = create_topic(driver, mei, board["id"], title="Kettles")
    cups = create_topic(driver, mei, board["id"], title="Cups")
    create_topic(driver, mei, board["id"], title="Leaves")
    ann_topic = create_topic(driver, ann, board["id"], title="Water")
    create_post(driver, mei, ann_topic["id"], body="Soft water")
    create_post(driver, ann, cups["id"], body="Porcelain")
    create_post(driver, ann, cups["id"], body="Glass")
    moderate(driver, "PIN", topic=kettles["id"])

    def topics(token=mei, **variables):
        body = driver.execute(TOPICS, {"board": board["id"], **variables}, token=token)
        assert body.get("errors") is None, body
        return body["data"]["forumTopics"]

    def titles(token=mei, **variables):
        return [n["title"] for n in nodes(topics(token, **variables))]

    # then her own, the ones she follows (what she started), the pinned one, a title
    assert titles(filter={"isMine": True}) == ["Kettles", "Cups", "Leaves"]
    assert titles(filter={"isMine": False}) == ["Water"]
    assert sorted(titles(filter={"isSubscribed": True})) == ["Cups", "Kettles", "Leaves"]
    assert titles(filter={"isSubscribed": False}) == ["Water"]
    assert titles(filter={"isPinned": True}) == ["Kettles"]
    assert titles(filter={"search": "ETTL"}) == ["Kettles"]
    # and signed out, nothing is hers and she follows nothing
    assert titles(token=None, filter={"isMine": True}) == []
    assert titles(token=None, filter={"isSubscribed": True}) == []
    assert len(titles(token=None, filter={"isSubscribed": False})) == 4

    # when she sorts by title, two a page, and a new topic arrives between the pages
    by_title = {"field": "TITLE", "direction": "ASC"}
    first = topics(sort=by_title, first=2)
    create_topic(driver, ann, board["id"], title="Aroma")
    second = topics(sort=by_title, first=2, after=first["pageInfo"]["endCursor"])

    # then the keyset keeps the order: the new "Aroma" sorts before the cursor, nothing repeats
    assert [n["title"] for n in nodes(first)] == ["Cups", "Kettles"]
    assert [n["title"] for n in nodes(second)] == ["Leaves", "Water"]
    # and by visible posts, most first (ties: the latest activity)
    assert titles(sort={"field": "POST_COUNT", "direction": "DESC"})[0] == "Cups"


def test_posts_filter_by_author_and_time_and_sort_newest_first(driver):
    from tests.test_forum import create_board, create_post, create_topic, shopper

    # given a topic opened by Mei with replies by Ann and Mei
    driver.plugin_update(forum_rate_limit_posts="0")
    board = create_board(driver, name="General", slug="general")
    _mei, mei = shopper(driver, "postmei@example.com")
    _ann, ann = shopper(driver, "postann@example.com")
    topic = create_topic(driver, mei, board["id"], title="Hello", body="Opening")
    create_post(driver, ann, topic["id"], body="Reply one")
    create_post(driver, mei, topic["id"], body="Reply two")

    def bodies(token=mei, **variables):
        body = driver.execute(POSTS, {"id": topic["id"], **variables}, token=token)
        assert body.get("errors") is None, body
        return [n["body"] for n in nodes(body["data"]["forumTopic"]["posts"])]

    assert bodies() == ["Opening", "Reply one", "Reply two"]
    assert bodies(sort={"field": "CREATED_AT", "direction": "DESC"}) == [
        "Reply two",
        "Reply one",
        "Opening",
    ]
    assert bodies(filter={"isMine": True}) == ["Opening", "Reply two"]
    assert bodies(token=ann, filter={"isMine": True}) == ["Reply one"]
    assert bodies(filter={"until": "2000-01-01T00:00:00+00:00"}) == []

    # and a range that ends before it starts, or a long search, is a typed error
    backwards = driver.execute(
        POSTS,
        {
            "id": topic["id"],
            "filter": {"since": "2030-01-01T00:00:00+00:00", "until": "2029-01-01T00:00:00+00:00"},
        },
    )
    long_search = driver.execute(TOPICS, {"board": board["id"], "filter": {"search": "y" * 200}})
    assert refusals(backwards) == [("INVALID", "until")]
    assert refusals(long_search) == [("INVALID", "search")]


def test_filtered_sorted_forum_pages_cost_the_same_queries_however_many(driver):
    from tests.test_forum import create_board, create_post, create_topic, shopper

    driver.plugin_update(forum_rate_limit_posts="0")
    board = create_board(driver, name="General", slug="general")
    _mei, mei = shopper(driver, "countmei@example.com")
    topic = create_topic(driver, mei, board["id"], title="Counting")
    create_post(driver, mei, topic["id"], body="one")
    sort = {"field": "LAST_POST_AT", "direction": "DESC"}

    def run():
        driver.query(
            TOPICS,
            {"board": board["id"], "filter": {"isSubscribed": True, "search": "o"}, "sort": sort},
            token=mei,
        )
        driver.query(
            POSTS,
            {
                "id": topic["id"],
                "filter": {"isMine": True},
                "sort": {"field": "CREATED_AT", "direction": "DESC"},
            },
            token=mei,
        )
        driver.query(BOARDS, {"sort": {"field": "NAME", "direction": "ASC"}}, token=mei)

    run()
    short = query_count(run)
    for n in range(12):
        create_topic(driver, mei, board["id"], title=f"Topic {n}")
        create_post(driver, mei, topic["id"], body=f"post {n}")
    create_board(driver, name="Second", slug="second")

    assert query_count(run) == short


# --- User.reviews, reviewModerationQueue, reviewRequestsDue -------------------------------------

MY_REVIEWS = """query($filter: ReviewCustomerFilterInput, $sort: ReviewSortingInput) {
  me { reviews(filter: $filter, sortBy: $sort) { totalCount edges { node { title rating status } } } }
}"""
QUEUE = """query($filter: ReviewModerationFilterInput, $sort: ReviewSortingInput, $first: Int,
    $after: String) {
  reviewModerationQueue(filter: $filter, sortBy: $sort, first: $first, after: $after) {
    totalCount edges { node { title rating isComplaint reportCount } }
    pageInfo { hasNextPage endCursor }
  }
}"""
DUE = """query($filter: ReviewRequestFilterInput, $sort: ReviewRequestSortingInput) {
  reviewRequestsDue(filter: $filter, sortBy: $sort) {
    totalCount edges { node { orderId productId customerId dueAt } }
  }
}"""


def _reviews(driver, customer_pk, count, start=0):
    from tests.test_reviews_queries import add_reviews

    add_reviews(driver.store, customer_pk, start, count)


def test_a_shopper_filters_her_reviews_by_status_and_rating_and_sorts_them(retention_on):
    from saleor_retention.reviews.models import Review
    from tests.test_reviews import register

    # given a shopper's reviews (the odd ones of six: ratings 2, 4 and 1), one of them pending
    driver = retention_on
    customer, token = register(driver, "myreviews@example.com")
    _reviews(driver, customer, 6)
    Review.objects.filter(title="Review 3").update(status="pending")

    def titles(**variables):
        body = driver.execute(MY_REVIEWS, variables, token=token)
        assert body.get("errors") is None, body
        return [n["title"] for n in nodes(body["data"]["me"]["reviews"])]

    assert sorted(titles()) == ["Review 1", "Review 3", "Review 5"]
    assert titles(filter={"status": ["PENDING"]}) == ["Review 3"]
    assert titles(filter={"rating": 2}) == ["Review 1"]
    assert titles(sort={"field": "RATING", "direction": "ASC"}) == [
        "Review 5",
        "Review 1",
        "Review 3",
    ]


def test_moderators_filter_complaints_reports_rating_and_text_across_stable_pages(retention_on):
    from saleor_retention.reviews.models import Review
    from tests.test_reviews import register

    # given ten reviews, each reported once; two are complaints; two were never reported
    driver = retention_on
    staff = driver.staff_token()
    customer, _token = register(driver, "queue@example.com")
    _reviews(driver, customer, 10)
    Review.objects.filter(title__in=["Review 2", "Review 7"]).update(is_complaint=True)
    Review.objects.exclude(title__in=["Review 0", "Review 1"]).update(report_count=1)
    Review.objects.filter(title="Review 8").update(body="The tin arrived dented")

    def queue(**variables):
        body = driver.execute(QUEUE, variables, token=staff)
        assert body.get("errors") is None, body
        return body["data"]["reviewModerationQueue"]

    def titles(**variables):
        return [n["title"] for n in nodes(queue(**variables))]

    assert titles(filter={"isComplaint": True}) == ["Review 2", "Review 7"]
    assert titles(filter={"isReported": False}) == ["Review 0", "Review 1"]
    assert len(titles(filter={"isReported": True})) == 8
    assert titles(filter={"rating": 5}) == ["Review 4", "Review 9"]
    assert titles(filter={"search": "DENTED"}) == ["Review 8"]
    assert titles(filter={"search": "review 6"}) == ["Review 6"]

    # when staff page the reported reviews by rating, highest first, while another arrives
    by_rating = {"field": "RATING", "direction": "DESC"}
    first = queue(filter={"isReported": True}, sort=by_rating, first=4)
    _reviews(driver, customer, 1, start=20)  # rating 1: sorts after every cursor so far
    Review.objects.filter(title="Review 20").update(report_count=1)
    second = queue(
        filter={"isReported": True}, sort=by_rating, first=10, after=first["pageInfo"]["endCursor"]
    )

    # then each reported review once, by rating
    ratings = [n["rating"] for n in nodes(first) + nodes(second)]
    assert ratings == sorted(ratings, reverse=True)
    assert len(ratings) == 9 and second["pageInfo"]["hasNextPage"] is False


def test_staff_filter_due_review_requests_by_product_order_and_customer(retention_on):
    from saleor_retention.reviews.models import ReviewRequest
    from tests.test_reviews import register

    # given four due requests, one of another customer and one of another product
    driver = retention_on
    staff = driver.staff_token()
    customer, _token = register(driver, "due@example.com")
    other, _other_token = register(driver, "otherdue@example.com")
    _reviews(driver, customer, 4)
    ReviewRequest.objects.filter(order_id="803").update(customer_id=other, product_id="999999")

    def due(**variables):
        body = driver.execute(DUE, variables, token=staff)
        assert body.get("errors") is None, body
        return nodes(body["data"]["reviewRequestsDue"])

    mine = due(filter={"customer": gid("User", customer)})
    assert {n["customerId"] for n in mine} == {gid("User", customer)} and len(mine) == 3
    assert [n["orderId"] for n in due(filter={"order": gid("Order", "801")})] == [
        gid("Order", "801")
    ]
    assert len(due(filter={"product": gid("Product", driver.store.product_id)})) == 3
    # and the latest scheduled first
    scheduled = due(sort={"field": "CREATED_AT", "direction": "DESC"})
    assert [n["orderId"] for n in scheduled] == [gid("Order", f"80{n}") for n in (3, 2, 1, 0)]

    # and another type's id is a typed error on the input field
    body = driver.execute(DUE, {"filter": {"customer": gid("Product", 1)}}, token=staff)
    assert refusals(body) == [("INVALID", "customer")]


def test_filtered_sorted_review_pages_cost_the_same_queries_however_many(retention_on):
    from tests.test_reviews import register

    driver = retention_on
    staff = driver.staff_token()
    customer, token = register(driver, "reviewcount@example.com")
    _reviews(driver, customer, 3)
    rating = {"field": "RATING", "direction": "DESC"}

    def run():
        driver.query(MY_REVIEWS, {"filter": {"status": ["PUBLISHED"]}, "sort": rating}, token=token)
        driver.query(
            QUEUE,
            {"filter": {"isReported": True, "search": "review", "rating": 1}, "sort": rating},
            token=staff,
        )
        driver.query(
            DUE,
            {
                "filter": {"customer": gid("User", customer)},
                "sort": {"field": "DUE_AT", "direction": "DESC"},
            },
            token=staff,
        )

    run()
    short = query_count(run)
    _reviews(driver, customer, 30, start=3)
    assert query_count(run) == short


# --- retentionAuditEvents -----------------------------------------------------------------------

AUDIT = """query($filter: RetentionAuditEventFilterInput, $sort: RetentionAuditEventSortingInput,
    $first: Int, $after: String) {
  retentionAuditEvents(filter: $filter, sortBy: $sort, first: $first, after: $after) {
    totalCount edges { node { action targetType targetId } } pageInfo { endCursor hasNextPage }
  }
}"""


def test_staff_find_the_record_of_one_row_and_read_it_oldest_first(retention_on):
    from saleor_retention.audit.models import AuditEvent

    # given events on two reviews and on a plugin's settings
    driver = retention_on
    staff = driver.staff_token()
    for target_type, target_id, action in (
        ("Review", "5", "review_moderated"),
        ("Review", "6", "review_moderated"),
        ("Review", "5", "review_moderated"),
        ("Plugin", "saleor_retention.plugin", "settings_changed"),
    ):
        AuditEvent.objects.create(action=action, target_type=target_type, target_id=target_id)

    def events(**variables):
        body = driver.execute(AUDIT, variables, token=staff)
        assert body.get("errors") is None, body
        return body["data"]["retentionAuditEvents"]

    # then the record of one review, by its global id as targetId shows it, and of the plugin
    review = events(filter={"target": gid("Review", 5)})
    assert [n["targetId"] for n in nodes(review)] == [gid("Review", 5)] * 2
    plugin = events(filter={"target": "saleor_retention.plugin"})
    assert [n["targetType"] for n in nodes(plugin)] == ["Plugin"]
    assert events(filter={"target": gid("Review", 7)})["totalCount"] == 0

    # and oldest first, paged
    oldest = {"field": "CREATED_AT", "direction": "ASC"}
    first = events(sort=oldest, first=3)
    AuditEvent.objects.create(action="card_voided", target_type="LoyaltyCard", target_id="1")
    second = events(sort=oldest, first=3, after=first["pageInfo"]["endCursor"])
    assert [n["targetType"] for n in nodes(first)] == ["Review"] * 3
    assert [n["targetType"] for n in nodes(second)] == ["Plugin", "LoyaltyCard"]

    # and a range that ends before it starts is a typed error
    body = driver.execute(
        AUDIT,
        {"filter": {"since": "2030-01-01T00:00:00+00:00", "until": "2029-01-01T00:00:00+00:00"}},
        token=staff,
    )
    assert refusals(body) == [("INVALID", "until")]
