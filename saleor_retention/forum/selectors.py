"""Forum reads: who may read a board, the topic and post lists (keyset pages), the subscribers.

A ``Viewer`` is the caller as the forum sees them: a customer id (or none: anonymous) and
whether they are forum staff (moderators see everything, hidden content included). What the
access rules need about a customer (paid orders, tier) is read once per viewer, however many
boards are checked.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.fields import BooleanField
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import saleor_adapter as saleor
from ..errors import RetentionError, RetentionErrorCode
from ..tiers.selectors import tier_name_for
from .models import BoardAccess, ForumBoard, ForumPost, ForumSubscription, ForumTopic


class Viewer:
    """The caller. ``paid_orders`` and ``tier`` are read on first use and then kept. A
    moderator without a ``customer_id`` is an app (its token signed the request): it moderates,
    and its actions are recorded under the app (``audit.services.record``)."""

    def __init__(self, customer_id: str | None, *, is_moderator: bool = False) -> None:
        self.customer_id = str(customer_id) if customer_id else None
        self.is_moderator = bool(is_moderator)

    @cached_property
    def paid_orders(self) -> int:
        return saleor.paid_order_count(self.customer_id) if self.customer_id else 0

    @cached_property
    def tier(self) -> str:
        return tier_name_for(self.customer_id)

    def is_author(self, row: ForumTopic | ForumPost) -> bool:
        return self.customer_id is not None and str(row.author_id) == self.customer_id


ANONYMOUS = Viewer(None)


@dataclasses.dataclass(frozen=True)
class Access:
    can_read: bool
    requirement: str | None  # what it takes to get in; None for a public board
    closed_reason: str | None  # why this viewer is not in; None when they are


def requirement(board: ForumBoard) -> str | None:
    if board.access == BoardAccess.REPEAT_CUSTOMERS:
        return ngettext(
            "Open to customers with at least %(count)s paid order.",
            "Open to customers with at least %(count)s paid orders.",
            board.min_paid_orders,
        ) % {"count": board.min_paid_orders}
    if board.access == BoardAccess.TIERS:
        return _("Open to customers in these tiers: %(tiers)s.") % {"tiers": ", ".join(board.tiers)}
    return None


def board_access(board: ForumBoard, viewer: Viewer) -> Access:
    needed = requirement(board)
    if board.access == BoardAccess.PUBLIC or viewer.is_moderator:
        return Access(True, needed, None)
    if viewer.customer_id is None:
        return Access(False, needed, _("Sign in to see whether this board is open to you."))
    if board.access == BoardAccess.REPEAT_CUSTOMERS:
        have = viewer.paid_orders
        if have >= board.min_paid_orders:
            return Access(True, needed, None)
        reason = ngettext(
            "You have %(have)s paid order so far.", "You have %(have)s paid orders so far.", have
        ) % {"have": have}
        return Access(False, needed, reason)
    tier = viewer.tier
    if tier and tier.lower() in {name.lower() for name in board.tiers}:
        return Access(True, needed, None)
    reason = (
        _("Your tier is %(tier)s.") % {"tier": tier} if tier else _("You are not in a tier yet.")
    )
    return Access(False, needed, reason)


def board_closed(board: ForumBoard, access: Access) -> RetentionError:
    message = " ".join(part for part in (access.requirement, access.closed_reason) if part)
    return RetentionError(
        _("This board is closed to you. %(why)s") % {"why": message},
        code=RetentionErrorCode.BOARD_CLOSED,
        field="boardId",
    )


def boards() -> QuerySet[ForumBoard]:
    return ForumBoard.objects.order_by("position", "pk")


def board(board_id: str) -> ForumBoard:
    found = ForumBoard.objects.filter(pk=board_id).first() if str(board_id).isdigit() else None
    if found is None:
        raise RetentionError(
            _("No forum board with this id."), code=RetentionErrorCode.NOT_FOUND, field="boardId"
        )
    return found


def readable_board(board_id: str, viewer: Viewer) -> ForumBoard:
    found = board(board_id)
    access = board_access(found, viewer)
    if not access.can_read:
        raise board_closed(found, access)
    return found


def visible_topics(viewer: Viewer) -> QuerySet[ForumTopic]:
    """Topics a viewer may see: not hidden, or their own; moderators see all. Each carries
    ``is_subscribed`` for the viewer (one EXISTS, not a query per topic)."""
    topics = ForumTopic.objects.all()
    if not viewer.is_moderator:
        mine = Q(author_id=viewer.customer_id) if viewer.customer_id else Q(pk__in=[])
        topics = topics.filter(Q(is_hidden=False) | mine)
    if viewer.customer_id:
        subscribed = ForumSubscription.objects.filter(
            topic_id=OuterRef("pk"), customer_id=viewer.customer_id
        )
        return topics.annotate(is_subscribed=Exists(subscribed))
    return topics.annotate(is_subscribed=Value(False, output_field=BooleanField()))


def visible_posts(viewer: Viewer) -> QuerySet[ForumPost]:
    posts = ForumPost.objects.all()
    if not viewer.is_moderator:
        mine = Q(author_id=viewer.customer_id) if viewer.customer_id else Q(pk__in=[])
        posts = posts.filter(Q(is_hidden=False) | mine)
    return posts


def readable_topic(topic_id: str, viewer: Viewer, *, field: str = "topicId") -> ForumTopic:
    """A topic the viewer may read: it exists and is visible to them (else NOT_FOUND), and its
    board is open to them (else BOARD_CLOSED)."""
    topic = (
        visible_topics(viewer).select_related("board").filter(pk=topic_id).first()
        if str(topic_id).isdigit()
        else None
    )
    if topic is None:
        raise RetentionError(
            _("No forum topic with this id."), code=RetentionErrorCode.NOT_FOUND, field=field
        )
    access = board_access(topic.board, viewer)
    if not access.can_read:
        raise board_closed(topic.board, access)
    return topic


def may_read_topic(topic: ForumTopic, viewer: Viewer) -> bool:
    """The one read rule for a topic, whatever path reached it (a query, a mutation's payload, a
    list's edge): visible to the viewer and on a board open to them. ``topic.board`` is usually
    already loaded (select_related, or set by the page that fetched it)."""
    if topic.is_hidden and not (viewer.is_moderator or viewer.is_author(topic)):
        return False
    return board_access(topic.board, viewer).can_read


def may_read_post(post: ForumPost, viewer: Viewer) -> bool:
    if post.is_hidden and not (viewer.is_moderator or viewer.is_author(post)):
        return False
    return may_read_topic(post.topic, viewer)


# --- lists (the GraphQL layer pages them by keyset on this ordering) ------------------------


def board_topics(board: ForumBoard, viewer: Viewer) -> QuerySet[ForumTopic]:
    """A board's topics the viewer may see: pinned first, then the latest activity (a topic that
    moves up while a shopper pages is not shown twice on later pages: keyset pages)."""
    topics = visible_topics(viewer).filter(board=board)
    return topics.order_by("-is_pinned", "-last_post_at", "-pk")


def topic_posts(topic: ForumTopic, viewer: Viewer) -> QuerySet[ForumPost]:
    """A topic's posts in the order they were written (opening post first); BOARD_CLOSED when
    the topic's board is closed to the viewer, however the topic was reached."""
    access = board_access(topic.board, viewer)
    if not access.can_read:
        raise board_closed(topic.board, access)
    return visible_posts(viewer).filter(topic=topic).order_by("pk")


# --- for other domains -----------------------------------------------------------------------


def topic_subscriber_ids(topic_id: int | str) -> list[str]:
    """Customers following a topic, oldest subscription first (for the messaging work)."""
    rows = ForumSubscription.objects.filter(topic_id=topic_id).order_by("pk")
    return [str(pk) for pk in rows.values_list("customer_id", flat=True)]


def opening_post(topic: ForumTopic) -> ForumPost | None:
    return ForumPost.objects.filter(topic=topic, is_opening=True).first()
