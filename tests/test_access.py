"""Issue 9, the holes a hostile shopper or an under-privileged staff member finds: every path to
a forum topic or post applies the board's read rule, card download links die with the staff
member's permission, and staff point adjustments carry clean, bounded reasons."""

from __future__ import annotations

import inspect
from urllib.parse import urlparse

import graphene
import pytest
from saleor.account.models import User

from saleor_retention.adjustments import services
from saleor_retention.bonuses.models import LoyaltyCampaign
from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.forum import selectors
from saleor_retention.forum.models import ForumPost, ForumSubscription, ForumTopic
from saleor_retention.graphql.forum import types as forum_types
from saleor_retention.graphql.schema import schema
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount
from saleor_retention_site.driver import gid, pk_of
from tests.connections import nodes
from tests.test_card_printing import _issue_cards
from tests.test_forum import codes, create_board, create_post, create_topic, pay_orders, shopper

LEAKY_TOPIC = """{ topic { id title board { canRead }
    posts(first: 50) { edges { node { authorName body } } } } errors { code } }"""


def forum_mutation(driver, name, arguments, token, selection=LEAKY_TOPIC):
    signature = ", ".join(f"${key}: ID!" for key in arguments)
    call = ", ".join(f"{key}: ${key}" for key in arguments)
    return driver.mutate(
        name,
        f"mutation({signature}) {{ {name}({call}) {selection} }}",
        arguments,
        token=token,
        expect_errors=True,
    )


def closed_board_with_a_staff_topic(driver):
    """A board for customers with 2 paid orders, a staff topic with a reply, and a shopper who
    has only 1 paid order."""
    board = create_board(driver, name="Inner circle", access="REPEAT_CUSTOMERS", minPaidOrders=2)
    topic = create_topic(driver, driver.staff_token(), board["id"], title="Members only", body="S1")
    reply = create_post(driver, driver.staff_token(), topic["id"], body="Secret reply")
    _mei, token = shopper(driver, "mei@example.com")
    pay_orders(driver, "mei@example.com", token, 1)
    return topic, reply, token


def test_no_forum_mutation_payload_shows_a_topic_on_a_board_closed_to_the_caller(driver):
    # given a closed board's topic and a shopper it is closed to
    topic, reply, token = closed_board_with_a_staff_topic(driver)

    # when she unsubscribes from it (allowed, a no-op) asking for its posts
    unsubscribed = forum_mutation(driver, "forumTopicUnsubscribe", {"topicId": topic["id"]}, token)

    # then there is no error, but no topic and no post either
    assert unsubscribed == {"topic": None, "errors": []}

    # when she tries every other shopper mutation that names the topic or its post
    subscribed = forum_mutation(driver, "forumTopicSubscribe", {"topicId": topic["id"]}, token)
    reported = forum_mutation(
        driver, "forumReport", {"postId": reply["id"]}, token, "{ post { body } errors { code } }"
    )
    posted = create_post(driver, token, topic["id"], expect_errors=True)

    # then each is refused with BOARD_CLOSED and shows nothing; nothing changed
    for payload, key in ((subscribed, "topic"), (reported, "post"), (posted, "post")):
        assert codes(payload) == ["BOARD_CLOSED"] and payload[key] is None
    assert ForumSubscription.objects.filter(customer_id__isnull=False).count() == 1  # staff's own
    assert ForumPost.objects.count() == 2 and ForumTopic.objects.get().subscriber_count == 1


def test_posts_of_a_topic_on_a_closed_board_are_refused_whatever_led_to_the_topic(driver):
    # given a closed board's topic, the shopper it is closed to, and a forum moderator
    _topic, _reply, _token = closed_board_with_a_staff_topic(driver)
    row = ForumTopic.objects.select_related("board").get()
    mei = selectors.Viewer(str(User.objects.get(email="mei@example.com").pk))
    moderator = selectors.Viewer(
        str(User.objects.get(email=driver.store.staff_email).pk), is_moderator=True
    )

    # when her posts page is built (as ForumTopic.posts does under any parent field)
    with pytest.raises(RetentionError) as refused:
        selectors.topic_posts(row, mei)

    # then it is refused with BOARD_CLOSED, and the one read rule says no to her, yes to staff
    assert refused.value.code == RetentionErrorCode.BOARD_CLOSED
    assert selectors.may_read_topic(row, mei) is False
    assert selectors.may_read_topic(row, moderator) is True


def _fields_returning(type_names):
    """(owner type, field name, graphene field) for every field in the served schema whose value
    is one of ``type_names`` (through lists and non-null)."""
    for gql_type in schema.get_type_map().values():
        graphene_type = getattr(gql_type, "graphene_type", None)
        if not (isinstance(graphene_type, type) and issubclass(graphene_type, graphene.ObjectType)):
            continue
        for name, field in graphene_type._meta.fields.items():
            inner = field.type
            while isinstance(inner, graphene.List | graphene.NonNull) or inspect.isfunction(inner):
                inner = inner() if inspect.isfunction(inner) else inner.of_type
            if getattr(inner, "_meta", None) and inner._meta.name in type_names:
                yield graphene_type._meta.name, name, field


def test_every_field_that_returns_a_topic_or_a_post_applies_the_read_guard():
    # given the schema the store serves
    # when every field returning a forum topic or post is found
    found = list(_fields_returning({"ForumTopic", "ForumPost"}))

    # then there are such fields in payloads, the root query and edges, each with the read guard
    owners = {owner for owner, _name, _field in found}
    assert {"ForumTopicUnsubscribe", "Query", "ForumPostCountableEdge"} <= owners
    unguarded = [
        (o, n) for o, n, field in found if not getattr(field, forum_types.READ_GUARD, False)
    ]
    assert unguarded == []


# --- staff point adjustments -------------------------------------------------------------------

ADJUST = """mutation($customer: ID!, $points: Int!, $reason: String!, $key: String!) {
  loyaltyPointsAdjust(customerId: $customer, points: $points, reason: $reason, idempotencyKey: $key) {
    entry { points reason } errors { field code }
  }
}"""


def adjust(driver, customer, reason, key, points=10):
    return driver.mutate(
        "loyaltyPointsAdjust",
        ADJUST,
        {"customer": customer, "points": points, "reason": reason, "key": key},
        token=driver.staff_token(),
        expect_errors=True,
    )


def adjustments():
    return list(LedgerEntry.objects.filter(type="adjustment").values_list("points", "reason"))


def test_adjustment_reasons_are_stored_as_plain_text_and_shown_so(retention_on):
    # given a shopper
    customer = retention_on.account_register("fay@example.com")

    # when staff give reasons with markup, bidi overrides, control characters and a NUL
    marked = adjust(retention_on, customer, '<img src=x onerror="alert(1)">Good\u202ewill\x07', "a")
    nul = adjust(retention_on, customer, "Late\x00 parcel", "b")

    # then both are stored and shown to her as plain text
    assert marked == {"entry": {"points": 10, "reason": "Goodwill"}, "errors": []}
    assert nul == {"entry": {"points": 10, "reason": "Late parcel"}, "errors": []}
    token = retention_on.token_create("fay@example.com", "customer-password")
    shown = nodes(
        retention_on.query(
            "{ me { loyalty { entries(first: 5) { edges { node { reason } } } } } }", token=token
        )["me"]["loyalty"]["entries"]
    )
    assert [e["reason"] for e in shown][:2] == ["Late parcel", "Goodwill"]


def test_too_long_markup_only_and_control_keyed_adjustments_are_refused_unchanged(retention_on):
    # given a shopper with one adjustment
    customer = retention_on.account_register("fay@example.com")
    assert adjust(retention_on, customer, "Welcome", "first")["errors"] == []
    before = adjustments()

    # when staff send a 1 MB reason, one longer than the documented maximum by one character, a
    # reason that is only markup, and an idempotency key with a NUL
    limit = services.ADJUSTMENT_REASON_MAX_LENGTH
    refusals = [
        adjust(retention_on, customer, "x" * 1_000_000, "huge"),
        adjust(retention_on, customer, "y" * (limit + 1), "long"),
        adjust(retention_on, customer, "<b></b>", "empty"),
        adjust(retention_on, customer, "Fine", "key\x00"),
    ]

    # then each is a typed refusal on its field, nothing is cut and nothing is stored
    assert [r["errors"] for r in refusals] == [
        [{"field": "reason", "code": "TOO_LONG"}],
        [{"field": "reason", "code": "TOO_LONG"}],
        [{"field": "reason", "code": "REQUIRED"}],
        [{"field": "idempotencyKey", "code": "INVALID"}],
    ]
    assert all(r["entry"] is None for r in refusals)
    assert adjustments() == before
    # and exactly the maximum is accepted whole
    assert adjust(retention_on, customer, "z" * limit, "max")["entry"]["reason"] == "z" * limit


def test_staff_cannot_credit_their_own_account(retention_on):
    # given a staff member who shops at the store too (a user with MANAGE_USERS)
    staff_id = retention_on.query("{ me { id } }", token=retention_on.staff_token())["me"]["id"]

    # when they adjust their own points
    refused = adjust(retention_on, staff_id, "Bonus for me", "self", points=5000)

    # then it is refused with SELF_ADJUSTMENT and their balance does not move
    assert refused == {
        "entry": None,
        "errors": [{"field": "customerId", "code": "SELF_ADJUSTMENT"}],
    }
    assert adjustments() == []
    assert (
        LoyaltyAccount.objects.filter(customer_id=pk_of(staff_id), available_points__gt=0).count()
        == 0
    )


CAMPAIGN = """mutation($reason: String!, $key: String!, $audience: LoyaltyCampaignAudienceInput!) {
  loyaltyCampaignBonusCreate(points: 10, reason: $reason, campaignKey: $key, audience: $audience) {
    campaign { reason } errors { field code }
  }
}"""


def test_campaign_reasons_are_plain_text_and_staff_cannot_include_themselves(retention_on):
    # given a shopper and a staff member
    customer = retention_on.account_register("fay@example.com")
    staff_id = retention_on.query("{ me { id } }", token=retention_on.staff_token())["me"]["id"]

    def campaign(reason, key, *ids):
        return retention_on.mutate(
            "loyaltyCampaignBonusCreate",
            CAMPAIGN,
            {"reason": reason, "key": key, "audience": {"customerIds": list(ids)}},
            token=retention_on.staff_token(),
            expect_errors=True,
        )

    # when staff start campaigns with markup and a NUL in the reason, and one naming themselves
    marked = campaign("<script>x()</script>Spring\u202e bonus\x00", "spring", customer)
    self_included = campaign("For us", "us", customer, staff_id)

    # then the reason is stored as plain text, and the self-including one is refused unchanged
    assert marked == {"campaign": {"reason": "Spring bonus"}, "errors": []}
    assert self_included == {
        "campaign": None,
        "errors": [{"field": "customerIds", "code": "SELF_ADJUSTMENT"}],
    }
    assert LoyaltyCampaign.objects.filter(key="us").count() == 0
    assert adjustments() == []


# --- card download links -----------------------------------------------------------------------

PERMISSION_GROUP_CREATE = """mutation($input: PermissionGroupCreateInput!) {
  permissionGroupCreate(input: $input) { group { id } permissionGroupErrors { field code } }
}"""
PERMISSION_GROUP_UPDATE = """mutation($id: ID!, $input: PermissionGroupUpdateInput!) {
  permissionGroupUpdate(id: $id, input: $input) { group { id } permissionGroupErrors { field code } }
}"""
STAFF_UPDATE = """mutation($id: ID!, $input: StaffUpdateInput!) {
  staffUpdate(id: $id, input: $input) { user { id isActive } staffErrors { field code } }
}"""


def card_staff(driver, email):
    """A staff member who may print cards: an account (Saleor's staffCreate mails a password link,
    so the password is set here) put into a MANAGE_DISCOUNTS group through Saleor's GraphQL."""
    user = User.objects.create_user(email, "staff-password", is_staff=True, is_active=True)
    # Saleor refuses to take a permission group's last member away: the admin joins it too
    admin_id = gid("User", User.objects.get(email=driver.store.staff_email).pk)
    group = driver.query(
        PERMISSION_GROUP_CREATE,
        {
            "input": {
                "name": "Cards",
                "addPermissions": ["MANAGE_DISCOUNTS"],
                "addUsers": [gid("User", user.pk), admin_id],
            }
        },
        token=driver.staff_token(),
    )["permissionGroupCreate"]
    assert group["permissionGroupErrors"] == []
    return gid("User", user.pk), group["group"]["id"], driver.token_create(email, "staff-password")


def pdf_link_of(driver, token):
    [card] = nodes(
        driver.query("{ loyaltyCards { edges { node { pdfUrl } } } }", token=token)["loyaltyCards"]
    )
    return urlparse(card["pdfUrl"]).path


@pytest.mark.parametrize("revocation", ["group_left", "deactivated", "deleted"])
def test_a_card_download_link_dies_with_its_staff_members_permission(retention_on, revocation):
    # given an issued card and a card clerk's download link that works
    _issue_cards(retention_on, ["b1@example.com"])
    clerk_id, group_id, clerk_token = card_staff(retention_on, "clerk@example.com")
    link = pdf_link_of(retention_on, clerk_token)
    assert retention_on.client.get(link).status_code == 200

    # when, within the link's 15 minutes, the clerk loses the permission through Saleor
    admin = retention_on.staff_token()
    if revocation == "group_left":
        changed = retention_on.query(
            PERMISSION_GROUP_UPDATE,
            {"id": group_id, "input": {"removeUsers": [clerk_id]}},
            token=admin,
        )["permissionGroupUpdate"]
        assert changed["permissionGroupErrors"] == []
    elif revocation == "deactivated":
        changed = retention_on.query(
            STAFF_UPDATE, {"id": clerk_id, "input": {"isActive": False}}, token=admin
        )["staffUpdate"]
        assert changed["staffErrors"] == []
    else:
        deleted = retention_on.query(
            "mutation($id: ID!) { staffDelete(id: $id) { staffErrors { code } } }",
            {"id": clerk_id},
            token=admin,
        )["staffDelete"]
        assert deleted["staffErrors"] == []

    # then the same link is refused, and a link of staff who keep the permission still works
    refused = retention_on.client.get(link)
    assert refused.status_code == 403
    assert b"may no longer download cards" in refused.content
    assert retention_on.client.get(pdf_link_of(retention_on, admin)).status_code == 200


APP_CREATE = """mutation($input: AppInput!) {
  appCreate(input: $input) { app { id } authToken appErrors { field code } }
}"""


def test_an_app_s_card_download_link_works_while_the_app_may_print(retention_on):
    # given an issued card and an app holding MANAGE_DISCOUNTS (Saleor's appCreate)
    _issue_cards(retention_on, ["b1@example.com"])
    admin = retention_on.staff_token()
    created = retention_on.query(
        APP_CREATE,
        {"input": {"name": "Print shop", "permissions": ["MANAGE_DISCOUNTS"]}},
        token=admin,
    )["appCreate"]
    assert created["appErrors"] == []

    # when the app asks for the card's PDF link with its own token
    [card] = nodes(
        retention_on.query(
            "{ loyaltyCards { edges { node { pdfUrl } } } }", app_token=created["authToken"]
        )["loyaltyCards"]
    )
    link = urlparse(card["pdfUrl"]).path

    # then the link prints the card, until the app is deactivated through Saleor
    printed = retention_on.client.get(link)
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    updated = retention_on.query(
        "mutation($id: ID!) { appUpdate(id: $id, input: {isActive: false}) "
        "{ appErrors { code } } }",
        {"id": created["app"]["id"]},
        token=admin,
    )["appUpdate"]
    assert updated["appErrors"] == []
    refused = retention_on.client.get(link)
    assert refused.status_code == 403 and b"may no longer download cards" in refused.content
