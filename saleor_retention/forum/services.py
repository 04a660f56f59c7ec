"""Forum writes. Every rule about boards, topics, posts, reports and subscriptions is here.

- **Boards** (staff): the whole input is checked before anything is written; a slug is unique
  (the database says so; a clash is refused as INVALID on ``slug``).
- **Writing** (``topic_create``, ``post_create``): signed in (NOT_SIGNED_IN), the board open to the
  writer (BOARD_CLOSED), the topic not locked (TOPIC_LOCKED, checked by the same conditional
  ``UPDATE`` that moves the counters, so a lock that lands meanwhile wins), the text cleaned to
  inert plain text within the limits (TOO_LONG / REQUIRED), and the rate limit: at most
  ``forum_rate_limit_posts`` topics and posts per ``forum_rate_limit_minutes`` per shopper, across
  the forum. The count runs after the writer's ``ForumMember`` row is locked, so parallel
  requests of one shopper are counted one after another (tests race 10 connections). Forum staff
  are not limited. The badge (``author_is_staff``) and the shown name are read from Saleor when
  the post is written and stored.
- **Editing** (``post_update``): the author only (PERMISSION_DENIED), within
  ``forum_edit_window_minutes`` of posting (EDIT_WINDOW_PASSED), not once hidden (NOT_EDITABLE).
- **Moderation** (staff): pin / unpin / lock / unlock a topic; hide / unhide a topic or a post.
  Conditional updates make each one idempotent and keep the visible counters right.
- **Reports**: once per (post, reporter) by a unique constraint (ALREADY_DONE), counter with F().
- **Subscriptions**: once per (topic, customer) by a unique constraint; subscribing twice or
  unsubscribing when not subscribed changes nothing and is not an error. The topic's author is
  subscribed when the topic is created.

A refusal raises ``RetentionError`` before anything is written, or inside the transaction that
then rolls back: the database is as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import operator_settings
from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from ..textclean import clean_text, plain_text
from ..validators import invalid as _invalid
from ..validators import paid_orders_threshold, rank
from . import events, selectors
from .models import (
    BoardAccess,
    ForumBoard,
    ForumMember,
    ForumPost,
    ForumReport,
    ForumSubscription,
    ForumTopic,
)
from .selectors import Viewer

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BOARD_NAME_MAX = 100
REPORT_REASON_MAX = 500
AUTHOR_NAME_MAX = 80
BOARD_FIELDS = ("name", "slug", "description", "position", "access", "min_paid_orders", "tiers")


# --- boards ----------------------------------------------------------------------------------


def validate_board(values: Mapping[str, Any], settings: RetentionSettings) -> dict[str, Any]:
    """Check a whole board (given values over the current or default ones); the cleaned values."""
    data = {
        "description": "",
        "position": 0,
        "access": "public",
        "min_paid_orders": 0,
        "tiers": [],
        **{k: v for k, v in values.items() if k in BOARD_FIELDS},
    }
    clean: dict[str, Any] = {}
    clean["name"] = clean_text(
        data.get("name"), field="name", max_length=BOARD_NAME_MAX, required=True
    )
    slug = str(data.get("slug") or slugify(clean["name"]))[:60].strip("-")
    if not SLUG.match(slug):
        raise _invalid(
            _("A slug has up to 60 lower-case letters, digits and single hyphens."), "slug"
        )
    clean["slug"] = slug
    clean["description"] = clean_text(
        data["description"],
        field="description",
        max_length=operator_settings.value("RETENTION_FORUM_BOARD_DESCRIPTION_MAX_LENGTH"),
    )
    clean["position"] = rank(
        data["position"], field="position", message=_("Enter a position from -1000 to 1000.")
    )
    access = str(data["access"])
    if access not in BoardAccess.values:
        raise _invalid(_("Unknown board access."), "access")
    clean["access"] = access
    clean["min_paid_orders"] = paid_orders_threshold(
        data["min_paid_orders"],
        applies=access == BoardAccess.REPEAT_CUSTOMERS,
        message=_("A repeat-customer board needs from 1 to 1000 paid orders."),
    )
    tiers: list[str] = []
    if access == BoardAccess.TIERS:
        known = {tier.name.lower(): tier.name for tier in settings.tiers}
        for raw in data["tiers"] or []:
            name = known.get(str(raw).strip().lower())
            if name is None:
                raise _invalid(
                    _("%(name)s is not one of the store's tiers.") % {"name": plain_text(raw)},
                    "tiers",
                )
            if name not in tiers:
                tiers.append(name)
        if not tiers:
            raise _invalid(
                _("A tier board needs at least one tier."), "tiers", RetentionErrorCode.REQUIRED
            )
    clean["tiers"] = tiers
    return clean


def _save_board(board: ForumBoard) -> ForumBoard:
    try:
        with transaction.atomic():
            board.save()
    except IntegrityError:
        raise _invalid(_("Another board has this slug."), "slug") from None
    return board


@transaction.atomic
def board_create(*, values: Mapping[str, Any], settings: RetentionSettings) -> ForumBoard:
    return _save_board(ForumBoard(**validate_board(values, settings)))


@transaction.atomic
def board_update(
    *, board_id: str, values: Mapping[str, Any], settings: RetentionSettings
) -> ForumBoard:
    selectors.board(board_id)  # NOT_FOUND before taking a lock
    board = ForumBoard.objects.select_for_update().get(pk=board_id)
    current = {field: getattr(board, field) for field in BOARD_FIELDS}
    for field, value in validate_board({**current, **values}, settings).items():
        setattr(board, field, value)
    return _save_board(board)


# --- writing ---------------------------------------------------------------------------------


def _signed_in(viewer: Viewer) -> str:
    if viewer.customer_id is None:
        raise RetentionError(
            _("Sign in to take part in the forum."), code=RetentionErrorCode.NOT_SIGNED_IN
        )
    return viewer.customer_id


def _author(customer_id: str) -> saleor.ForumAuthorFacts:
    facts = saleor.forum_author_facts(customer_id)
    if facts is None or not facts.is_active:
        raise RetentionError(
            _("Sign in to take part in the forum."), code=RetentionErrorCode.NOT_SIGNED_IN
        )
    return facts


def display_name(facts: saleor.ForumAuthorFacts) -> str:
    """ "Mei L.": the first name and the last name's initial, as inert text; "" when unnamed."""
    first = plain_text(facts.first_name)
    last = plain_text(facts.last_name)
    name = f"{first} {last[:1]}.".strip() if last else first
    return name[:AUTHOR_NAME_MAX].strip()


def _lock_member(customer_id: str) -> None:
    """Take the writer's row lock (the row is created on first use; a parallel first use finds
    the other's row through the unique constraint)."""
    ForumMember.objects.get_or_create(customer_id=customer_id)
    ForumMember.objects.select_for_update().get(customer_id=customer_id)


def _check_rate(customer_id: str, settings: RetentionSettings) -> None:
    limit = settings.forum_rate_limit_posts
    if limit == 0:
        return
    since = timezone.now() - timedelta(minutes=settings.forum_rate_limit_minutes)
    recent = ForumPost.objects.filter(author_id=customer_id, created_at__gte=since).count()
    if recent >= limit:
        raise RetentionError(
            _("You can write %(limit)s posts every %(minutes)s minutes; please wait a little.")
            % {"limit": limit, "minutes": settings.forum_rate_limit_minutes},
            code=RetentionErrorCode.RATE_LIMITED,
        )


def _writer(viewer: Viewer, settings: RetentionSettings) -> saleor.ForumAuthorFacts:
    """The signed-in writer, locked and within the rate limit."""
    customer_id = _signed_in(viewer)
    facts = _author(customer_id)
    _lock_member(customer_id)
    if not viewer.is_moderator:
        _check_rate(customer_id, settings)
    return facts


def _body(raw: str | None, settings: RetentionSettings) -> str:
    return clean_text(raw, field="body", max_length=settings.forum_body_max_length, required=True)


@transaction.atomic
def topic_create(
    *,
    viewer: Viewer,
    board_id: str,
    title: str | None,
    body: str | None,
    settings: RetentionSettings,
) -> ForumTopic:
    """A topic with its opening post; the author follows it."""
    _signed_in(viewer)
    board = selectors.readable_board(board_id, viewer)
    clean_title = clean_text(
        title, field="title", max_length=settings.forum_title_max_length, required=True
    )
    clean_body = _body(body, settings)
    author = _writer(viewer, settings)
    now = timezone.now()
    name = display_name(author)
    topic = ForumTopic.objects.create(
        board=board,
        author_id=author.customer_id,
        author_name=name,
        author_is_staff=author.is_staff,
        title=clean_title,
        post_count=1,
        subscriber_count=1,
        last_post_at=now,
        created_at=now,
    )
    ForumPost.objects.create(
        topic=topic,
        author_id=author.customer_id,
        author_name=name,
        author_is_staff=author.is_staff,
        is_opening=True,
        body=clean_body,
        created_at=now,
    )
    ForumSubscription.objects.create(topic=topic, customer_id=author.customer_id)
    ForumBoard.objects.filter(pk=board.pk).update(topic_count=F("topic_count") + 1)
    return selectors.readable_topic(str(topic.pk), viewer)


@transaction.atomic
def post_create(
    *,
    viewer: Viewer,
    topic_id: str,
    body: str | None,
    reply_to_id: str | None = None,
    settings: RetentionSettings,
) -> ForumPost:
    _signed_in(viewer)
    topic = selectors.readable_topic(topic_id, viewer)
    reply_to = None
    if reply_to_id is not None:
        reply_to = (
            selectors.visible_posts(viewer).filter(pk=reply_to_id, topic=topic).first()
            if str(reply_to_id).isdigit()
            else None
        )
        if reply_to is None:
            raise _invalid(_("Reply to a post of the same topic."), "replyToId")
    clean_body = _body(body, settings)
    author = _writer(viewer, settings)
    now = timezone.now()
    # The lock check and the counters in one conditional UPDATE: a topic locked meanwhile wins.
    moved = ForumTopic.objects.filter(pk=topic.pk, is_locked=False).update(
        post_count=F("post_count") + 1, last_post_at=now
    )
    if not moved:
        raise RetentionError(
            _("This topic is locked: it takes no new posts."),
            code=RetentionErrorCode.TOPIC_LOCKED,
            field="topicId",
        )
    return ForumPost.objects.create(
        topic=topic,
        reply_to=reply_to,
        author_id=author.customer_id,
        author_name=display_name(author),
        author_is_staff=author.is_staff,
        body=clean_body,
        created_at=now,
    )


@transaction.atomic
def post_update(
    *, viewer: Viewer, post_id: str, body: str | None, settings: RetentionSettings
) -> ForumPost:
    customer_id = _signed_in(viewer)
    found = (
        selectors.visible_posts(viewer).select_related("topic").filter(pk=post_id).first()
        if str(post_id).isdigit()
        else None
    )
    if found is None:
        raise _invalid(_("No forum post with this id."), "id", RetentionErrorCode.NOT_FOUND)
    selectors.readable_topic(str(found.topic_id), viewer, field="id")
    if str(found.author_id) != customer_id:
        raise RetentionError(
            _("Only the author can edit a post."), code=RetentionErrorCode.PERMISSION_DENIED
        )
    post = ForumPost.objects.select_for_update().select_related("topic").get(pk=found.pk)
    if post.is_hidden:
        raise RetentionError(
            _("A hidden post cannot be edited."), code=RetentionErrorCode.NOT_EDITABLE
        )
    if post.topic.is_locked:
        raise RetentionError(
            _("This topic is locked: its posts cannot be edited."),
            code=RetentionErrorCode.TOPIC_LOCKED,
        )
    window = timedelta(minutes=settings.forum_edit_window_minutes)
    if timezone.now() - post.created_at > window or not window:
        raise RetentionError(
            _("Posts can be edited for %(minutes)s minutes after posting.")
            % {"minutes": settings.forum_edit_window_minutes},
            code=RetentionErrorCode.EDIT_WINDOW_PASSED,
        )
    post.body = _body(body, settings)
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "edited_at"])
    return post


# --- reports and subscriptions ---------------------------------------------------------------


@transaction.atomic
def post_report(*, viewer: Viewer, post_id: str, reason: str | None = None) -> ForumPost:
    customer_id = _signed_in(viewer)
    post = (
        selectors.visible_posts(viewer).filter(pk=post_id).first()
        if str(post_id).isdigit()
        else None
    )
    if post is None:
        raise _invalid(_("No forum post with this id."), "postId", RetentionErrorCode.NOT_FOUND)
    selectors.readable_topic(str(post.topic_id), viewer, field="postId")
    if str(post.author_id) == customer_id:
        raise _invalid(_("You cannot report your own post."), "postId")
    clean_reason = clean_text(reason, field="reason", max_length=REPORT_REASON_MAX)
    try:
        with transaction.atomic():
            ForumReport.objects.create(post=post, reporter_id=customer_id, reason=clean_reason)
    except IntegrityError:
        raise RetentionError(
            _("You have already reported this post."),
            code=RetentionErrorCode.ALREADY_DONE,
            field="postId",
        ) from None
    ForumPost.objects.filter(pk=post.pk).update(report_count=F("report_count") + 1)
    post.refresh_from_db()
    return post


@transaction.atomic
def topic_subscribe(*, viewer: Viewer, topic_id: str) -> ForumTopic:
    customer_id = _signed_in(viewer)
    topic = selectors.readable_topic(topic_id, viewer)
    try:
        with transaction.atomic():
            ForumSubscription.objects.create(topic=topic, customer_id=customer_id)
    except IntegrityError:
        return topic  # already following: nothing to do
    ForumTopic.objects.filter(pk=topic.pk).update(subscriber_count=F("subscriber_count") + 1)
    return selectors.readable_topic(topic_id, viewer)


@transaction.atomic
def topic_unsubscribe(*, viewer: Viewer, topic_id: str) -> ForumTopic | None:
    """Stop following; allowed even on a board the customer no longer qualifies for. Returns the
    topic when the viewer may still see it."""
    customer_id = _signed_in(viewer)
    topic = ForumTopic.objects.filter(pk=topic_id).first() if str(topic_id).isdigit() else None
    if topic is None:
        raise _invalid(_("No forum topic with this id."), "topicId", RetentionErrorCode.NOT_FOUND)
    deleted, _rows = ForumSubscription.objects.filter(topic=topic, customer_id=customer_id).delete()
    if deleted:
        ForumTopic.objects.filter(pk=topic.pk).update(subscriber_count=F("subscriber_count") - 1)
    return selectors.visible_topics(viewer).select_related("board").filter(pk=topic.pk).first()


# --- moderation ------------------------------------------------------------------------------

TOPIC_ACTIONS = ("pin", "unpin", "lock", "unlock", "hide", "unhide")
POST_ACTIONS = ("hide", "unhide")


def _moderator(viewer: Viewer) -> None:
    if not viewer.is_moderator:
        raise RetentionError(
            _("You do not have permission to perform this action."),
            code=RetentionErrorCode.PERMISSION_DENIED,
        )


@transaction.atomic
def topic_moderate(*, viewer: Viewer, topic_id: str, action: str) -> ForumTopic:
    _moderator(viewer)
    if action not in TOPIC_ACTIONS:
        raise _invalid(_("Unknown moderation action."), "action")
    topic = selectors.readable_topic(topic_id, viewer)
    topics = ForumTopic.objects.filter(pk=topic.pk)
    staff = {"staff_user_id": viewer.customer_id, "topic": topic}
    # Each flag moves only from its opposite, so a repeated click changes and records nothing.
    if action in ("pin", "unpin"):
        pin = action == "pin"
        if topics.filter(is_pinned=not pin).update(is_pinned=pin):
            events.topic_pinned_event(pinned=pin, **staff)
    elif action in ("lock", "unlock"):
        lock = action == "lock"
        if topics.filter(is_locked=not lock).update(is_locked=lock):
            events.topic_locked_event(locked=lock, **staff)
    else:
        hide = action == "hide"
        # Only a real change moves the board's visible-topic counter.
        if topics.filter(is_hidden=not hide).update(is_hidden=hide):
            step = -1 if hide else 1
            ForumBoard.objects.filter(pk=topic.board_id).update(topic_count=F("topic_count") + step)
            events.topic_hidden_event(hidden=hide, **staff)
    return selectors.readable_topic(topic_id, viewer)


@transaction.atomic
def post_moderate(*, viewer: Viewer, post_id: str, action: str) -> ForumPost:
    _moderator(viewer)
    if action not in POST_ACTIONS:
        raise _invalid(_("Posts can only be hidden or shown again."), "action")
    post = ForumPost.objects.filter(pk=post_id).first() if str(post_id).isdigit() else None
    if post is None:
        raise _invalid(_("No forum post with this id."), "postId", RetentionErrorCode.NOT_FOUND)
    hide = action == "hide"
    if ForumPost.objects.filter(pk=post.pk, is_hidden=not hide).update(is_hidden=hide):
        step = -1 if hide else 1
        ForumTopic.objects.filter(pk=post.topic_id).update(post_count=F("post_count") + step)
        events.post_hidden_event(post=post, staff_user_id=viewer.customer_id, hidden=hide)
    post.refresh_from_db()
    return post
