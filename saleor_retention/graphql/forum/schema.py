"""The forum's root fields ``forumBoards``, ``forumTopics`` and ``forumTopic`` (as Saleor's
``graphql/<domain>/schema.py``); ``graphql/schema.py`` mounts them and the mutations."""

from __future__ import annotations

import graphene

from ..core import pagination
from .filters import ForumBoardFilterInput, ForumTopicFilterInput
from .resolvers import resolve_forum_boards, resolve_forum_topic, resolve_forum_topics
from .sorters import ForumBoardSortingInput, ForumTopicSortingInput
from .types import ForumBoard, ForumTopic, readable_topic_field


def forum_boards_field() -> graphene.Field:
    return pagination.connection_field(
        ForumBoard,
        filter=ForumBoardFilterInput(),
        sort_by=ForumBoardSortingInput(description="Default: by position (POSITION, ASC)."),
        description=(
            "Every forum board by position. Boards closed to the caller are listed too, with "
            "canRead false, what it takes to get in and why they are not in."
        ),
        resolver=resolve_forum_boards,
    )


def forum_topics_field() -> graphene.Field:
    return pagination.connection_field(
        ForumTopic,
        board_id=graphene.ID(required=True),
        filter=ForumTopicFilterInput(),
        sort_by=ForumTopicSortingInput(
            description="Default: pinned first, then the latest activity."
        ),
        description=(
            "A board's topics: pinned first, then the latest activity. A board closed to the "
            "caller is a BOARD_CLOSED error whose message says what it takes (the board itself, "
            "with canRead and requirement, is in forumBoards and node(id:))."
        ),
        resolver=resolve_forum_topics,
    )


def forum_topic_field() -> graphene.Field:
    return readable_topic_field(
        id=graphene.ID(required=True),
        description=(
            "One topic with its posts (paginated); null when there is none the caller may see. "
            "A board closed to the caller is a BOARD_CLOSED error saying what it takes."
        ),
        resolver=resolve_forum_topic,
    )
