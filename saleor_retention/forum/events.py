"""The forum's audit events: one writer per staff moderation, called inside the service's
transaction and only when the flag really moved (Saleor's ``giftcard/events.py``; the record
itself is ``audit/``)."""

from __future__ import annotations

from typing import Any

from ..audit import services as audit
from ..audit.models import AuditAction, AuditEvent


def topic_pinned_event(*, topic: Any, staff_user_id: Any, pinned: bool) -> AuditEvent:
    return audit.record_flag(
        action=str(AuditAction.TOPIC_PINNED),
        staff_user_id=staff_user_id,
        target_type="ForumTopic",
        target_id=topic.pk,
        flag="is_pinned",
        after=pinned,
    )


def topic_locked_event(*, topic: Any, staff_user_id: Any, locked: bool) -> AuditEvent:
    return audit.record_flag(
        action=str(AuditAction.TOPIC_LOCKED),
        staff_user_id=staff_user_id,
        target_type="ForumTopic",
        target_id=topic.pk,
        flag="is_locked",
        after=locked,
    )


def topic_hidden_event(*, topic: Any, staff_user_id: Any, hidden: bool) -> AuditEvent:
    return audit.record_flag(
        action=str(AuditAction.TOPIC_HIDDEN),
        staff_user_id=staff_user_id,
        target_type="ForumTopic",
        target_id=topic.pk,
        flag="is_hidden",
        after=hidden,
    )


def post_hidden_event(*, post: Any, staff_user_id: Any, hidden: bool) -> AuditEvent:
    return audit.record_flag(
        action=str(AuditAction.POST_HIDDEN),
        staff_user_id=staff_user_id,
        target_type="ForumPost",
        target_id=post.pk,
        flag="is_hidden",
        after=hidden,
    )
