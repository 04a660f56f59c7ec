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

from ...errors import RetentionError as DomainError
from ...errors import RetentionErrorCode
from ...forum import models, selectors
from ...forum.selectors import ANONYMOUS, Viewer
from ...permissions import MANAGE_PAGES
from .. import saleor_types
from ..core import access, pagination
from ..core.context import retention_settings
from .enums import ForumBoardAccess
from .filters import ForumPostFilterInput, filter_posts
from .sorters import FORUM_POST_SORT_FIELDS, ForumPostSortingInput

DEFAULT_PAGE = 20


def viewer_of(info: Any) -> Viewer:
    """The caller as the forum sees them, built once per request."""
    context = info.context
    cached = getattr(context, "_retention_forum_viewer", None)
    if cached is not None:
        return cached
    user = access.signed_in_user(info)
    is_moderator = access.has_permission(info, MANAGE_PAGES)  # staff, or an app (no user)
    if user is not None and not saleor_types.requesting_app(context):
        viewer = Viewer(str(user.pk), is_moderator=is_moderator)
    else:
        viewer = Viewer(None, is_moderator=is_moderator) if is_moderator else ANONYMOUS
    context._retention_forum_viewer = viewer
    return viewer


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


# --- the read guard ---------------------------------------------------------------------------
# Every field whose value is a topic or a post (query results, mutation payloads, list edges) is
# made by these two factories: the field shows the object only when the caller may read it (the
# same rule as ``forumTopic``) and null otherwise. tests/test_access.py walks the schema and fails
# on a topic or post field made any other way.

READ_GUARD = "_retention_forum_read_guard"


def _guarded(
    type_: Any, attribute: str, may_read: Any, resolver: Any = None, **kwargs: Any
) -> graphene.Field:
    """``resolver`` finds the object (a query's own field); without one it is ``attribute`` of the
    parent (a payload or an edge)."""

    def resolve(root, info, **arguments):
        if resolver is not None:
            value = resolver(root, info, **arguments)
        else:
            value = getattr(root, attribute, None)
        if value is None or not may_read(value, viewer_of(info)):
            return None
        return value

    field = graphene.Field(type_, resolver=resolve, **kwargs)
    setattr(field, READ_GUARD, True)
    return field


def readable_topic_field(attribute: str = "topic", **kwargs: Any) -> graphene.Field:
    """A ``ForumTopic`` field that is null unless the caller may read the topic."""
    return _guarded(lambda: ForumTopic, attribute, selectors.may_read_topic, **kwargs)


def readable_post_field(attribute: str = "post", **kwargs: Any) -> graphene.Field:
    """A ``ForumPost`` field that is null unless the caller may read the post and its topic."""
    return _guarded(lambda: ForumPost, attribute, selectors.may_read_post, **kwargs)


class ForumBoard(graphene.ObjectType):
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

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (models.ForumBoard,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: every board, as ``forumBoards`` lists them (closed ones say so)."""
        pk = access.as_pk(id)
        return selectors.boards().filter(pk=pk).first() if pk else None

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

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (models.ForumPost,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: the post when the caller may read it and its topic (the one read rule
        of every forum field), else null."""
        pk = access.as_pk(id)
        viewer = viewer_of(info)
        post = (
            selectors.visible_posts(viewer).select_related("topic__board").filter(pk=pk).first()
            if pk
            else None
        )
        return post if post is not None and selectors.may_read_post(post, viewer) else None

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
        window = timedelta(minutes=retention_settings(info).forum_edit_window_minutes)
        return bool(window) and timezone.now() - root.created_at <= window

    @staticmethod
    def resolve_report_count(root, info):
        return root.report_count if viewer_of(info).is_moderator else None


def refused(
    error: DomainError, field: str, *, on_argument: bool = False
) -> access.QueryArgumentError:
    """A forum refusal inside a query: a top-level typed error (Saleor's queries carry no
    ``errors``); the message says what it takes to get in. ``on_argument``: name the query's own
    argument, not the field the domain named (a topic's closed board is the topic id's fault)."""
    named = field if on_argument else error.field or field
    return access.QueryArgumentError(error.message, field=named, code=error.code.name)


class ForumTopic(ForumAuthored, graphene.ObjectType):
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
    posts = pagination.connection_field(
        ForumPost,
        filter=ForumPostFilterInput(),
        sort_by=ForumPostSortingInput(description="Default: in the order they were written."),
        resolver=lambda root, info, **arguments: ForumTopic.resolve_posts(root, info, **arguments),
        description=(
            "The topic's posts in the order they were written; a BOARD_CLOSED error when its "
            "board is closed to the caller."
        ),
    )

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (models.ForumTopic,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: the topic when the caller may read it (as ``forumTopic``), else null."""
        pk = access.as_pk(id)
        viewer = viewer_of(info)
        topic = (
            selectors.visible_topics(viewer).select_related("board").filter(pk=pk).first()
            if pk
            else None
        )
        return topic if topic is not None and selectors.may_read_topic(topic, viewer) else None

    @staticmethod
    def resolve_is_subscribed(root, info):
        if hasattr(root, "is_subscribed"):  # annotated by selectors.visible_topics
            return root.is_subscribed
        viewer = viewer_of(info)
        return bool(viewer.customer_id) and str(viewer.customer_id) in (
            selectors.topic_subscriber_ids(root.pk)
        )

    @staticmethod
    def resolve_posts(root, info, filter=None, sort_by=None, **page):
        try:  # refused on a board closed to the caller, whatever led to this topic
            posts = selectors.topic_posts(root, viewer_of(info))
        except DomainError as error:
            raise refused(error, "id", on_argument=True) from None
        posts = pagination.sorted_by(
            filter_posts(posts, filter, viewer_of(info)), sort_by, FORUM_POST_SORT_FIELDS
        )

        def with_topic(rows):
            for post in rows:
                post.topic = root  # the read check needs the topic's board: no query per post

        return pagination.paginate(
            posts,
            pagination.connection_type(ForumPost),
            default_first=DEFAULT_PAGE,
            on_page=with_topic,
            **page,
        )


# the page only holds readable rows, so the guard never nulls one (if a bug let one through, the
# request fails rather than show it)
pagination.guard_edge_nodes(ForumTopic, lambda: readable_topic_field("node", required=True))
pagination.guard_edge_nodes(ForumPost, lambda: readable_post_field("node", required=True))
