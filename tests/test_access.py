"""Issue 9, the holes a hostile shopper or an under-privileged staff member finds: every path to
a forum topic or post applies the board's read rule, card download links die with the staff
member's permission, and staff point adjustments carry clean, bounded reasons."""

from __future__ import annotations

import inspect

import graphene
import pytest
from saleor.account.models import User

from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.forum import selectors
from saleor_retention.forum.models import ForumPost, ForumSubscription, ForumTopic
from saleor_retention.graphql.forum import types as forum_types
from saleor_retention.graphql.schema import schema
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
        selectors.posts_page(topic=row, viewer=mei, first=50, after=None)

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
            while isinstance(inner, (graphene.List, graphene.NonNull)) or inspect.isfunction(inner):
                inner = inner() if inspect.isfunction(inner) else inner.of_type
            if getattr(inner, "_meta", None) and inner._meta.name in type_names:
                yield graphene_type._meta.name, name, field


def test_every_field_that_returns_a_topic_or_a_post_applies_the_read_guard():
    # given the schema the store serves
    # when every field returning a forum topic or post is found
    found = list(_fields_returning({"ForumTopic", "ForumPost"}))

    # then there are such fields in payloads, results and edges, and each has the read guard
    owners = {owner for owner, _name, _field in found}
    assert {"ForumTopicUnsubscribe", "ForumTopicResult", "ForumPostEdge"} <= owners
    unguarded = [
        (o, n) for o, n, field in found if not getattr(field, forum_types.READ_GUARD, False)
    ]
    assert unguarded == []
