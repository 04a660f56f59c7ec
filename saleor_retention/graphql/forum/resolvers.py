"""Resolvers of the forum queries: ``forumBoards``, ``forumTopics`` and ``forumTopic``."""

from __future__ import annotations

from ...errors import RetentionError as DomainError
from ...errors import RetentionErrorCode
from ...forum import selectors
from ..core import pagination
from .filters import filter_boards, filter_topics
from .sorters import FORUM_BOARD_SORT_FIELDS, FORUM_TOPIC_SORT_FIELDS
from .types import (
    DEFAULT_PAGE,
    ForumBoard,
    ForumTopic,
    pk_from_global_id,
    refused,
    viewer_of,
)


def resolve_forum_boards(root, info, filter=None, sort_by=None, **page):
    rows = pagination.sorted_by(
        filter_boards(selectors.boards(), filter), sort_by, FORUM_BOARD_SORT_FIELDS
    )
    return pagination.paginate(rows, pagination.connection_type(ForumBoard), **page)


def resolve_forum_topics(root, info, board_id, filter=None, sort_by=None, **page):
    viewer = viewer_of(info)
    try:
        board = selectors.board(pk_from_global_id(board_id, "ForumBoard", "boardId"))
        board_access = selectors.board_access(board, viewer)
        if not board_access.can_read:
            raise selectors.board_closed(board, board_access)
    except DomainError as error:
        raise refused(error, "boardId") from None

    def with_board(rows):
        for topic in rows:
            topic.board = board  # the page's board, not a query per topic

    rows = filter_topics(selectors.board_topics(board, viewer), filter, viewer)
    return pagination.paginate(
        pagination.sorted_by(rows, sort_by, FORUM_TOPIC_SORT_FIELDS),
        pagination.connection_type(ForumTopic),
        default_first=DEFAULT_PAGE,
        on_page=with_board,
        **page,
    )


def resolve_forum_topic(root, info, id):
    """Null for a topic the caller cannot see (as Saleor's ``product(id:)``); a closed board or a
    malformed id is a top-level typed error whose message says what it takes."""
    try:
        topic_pk = pk_from_global_id(id, "ForumTopic", "id")
        return selectors.readable_topic(topic_pk, viewer_of(info), field="id")
    except DomainError as error:
        if error.code == RetentionErrorCode.NOT_FOUND:
            return None
        raise refused(error, "id", on_argument=True) from None
