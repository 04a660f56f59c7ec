"""The forum part of ``make demo``: a board for repeat customers, closed to the shopper until she
qualifies, her first post once she does, and a staff reply with the staff badge.

``forum_story(driver, token, say)`` takes the demo's driver, the shopper's token and a function
that prints one line; it works wherever in the story it is called (it buys the shopper the
orders she still lacks) and on a database that already has the board (re-runs reuse it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .driver import nodes

BOARD_SLUG = "old-customers"
PAID_ORDERS_NEEDED = 2
ERRORS = "errors { field code message }"
BOARD = """query { forumBoards(first: 100) {
  edges { node { id slug name canRead requirement closedReason } } } }"""
BOARD_CREATE = f"""mutation($input: ForumBoardInput!) {{
  forumBoardCreate(input: $input) {{ board {{ id }} {ERRORS} }}
}}"""
TOPIC_CREATE = f"""mutation($board: ID!, $title: String!, $body: String!) {{
  forumTopicCreate(boardId: $board, title: $title, body: $body) {{ topic {{ id title }} {ERRORS} }}
}}"""
POST_CREATE = f"""mutation($topic: ID!, $body: String!, $replyTo: ID) {{
  forumPostCreate(topicId: $topic, body: $body, replyToId: $replyTo) {{ post {{ id }} {ERRORS} }}
}}"""
TOPIC = """query($id: ID!) { forumTopic(id: $id) { title postCount isSubscribed
  posts(first: 10) { edges { node { authorName isStaff body } } } } }"""


def _board(driver, token: str | None) -> dict[str, Any] | None:
    boards = nodes(driver.query(BOARD, token=token)["forumBoards"])
    return next((b for b in boards if b["slug"] == BOARD_SLUG), None)


def ensure_board(driver, say: Callable[[str], None]) -> None:
    if _board(driver, driver.staff_token()) is not None:
        return
    driver.mutate(
        "forumBoardCreate",
        BOARD_CREATE,
        {
            "input": {
                "name": "Old customers",
                "slug": BOARD_SLUG,
                "description": "Tasting notes and early news for customers who came back.",
                "access": "REPEAT_CUSTOMERS",
                "minPaidOrders": PAID_ORDERS_NEEDED,
            }
        },
        token=driver.staff_token(),
    )
    say(f"== Staff open a forum board for customers with {PAID_ORDERS_NEEDED} paid orders")


def forum_story(driver, token: str, say: Callable[[str], None] = print) -> None:
    ensure_board(driver, say)
    board = _board(driver, token)
    assert board is not None
    say(f"\n== The shopper looks at the forum: board '{board['name']}'")
    say(f"   {board['requirement']}")
    if not board["canRead"]:
        say(f"   closed to her: {board['closedReason']}")
        email = driver.query("{ me { email } }", token=token)["me"]["email"]
        while not board["canRead"]:
            order = driver.buy(email=email, token=token)
            say(f"   she orders again: order #{order['number']} paid")
            board = _board(driver, token)
            assert board is not None
    say("   the board is open to her now")

    topic = driver.mutate(
        "forumTopicCreate",
        TOPIC_CREATE,
        {
            "board": board["id"],
            "title": "Best water temperature for this oolong?",
            "body": "I brew it at 90 °C <b>for 3 minutes</b>. Too long?",
        },
        token=token,
    )["topic"]
    say(f"== She starts a topic: {topic['title']!r} (markup is stored as plain text)")
    opening = driver.query(TOPIC, {"id": topic["id"]}, token=token)["forumTopic"]
    driver.mutate(
        "forumPostCreate",
        POST_CREATE,
        {"topic": topic["id"], "body": "Try 85 °C for 2 minutes, then a second steep."},
        token=driver.staff_token(),
    )
    say("== Staff reply (forumPostCreate)")
    view = driver.query(TOPIC, {"id": topic["id"]}, token=token)["forumTopic"]
    subscribed = "yes" if opening["isSubscribed"] else "no"
    say(f"   topic: {view['postCount']} posts; she follows it: {subscribed}")
    for edge in view["posts"]["edges"]:
        post = edge["node"]
        badge = " [staff]" if post["isStaff"] else ""
        say(f"   {post['authorName']}{badge}: {post['body']}")
