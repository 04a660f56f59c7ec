"""Buyer forums in GraphQL: boards, topics and posts, and the queries ``forumBoards``,
``forumTopics(boardId, first, after)`` and ``forumTopic(id)``.

Forum staff are users with Saleor's MANAGE_PAGES permission: they see every board and hidden
content. Shoppers see the boards open to them (and, for the others, what it takes to get in),
visible topics and posts, and their own. A list costs a fixed number of queries: the name, the
badge and the counters are stored on the rows, and ``isSubscribed`` is one EXISTS in the list's
query.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _
from graphql_relay import to_global_id

from ... import conf
from ...errors import RetentionError as DomainError
from ...errors import RetentionErrorCode
from ...forum import selectors
from ...forum.models import BoardAccess
from ...forum.selectors import ANONYMOUS, Viewer
from .. import saleor_types
from ..core import access
from ..core.mutations import error_list
from ..core.types import RetentionError, choices_enum

MANAGE_PAGES = "page.manage_pages"
DEFAULT_PAGE = 20

ForumBoardAccess = choices_enum(
    "ForumBoardAccess",
    BoardAccess,
    description=(
        "PUBLIC: everyone reads, signed-in shoppers write; REPEAT_CUSTOMERS: customers with at "
        "least minPaidOrders paid orders; TIERS: customers in one of the board's tiers."
    ),
)


def viewer_of(info: Any) -> Viewer:
    """The caller as the forum sees them, built once per request."""
    context = info.context
    cached = getattr(context, "_retention_forum_viewer", None)
    if cached is not None:
        return cached
    user = getattr(context, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        viewer = Viewer(str(user.pk), is_moderator=user.has_perm(MANAGE_PAGES))
    else:
        viewer = ANONYMOUS
    context._retention_forum_viewer = viewer
    return viewer


def settings_of(info: Any) -> conf.RetentionSettings:
    context = info.context
    cached = getattr(context, "_retention_settings", None)
    if cached is None:
        cached = conf.load_settings()
        context._retention_settings = cached
    return cached


def pk_from_global_id(global_id: str | None, type_name: str, field: str) -> str:
    """The primary key in a global id of ``type_name``, or an INVALID refusal on ``field``."""
    pk = access.pk_from_global_id(global_id, type_name)
    if pk is None or not str(pk).isdigit():
        raise DomainError(
            _("%(id)s is not a %(type)s id.") % {"id": global_id, "type": type_name},
            code=RetentionErrorCode.INVALID,
            field=field,
        )
    return str(pk)


def shown_author(row: Any) -> str:
    if row.author_id is None:
        return _("Former customer")
    if row.author_name:
        return row.author_name
    return _("Staff") if row.author_is_staff else _("Customer")


class ForumBoard(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    description = graphene.String(required=True)
    position = graphene.Int(required=True, description="Boards are listed by position.")
    access = ForumBoardAccess(required=True)
    min_paid_orders = graphene.Int(required=True, description="For REPEAT_CUSTOMERS.")
    tiers = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="For TIERS."
    )
    topic_count = graphene.Int(required=True, description="Visible topics on the board.")
    can_read = graphene.Boolean(
        required=True, description="Whether the caller may read the board's topics and post."
    )
    requirement = graphene.String(description="What it takes to get in; null on a public board.")
    closed_reason = graphene.String(
        description="Why the board is closed to the caller; null when it is open to them."
    )

    @staticmethod
    def resolve_id(root, info):
        return to_global_id("ForumBoard", root.pk)

    @staticmethod
    def resolve_access(root, info):
        return root.access

    @staticmethod
    def resolve_can_read(root, info):
        return selectors.board_access(root, viewer_of(info)).can_read

    @staticmethod
    def resolve_requirement(root, info):
        return selectors.requirement(root)

    @staticmethod
    def resolve_closed_reason(root, info):
        return selectors.board_access(root, viewer_of(info)).closed_reason


class ForumAuthored:
    """Fields shared by topics and posts about who wrote them."""

    @staticmethod
    def resolve_author_name(root, info):
        return shown_author(root)

    @staticmethod
    def resolve_is_staff(root, info):
        return root.author_is_staff

    @staticmethod
    def resolve_is_mine(root, info):
        return viewer_of(info).is_author(root)

    @staticmethod
    def resolve_is_former_customer(root, info):
        return root.author_id is None


AUTHOR_NAME = "The author's shown name; a deleted customer's posts show a former customer."
IS_STAFF = "The staff badge: the author was staff when writing."


class ForumPost(ForumAuthored, graphene.ObjectType):
    id = graphene.ID(required=True)
    topic_id = graphene.ID(required=True)
    reply_to_id = graphene.ID(description="The post this one replies to, in the same topic.")
    author_name = graphene.String(required=True, description=AUTHOR_NAME)
    is_staff = graphene.Boolean(required=True, description=IS_STAFF)
    is_mine = graphene.Boolean(required=True)
    is_former_customer = graphene.Boolean(required=True)
    is_opening = graphene.Boolean(required=True, description="The topic's first post.")
    body = graphene.String(required=True, description="Plain text (no markup).")
    is_hidden = graphene.Boolean(
        required=True, description="Hidden by staff: only staff and the author see it."
    )
    created_at = saleor_types.DateTime(required=True)
    edited_at = saleor_types.DateTime()
    can_edit = graphene.Boolean(
        required=True, description="The caller wrote it and the edit window is still open."
    )
    report_count = graphene.Int(description="Reports from shoppers (forum staff only).")

    @staticmethod
    def resolve_id(root, info):
        return to_global_id("ForumPost", root.pk)

    @staticmethod
    def resolve_topic_id(root, info):
        return to_global_id("ForumTopic", root.topic_id)

    @staticmethod
    def resolve_reply_to_id(root, info):
        return to_global_id("ForumPost", root.reply_to_id) if root.reply_to_id else None

    @staticmethod
    def resolve_can_edit(root, info):
        if root.is_hidden or not viewer_of(info).is_author(root):
            return False
        window = timedelta(minutes=settings_of(info).forum_edit_window_minutes)
        return bool(window) and timezone.now() - root.created_at <= window

    @staticmethod
    def resolve_report_count(root, info):
        return root.report_count if viewer_of(info).is_moderator else None


class ForumPageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String(description="Pass as `after` for the next page.")


class ForumPostEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(ForumPost, required=True)


class ForumPostList(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(ForumPostEdge), required=True)
    page_info = graphene.Field(ForumPageInfo, required=True)
    errors = graphene.List(graphene.NonNull(RetentionError), required=True)


def _page_info(page: selectors.Page) -> ForumPageInfo:
    return ForumPageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor)


def _empty_info() -> ForumPageInfo:
    return ForumPageInfo(has_next_page=False, end_cursor=None)


class ForumTopic(ForumAuthored, graphene.ObjectType):
    id = graphene.ID(required=True)
    board = graphene.Field(ForumBoard, required=True)
    title = graphene.String(required=True, description="Plain text (no markup).")
    author_name = graphene.String(required=True, description=AUTHOR_NAME)
    is_staff = graphene.Boolean(required=True, description=IS_STAFF)
    is_mine = graphene.Boolean(required=True)
    is_former_customer = graphene.Boolean(required=True)
    is_pinned = graphene.Boolean(required=True)
    is_locked = graphene.Boolean(required=True, description="A locked topic takes no posts.")
    is_hidden = graphene.Boolean(
        required=True, description="Hidden by staff: only staff and the author see it."
    )
    post_count = graphene.Int(required=True, description="Visible posts, the opening one included.")
    subscriber_count = graphene.Int(required=True)
    last_post_at = saleor_types.DateTime(required=True)
    created_at = saleor_types.DateTime(required=True)
    is_subscribed = graphene.Boolean(
        required=True, description="The caller follows the topic (told of new posts)."
    )
    posts = graphene.Field(
        ForumPostList,
        required=True,
        first=graphene.Int(default_value=DEFAULT_PAGE, description="1 to 100."),
        after=graphene.String(),
        description="The topic's posts in the order they were written.",
    )

    @staticmethod
    def resolve_id(root, info):
        return to_global_id("ForumTopic", root.pk)

    @staticmethod
    def resolve_is_subscribed(root, info):
        if hasattr(root, "is_subscribed"):  # annotated by selectors.visible_topics
            return root.is_subscribed
        viewer = viewer_of(info)
        return bool(viewer.customer_id) and str(viewer.customer_id) in (
            selectors.topic_subscriber_ids(root.pk)
        )

    @staticmethod
    def resolve_posts(root, info, first=DEFAULT_PAGE, after=None):
        try:
            page = selectors.posts_page(
                topic=root, viewer=viewer_of(info), first=first, after=after
            )
        except DomainError as error:
            return ForumPostList(edges=[], page_info=_empty_info(), errors=error_list(error))
        edges = [ForumPostEdge(cursor=selectors.post_cursor(p), node=p) for p in page.items]
        return ForumPostList(edges=edges, page_info=_page_info(page), errors=[])


class ForumTopicEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(ForumTopic, required=True)


class ForumTopicList(graphene.ObjectType):
    board = graphene.Field(ForumBoard, description="The board, also when it is closed to you.")
    edges = graphene.List(graphene.NonNull(ForumTopicEdge), required=True)
    page_info = graphene.Field(ForumPageInfo, required=True)
    errors = graphene.List(
        graphene.NonNull(RetentionError),
        required=True,
        description="BOARD_CLOSED (with what it takes), NOT_FOUND, INVALID (a bad cursor).",
    )


class ForumTopicResult(graphene.ObjectType):
    topic = graphene.Field(ForumTopic)
    board = graphene.Field(ForumBoard, description="The topic's board, also when closed to you.")
    errors = graphene.List(
        graphene.NonNull(RetentionError),
        required=True,
        description="BOARD_CLOSED (with what it takes), NOT_FOUND, INVALID.",
    )


def resolve_forum_boards(root, info):
    return list(selectors.boards())


def resolve_forum_topics(root, info, board_id, first=DEFAULT_PAGE, after=None):
    viewer = viewer_of(info)
    board = None
    try:
        board = selectors.board(pk_from_global_id(board_id, "ForumBoard", "boardId"))
        access = selectors.board_access(board, viewer)
        if not access.can_read:
            raise selectors.board_closed(board, access)
        page = selectors.topics_page(board=board, viewer=viewer, first=first, after=after)
    except DomainError as error:
        return ForumTopicList(
            board=board, edges=[], page_info=_empty_info(), errors=error_list(error)
        )
    for topic in page.items:
        topic.board = board  # the page's board, not a query per topic
    edges = [ForumTopicEdge(cursor=selectors.topic_cursor(t), node=t) for t in page.items]
    return ForumTopicList(board=board, edges=edges, page_info=_page_info(page), errors=[])


def resolve_forum_topic(root, info, id):
    viewer = viewer_of(info)
    board = None
    try:
        topic_pk = pk_from_global_id(id, "ForumTopic", "id")
        topic = selectors.readable_topic(topic_pk, viewer, field="id")
    except DomainError as error:
        if error.code == RetentionErrorCode.BOARD_CLOSED:
            board = selectors.visible_topics(viewer).select_related("board").get(pk=topic_pk).board
        return ForumTopicResult(topic=None, board=board, errors=error_list(error))
    return ForumTopicResult(topic=topic, board=topic.board, errors=[])


def forum_boards_field() -> graphene.Field:
    return graphene.Field(
        graphene.List(graphene.NonNull(ForumBoard)),
        required=True,
        description=(
            "Every forum board by position. Boards closed to the caller are listed too, with "
            "canRead false, what it takes to get in and why they are not in."
        ),
        resolver=resolve_forum_boards,
    )


def forum_topics_field() -> graphene.Field:
    return graphene.Field(
        ForumTopicList,
        required=True,
        board_id=graphene.ID(required=True),
        first=graphene.Int(default_value=DEFAULT_PAGE, description="1 to 100."),
        after=graphene.String(description="endCursor of the previous page."),
        description="A board's topics: pinned first, then the latest activity.",
        resolver=resolve_forum_topics,
    )


def forum_topic_field() -> graphene.Field:
    return graphene.Field(
        ForumTopicResult,
        required=True,
        id=graphene.ID(required=True),
        description="One topic with its posts (paginated).",
        resolver=resolve_forum_topic,
    )
