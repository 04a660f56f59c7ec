"""The forum's rate limit under real parallel database connections: ten posts of one shopper at
the same moment never exceed the limit (the count runs under the poster's row lock).

Guards against the check-then-insert race of anchors §3.3 (fuint#71: 20 concurrent gifts from a
100-point sender credited 2,000 points): here, N "am I under the limit?" checks all passing before
any of the N inserts lands."""

import pytest
from django.test import Client

from saleor_retention.forum import services
from saleor_retention.forum.models import ForumMember, ForumPost, ForumTopic
from saleor_retention.forum.selectors import Viewer
from saleor_retention_site.driver import SaleorDriver, gid
from saleor_retention_site.store import build_store, create_customer
from tests.test_ledger_concurrency import race
from tests.test_ledger_services import settings_with


def forum_with_topic(settings):
    author = str(create_customer("author@example.com").pk)
    board = services.board_create(values={"name": "General"}, settings=settings)
    topic = services.topic_create(
        viewer=Viewer(author), board_id=str(board.pk), title="Hi", body="Hello", settings=settings
    )
    return board, topic


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_posts_of_one_shopper_never_exceed_the_limit():
    # given at most 3 posts per 10 minutes, and a shopper who has not posted yet (no member row)
    settings = settings_with(forum_rate_limit_posts=3, forum_rate_limit_minutes=10)
    _, topic = forum_with_topic(settings)
    shopper = str(create_customer("fast@example.com").pk)
    assert not ForumMember.objects.filter(customer_id=shopper).exists()

    # when 10 connections post for her at the same moment
    outcomes = race(
        10,
        lambda i: str(
            services.post_create(
                viewer=Viewer(shopper),
                topic_id=str(topic.pk),
                body=f"post {i}",
                settings=settings,
            ).pk
        ),
    )

    # then exactly 3 succeed, the others are told they are rate limited
    assert outcomes.count("rate_limited") == 7
    assert ForumPost.objects.filter(author_id=shopper).count() == 3
    assert ForumMember.objects.filter(customer_id=shopper).count() == 1
    # and the topic's counter moved once per post (F(), no lost update)
    assert ForumTopic.objects.get(pk=topic.pk).post_count == 1 + 3


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_graphql_requests_never_exceed_the_limit():
    # given the limit stored through Saleor's pluginUpdate and a signed-in shopper
    driver = SaleorDriver(build_store())
    driver.plugin_update(forum_rate_limit_posts=2, forum_rate_limit_minutes=60)
    settings = settings_with()
    _, topic = forum_with_topic(settings)
    create_customer("fast@example.com")
    token = driver.token_create("fast@example.com", "customer-password")
    document = """mutation($topic: ID!, $body: String!) {
      forumPostCreate(topicId: $topic, body: $body) { post { id } errors { code } }
    }"""

    # when 10 storefront requests arrive at once, each on its own connection
    def post(i):
        own = SaleorDriver(driver.store, client=Client())
        payload = own.mutate(
            "forumPostCreate",
            document,
            {"topic": gid("ForumTopic", topic.pk), "body": f"post {i}"},
            token=token,
            expect_errors=True,
        )
        return payload["errors"][0]["code"] if payload["errors"] else "posted"

    outcomes = race(10, post)

    # then exactly 2 are posted and 8 get the typed RATE_LIMITED error
    assert sorted(outcomes) == ["RATE_LIMITED"] * 8 + ["posted"] * 2
    assert ForumPost.objects.filter(author__email="fast@example.com").count() == 2
