"""The audit record of staff actions (issue 10): one event per review decision, card void,
points adjustment, forum pin / lock / hide and settings change, written in the action's own
transaction, read by staff through ``retentionAuditEvents``, and an erased staff member's
events kept with the actor unlinked. Everything runs through Saleor's GraphQL endpoint."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.utils import timezone
from saleor.account.models import User

from saleor_retention.audit.models import AuditAction, AuditEvent
from saleor_retention.cards.models import LoyaltyCard
from saleor_retention.forum import services as forum_services
from saleor_retention.forum.selectors import Viewer
from saleor_retention.privacy import export_customer
from saleor_retention.reviews.models import Review
from saleor_retention_site.driver import gid, pk_of
from tests.connections import nodes

ERRORS = "errors { field code message }"
AUDIT_EVENTS = """query($first: Int, $after: String, $last: Int, $before: String,
                        $filter: RetentionAuditEventFilterInput) {
  retentionAuditEvents(first: $first, after: $after, last: $last, before: $before,
                       filter: $filter) {
    totalCount
    edges { cursor node { id action actorId actorEmail targetType targetId payload createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
REVIEW_CREATE = f"""mutation($input: ReviewCreateInput!) {{
  reviewCreate(input: $input) {{ review {{ id status }} {ERRORS} }}
}}"""
REVIEW_MODERATE = f"""mutation($id: ID!, $action: ReviewModerationAction, $reason: String,
                         $isComplaint: Boolean) {{
  reviewModerate(id: $id, action: $action, reason: $reason, isComplaint: $isComplaint) {{
    review {{ id status }} {ERRORS}
  }}
}}"""
CARD_VOID = (
    f"""mutation($id: ID!) {{ loyaltyCardVoid(id: $id) {{ card {{ id status }} {ERRORS} }} }}"""
)
ADJUST = f"""mutation($customer: ID!, $points: Int!, $reason: String!, $key: String) {{
  loyaltyPointsAdjust(customerId: $customer, points: $points, reason: $reason,
                      idempotencyKey: $key) {{ entry {{ id points }} {ERRORS} }}
}}"""
BOARD_CREATE = f"""mutation($input: ForumBoardInput!) {{
  forumBoardCreate(input: $input) {{ board {{ id }} {ERRORS} }}
}}"""
TOPIC_CREATE = f"""mutation($board: ID!, $title: String!, $body: String!) {{
  forumTopicCreate(boardId: $board, title: $title, body: $body) {{
    topic {{ id posts {{ edges {{ node {{ id }} }} }} }} {ERRORS}
  }}
}}"""
MODERATE = f"""mutation($action: ForumModerationAction!, $topic: ID, $post: ID) {{
  forumModerate(action: $action, topicId: $topic, postId: $post) {{
    topic {{ id isPinned isLocked isHidden }} post {{ id isHidden }} {ERRORS}
  }}
}}"""
STAFF_DELETE = """mutation($id: ID!) {
  staffDelete(id: $id) { user { id } staffErrors { field code message } }
}"""
GROUP_CREATE = """mutation($input: PermissionGroupCreateInput!) {
  permissionGroupCreate(input: $input) { group { id } permissionGroupErrors { field code } }
}"""


def audit_events(driver, token=None, **variables):
    data = driver.query(AUDIT_EVENTS, variables, token=token or driver.staff_token())
    return data["retentionAuditEvents"]


def events_of(driver, action, **variables):
    connection = audit_events(driver, filter={"action": [action]}, **variables)
    return [{**node, "payload": json.loads(node["payload"])} for node in nodes(connection)]


def staff_member(driver, email, permissions):
    """A staff account holding ``permissions`` through a permission group of its own."""
    user = User.objects.create_user(email, "staff-password", is_staff=True, is_active=True)
    created = driver.query(
        GROUP_CREATE,
        {
            "input": {
                "name": email,
                "addPermissions": permissions,
                "addUsers": [gid("User", user.pk)],
            }
        },
        token=driver.staff_token(),
    )["permissionGroupCreate"]
    assert created["permissionGroupErrors"] == []
    return user, driver.token_create(email, "staff-password")


def staff_pk(driver):
    return User.objects.get(email=driver.store.staff_email).pk


# --- moderation ------------------------------------------------------------------------------


def test_every_review_decision_is_on_record_with_its_moderator(retention_on):
    driver = retention_on
    # given a published review and two moderators
    driver.account_register("ann@example.com")
    ann = driver.token_create("ann@example.com", "customer-password")
    order = driver.buy(email="ann@example.com", token=ann)
    driver.order_fulfill(order["id"])
    review = driver.mutate(
        "reviewCreate",
        REVIEW_CREATE,
        {"input": {"product": gid("Product", driver.store.product_id), "rating": 5, "body": "Ok"}},
        token=ann,
    )["review"]
    first, first_token = staff_member(driver, "mod1@example.com", ["MANAGE_PRODUCTS"])
    second, second_token = staff_member(driver, "mod2@example.com", ["MANAGE_PRODUCTS"])

    # when one flags a complaint and the other removes it
    driver.mutate(
        "reviewModerate",
        REVIEW_MODERATE,
        {"id": review["id"], "isComplaint": True},
        token=first_token,
    )
    driver.mutate(
        "reviewModerate",
        REVIEW_MODERATE,
        {"id": review["id"], "action": "REMOVE", "reason": "Off topic"},
        token=second_token,
    )

    # then both decisions are on record, newest first, each with its moderator
    removed, flagged = events_of(driver, "REVIEW_MODERATED")
    assert removed["actorId"] == gid("User", second.pk)
    assert removed["actorEmail"] == "mod2@example.com"
    assert removed["targetType"] == "Review" and removed["targetId"] == review["id"]
    assert removed["payload"] == {
        "decision": "remove",
        "status": {"before": "published", "after": "removed"},
        "reason": "Off topic",
    }
    assert flagged["actorId"] == gid("User", first.pk)
    assert flagged["payload"] == {
        "decision": None,
        "is_complaint": {"before": False, "after": True},
    }


def test_a_refused_decision_leaves_no_event(retention_on):
    driver = retention_on
    driver.account_register("bea@example.com")
    bea = driver.token_create("bea@example.com", "customer-password")
    order = driver.buy(email="bea@example.com", token=bea)
    driver.order_fulfill(order["id"])
    review = driver.mutate(
        "reviewCreate",
        REVIEW_CREATE,
        {"input": {"product": gid("Product", driver.store.product_id), "rating": 4, "body": "Ok"}},
        token=bea,
    )["review"]

    # when staff approve a review already published (refused: ALREADY_DONE)
    payload = driver.mutate(
        "reviewModerate",
        REVIEW_MODERATE,
        {"id": review["id"], "action": "APPROVE", "isComplaint": True},
        token=driver.staff_token(),
        expect_errors=True,
    )

    # then the flag given with it is not set either, and nothing is on record
    assert payload["errors"][0]["code"] == "ALREADY_DONE"
    assert Review.objects.get(pk=pk_of(review["id"])).is_complaint is False
    assert not AuditEvent.objects.filter(action=AuditAction.REVIEW_MODERATED).exists()


# --- cards and points ------------------------------------------------------------------------


def test_a_voided_card_names_the_staff_member_who_voided_it(retention_on):
    from tests.test_cards import TEN_OFF

    driver = retention_on
    driver.mutate(
        "loyaltyCardProgramCreate",
        f"""mutation($input: LoyaltyCardProgramInput!) {{
            loyaltyCardProgramCreate(input: $input) {{ program {{ id }} {ERRORS} }} }}""",
        {"input": TEN_OFF},
        token=driver.staff_token(),
    )
    order = driver.buy(email="cara@example.com", quantity=6)
    driver.order_fulfill(order["id"])
    card = LoyaltyCard.objects.get()
    voider, token = staff_member(driver, "cards@example.com", ["MANAGE_DISCOUNTS"])

    # when that staff member voids it, and then tries again
    driver.mutate("loyaltyCardVoid", CARD_VOID, {"id": gid("LoyaltyCard", card.pk)}, token=token)
    again = driver.mutate(
        "loyaltyCardVoid",
        CARD_VOID,
        {"id": gid("LoyaltyCard", card.pk)},
        token=token,
        expect_errors=True,
    )

    # then one event records who voided it, from which status; the refused retry adds none
    assert again["errors"][0]["code"] == "ALREADY_DONE"
    (event,) = events_of(driver, "CARD_VOIDED")
    assert event["actorId"] == gid("User", voider.pk)
    assert event["targetId"] == gid("LoyaltyCard", card.pk)
    assert event["payload"] == {
        "status": {"before": "issued", "after": "void"},
        "reason": "voided by staff",
    }


def test_a_points_adjustment_is_on_record_once_even_when_replayed(retention_on):
    driver = retention_on
    customer_id = driver.account_register("dora@example.com")
    variables = {"customer": customer_id, "points": 40, "reason": "Late parcel", "key": "k-1"}

    # when staff adjust her points, and the same request is replayed with its key
    entry = driver.mutate("loyaltyPointsAdjust", ADJUST, variables, token=driver.staff_token())
    driver.mutate("loyaltyPointsAdjust", ADJUST, variables, token=driver.staff_token())
    refused = driver.mutate(
        "loyaltyPointsAdjust",
        ADJUST,
        {**variables, "points": -(10**6), "key": "k-2"},
        token=driver.staff_token(),
        expect_errors=True,
    )

    # then one event, naming the entry, the points and the reason; the refusal wrote none
    assert refused["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    (event,) = events_of(driver, "POINTS_ADJUSTED")
    assert event["targetType"] == "LoyaltyEntry"
    assert event["targetId"] == entry["entry"]["id"]
    assert event["actorId"] == gid("User", staff_pk(driver))
    assert event["payload"]["points"] == 40
    assert event["payload"]["reason"] == "Late parcel"


# --- forum -----------------------------------------------------------------------------------


def forum_topic(driver):
    board = driver.mutate(
        "forumBoardCreate", BOARD_CREATE, {"input": {"name": "Chat"}}, token=driver.staff_token()
    )["board"]
    return driver.mutate(
        "forumTopicCreate",
        TOPIC_CREATE,
        {"board": board["id"], "title": "Hello", "body": "First"},
        token=driver.staff_token(),
    )["topic"]


def test_forum_pin_lock_and_hide_are_on_record_and_a_repeat_adds_nothing(retention_on):
    driver = retention_on
    topic = forum_topic(driver)
    post_id = topic["posts"]["edges"][0]["node"]["id"]
    staff = driver.staff_token()

    # when staff pin twice, lock, hide the topic, hide a post and unpin
    for action, target in [
        ("PIN", {"topic": topic["id"]}),
        ("PIN", {"topic": topic["id"]}),
        ("LOCK", {"topic": topic["id"]}),
        ("HIDE", {"topic": topic["id"]}),
        ("HIDE", {"post": post_id}),
        ("UNPIN", {"topic": topic["id"]}),
    ]:
        driver.mutate("forumModerate", MODERATE, {"action": action, **target}, token=staff)

    # then each change is one event with the flag before and after; the second pin changed nothing
    pins = events_of(driver, "TOPIC_PINNED")
    assert [event["payload"] for event in pins] == [
        {"is_pinned": {"before": True, "after": False}},
        {"is_pinned": {"before": False, "after": True}},
    ]
    (lock,) = events_of(driver, "TOPIC_LOCKED")
    assert lock["payload"] == {"is_locked": {"before": False, "after": True}}
    (hide,) = events_of(driver, "TOPIC_HIDDEN")
    assert hide["targetId"] == topic["id"]
    (post_hide,) = events_of(driver, "POST_HIDDEN")
    assert post_hide["targetType"] == "ForumPost" and post_hide["targetId"] == post_id
    assert {event["actorId"] for event in pins} == {gid("User", staff_pk(driver))}


def test_a_moderation_that_rolls_back_leaves_no_event(retention_on):
    driver = retention_on
    topic = forum_topic(driver)
    viewer = Viewer(str(staff_pk(driver)), is_moderator=True)

    # when the pin's transaction fails after the pin
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            forum_services.topic_moderate(viewer=viewer, topic_id=pk_of(topic["id"]), action="pin")
            assert AuditEvent.objects.filter(action=AuditAction.TOPIC_PINNED).count() == 1
            raise RuntimeError("after the pin")

    # then neither the pin nor its event remain
    assert not AuditEvent.objects.filter(action=AuditAction.TOPIC_PINNED).exists()
    assert audit_events(driver, filter={"action": ["TOPIC_PINNED"]})["totalCount"] == 0


# --- settings --------------------------------------------------------------------------------


def test_settings_changes_name_the_settings_and_their_values(retention_on):
    driver = retention_on
    # given the plugin switched on with the default sign-up bonus and 14 pending days
    driver.plugin_update(pending_days="14")
    recorded = len(events_of(driver, "SETTINGS_CHANGED"))

    # when staff move the bonus, give the pending days they have, and switch the plugin off;
    # then save the same values again
    driver.plugin_update(signup_bonus="25", pending_days="14", active=False)
    driver.plugin_update(signup_bonus="25", pending_days="14")

    # then one event for that save, with the moved setting's old and new values and the switch;
    # the unchanged save records nothing
    events = events_of(driver, "SETTINGS_CHANGED")
    assert len(events) == recorded + 1
    latest = events[0]
    assert latest["targetType"] == "Plugin" and latest["targetId"] == "saleor.retention"
    assert latest["actorId"] == gid("User", staff_pk(driver))
    assert latest["actorEmail"] == driver.store.staff_email
    assert latest["payload"] == {
        "settings": {"signup_bonus": {"before": "0", "after": "25"}},
        "active": {"before": True, "after": False},
    }


def test_a_refused_setting_saves_nothing_and_records_nothing(retention_on):
    driver = retention_on
    before = AuditEvent.objects.count()
    payload = driver.plugin_update(signup_bonus="-5", expect_errors=True)
    assert payload["pluginsErrors"]
    assert AuditEvent.objects.count() == before


def test_a_secret_setting_is_named_without_its_values():
    from saleor_retention.events import settings_changes

    changes = settings_changes(
        {"api_key": "old-secret", "signup_bonus": "0", "unknown": "a"},
        {"api_key": "new-secret", "signup_bonus": "5", "unknown": "b"},
        {"api_key": {"type": "Password"}, "signup_bonus": {"type": "String"}},
    )
    assert changes == {
        "api_key": {"redacted": True},
        "signup_bonus": {"before": "0", "after": "5"},
        "unknown": {"redacted": True},
    }
    assert "secret" not in json.dumps(changes)


# --- reading ---------------------------------------------------------------------------------


def test_staff_page_and_filter_the_record(retention_on):
    driver = retention_on
    topic = forum_topic(driver)
    moderator, token = staff_member(driver, "pages@example.com", ["MANAGE_PAGES"])
    for action in ("PIN", "UNPIN", "PIN", "LOCK"):
        driver.mutate(
            "forumModerate", MODERATE, {"action": action, "topic": topic["id"]}, token=token
        )
    started = timezone.now()
    driver.mutate(
        "forumModerate", MODERATE, {"action": "UNLOCK", "topic": topic["id"]}, token=token
    )

    # when staff page through this moderator's events two at a time
    mine = {"actor": gid("User", moderator.pk)}
    page1 = audit_events(driver, first=2, filter=mine)
    page2 = audit_events(driver, first=2, after=page1["pageInfo"]["endCursor"], filter=mine)
    page3 = audit_events(driver, first=2, after=page2["pageInfo"]["endCursor"], filter=mine)
    back = audit_events(driver, last=2, before=page3["pageInfo"]["startCursor"], filter=mine)

    # then five events in all, newest first, with no repeats; filters narrow them
    assert page1["totalCount"] == 5
    actions = [n["action"] for page in (page1, page2, page3) for n in nodes(page)]
    assert actions == [
        "TOPIC_LOCKED",
        "TOPIC_LOCKED",
        "TOPIC_PINNED",
        "TOPIC_PINNED",
        "TOPIC_PINNED",
    ]
    assert page3["pageInfo"]["hasNextPage"] is False
    assert [n["id"] for n in nodes(back)] == [n["id"] for n in nodes(page2)]
    recent = audit_events(driver, filter={**mine, "since": started.isoformat()})
    assert [n["action"] for n in nodes(recent)] == ["TOPIC_LOCKED"]
    older = audit_events(driver, filter={**mine, "until": started.isoformat()})
    assert older["totalCount"] == 4
    assert audit_events(driver, filter={"targetType": "Review"})["totalCount"] == 0


def test_the_record_is_for_plugin_managers_only(retention_on):
    driver = retention_on
    driver.plugin_update(signup_bonus="7")
    _, pages_only = staff_member(driver, "nope@example.com", ["MANAGE_PAGES"])
    _, plugins = staff_member(driver, "plugins@example.com", ["MANAGE_PLUGINS"])

    refused = driver.execute(AUDIT_EVENTS, {"first": 5}, token=pages_only)
    assert refused["data"]["retentionAuditEvents"] is None
    assert refused["errors"][0]["message"] == "You do not have permission to perform this action."
    allowed = audit_events(driver, token=plugins, first=5)
    event_id = nodes(allowed)[0]["id"]
    node = "query($id: ID!) { node(id: $id) { ... on RetentionAuditEvent { action } } }"
    assert driver.query(node, {"id": event_id}, token=plugins)["node"] == {
        "action": "SETTINGS_CHANGED"
    }
    assert driver.query(node, {"id": event_id}, token=pages_only)["node"] is None


def test_a_malformed_actor_id_is_a_typed_error(retention_on):
    driver = retention_on
    body = driver.execute(
        AUDIT_EVENTS, {"filter": {"actor": gid("Order", 1)}}, token=driver.staff_token()
    )
    assert body["data"]["retentionAuditEvents"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert body["errors"][0]["extensions"]["field"] == "actor"


# --- privacy ---------------------------------------------------------------------------------


def test_an_erased_staff_members_events_keep_the_action_without_the_actor(retention_on):
    driver = retention_on
    topic = forum_topic(driver)
    moderator, token = staff_member(driver, "leaving@example.com", ["MANAGE_PAGES"])
    driver.mutate("forumModerate", MODERATE, {"action": "PIN", "topic": topic["id"]}, token=token)
    exported = export_customer(str(moderator.pk))["audit"]
    assert [row["action"] for row in exported] == ["topic_pinned"]

    # when the store deletes the staff account through Saleor's staffDelete
    result = driver.query(
        STAFF_DELETE, {"id": gid("User", moderator.pk)}, token=driver.staff_token()
    )["staffDelete"]
    assert result["staffErrors"] == []

    # then the pin stays on record, with neither the link nor the e-mail
    (event,) = events_of(driver, "TOPIC_PINNED")
    assert event["actorId"] is None and event["actorEmail"] == ""
    assert event["payload"] == {"is_pinned": {"before": False, "after": True}}
    assert export_customer(str(moderator.pk))["audit"] == []
