"""One writer per staff action (Saleor's ``giftcard/events.py``). Each is called inside the
transaction of the action it records, so an action that rolls back leaves no event.

The writers take the staff member's id as the services do; the frozen e-mail is read here. A
hook that has no staff id of its own (the plugin's settings, saved by Saleor's ``pluginUpdate``)
asks ``acting_user``: the GraphQL view keeps the request for the length of one operation.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.contrib.auth import get_user_model

from .models import AuditAction, AuditEvent

_REQUEST: contextvars.ContextVar[Any] = contextvars.ContextVar("retention_audit_request")


@contextlib.contextmanager
def request_scope(request: Any) -> Iterator[None]:
    """While a GraphQL request runs, let hooks find who is acting (see ``acting_user``)."""
    token = _REQUEST.set(request)
    try:
        yield
    finally:
        _REQUEST.reset(token)


def acting_user() -> Any | None:
    """The signed-in user of the GraphQL request being served, if any."""
    user = getattr(_REQUEST.get(None), "user", None)
    return user if user and user.is_authenticated else None


def _changed(before: Any, after: Any) -> dict[str, Any]:
    return {"before": before, "after": after}


def _record(
    *,
    action: str,
    staff_user_id: Any,
    target_type: str,
    target_id: Any,
    payload: Mapping[str, Any],
) -> AuditEvent:
    actor = None
    email = ""
    if staff_user_id not in (None, ""):
        actor = get_user_model().objects.filter(pk=staff_user_id).only("pk", "email").first()
        email = actor.email if actor is not None else ""
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=email,
        target_type=target_type,
        target_id=str(target_id),
        payload=dict(payload),
    )


def record_review_moderated(
    *,
    staff_user_id: Any,
    review_id: Any,
    decision: str | None,
    status_before: str,
    status_after: str,
    complaint_before: bool,
    complaint_after: bool,
    reason: str = "",
) -> AuditEvent:
    payload: dict[str, Any] = {"decision": decision}
    if status_before != status_after:
        payload["status"] = _changed(status_before, status_after)
    if complaint_before != complaint_after:
        payload["is_complaint"] = _changed(complaint_before, complaint_after)
    if reason:
        payload["reason"] = reason
    return _record(
        action=str(AuditAction.REVIEW_MODERATED),
        staff_user_id=staff_user_id,
        target_type="Review",
        target_id=review_id,
        payload=payload,
    )


def record_card_voided(
    *, staff_user_id: Any, card_id: Any, status_before: str, reason: str
) -> AuditEvent:
    return _record(
        action=str(AuditAction.CARD_VOIDED),
        staff_user_id=staff_user_id,
        target_type="LoyaltyCard",
        target_id=card_id,
        payload={"status": _changed(status_before, "void"), "reason": reason},
    )


def record_points_adjusted(*, staff_user_id: Any, entry: Any) -> AuditEvent:
    """Once per ledger entry: a replayed adjustment (same idempotency key) returns the first
    entry, which is already on record."""
    existing = AuditEvent.objects.filter(
        action=AuditAction.POINTS_ADJUSTED, target_type="LoyaltyEntry", target_id=str(entry.pk)
    ).first()
    if existing is not None:
        return existing
    return _record(
        action=str(AuditAction.POINTS_ADJUSTED),
        staff_user_id=staff_user_id,
        target_type="LoyaltyEntry",
        target_id=entry.pk,
        payload={"account": entry.account_id, "points": entry.points, "reason": entry.reason},
    )


def audited_points_adjustment(adjust: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps the ledger's staff adjustment (inside its transaction) so each adjustment it
    posts is on record, without the ledger's write path knowing about audit rows."""

    @functools.wraps(adjust)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        entry = adjust(*args, **kwargs)
        record_points_adjusted(staff_user_id=kwargs.get("staff_user_id"), entry=entry)
        return entry

    return wrapper


def _record_flag(
    action: str, target_type: str, target_id: Any, flag: str, after: bool, staff_user_id: Any
) -> AuditEvent:
    """A moderation flag that moved (the forum records only real changes): before is its
    opposite."""
    return _record(
        action=action,
        staff_user_id=staff_user_id,
        target_type=target_type,
        target_id=target_id,
        payload={flag: _changed(not after, after)},
    )


def record_topic_pinned(*, staff_user_id: Any, topic_id: Any, pinned: bool) -> AuditEvent:
    action = str(AuditAction.TOPIC_PINNED)
    return _record_flag(action, "ForumTopic", topic_id, "is_pinned", pinned, staff_user_id)


def record_topic_locked(*, staff_user_id: Any, topic_id: Any, locked: bool) -> AuditEvent:
    action = str(AuditAction.TOPIC_LOCKED)
    return _record_flag(action, "ForumTopic", topic_id, "is_locked", locked, staff_user_id)


def record_topic_hidden(*, staff_user_id: Any, topic_id: Any, hidden: bool) -> AuditEvent:
    action = str(AuditAction.TOPIC_HIDDEN)
    return _record_flag(action, "ForumTopic", topic_id, "is_hidden", hidden, staff_user_id)


def record_post_hidden(*, staff_user_id: Any, post_id: Any, hidden: bool) -> AuditEvent:
    action = str(AuditAction.POST_HIDDEN)
    return _record_flag(action, "ForumPost", post_id, "is_hidden", hidden, staff_user_id)


# Saleor's configuration field types whose values must never be copied anywhere.
SECRET_TYPES = frozenset({"Password", "Secret", "SecretMultiline"})


def settings_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], structure: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """``{name: {"before", "after"}}`` of the settings whose value moved; a secret setting (by
    its declared type, or one the plugin does not declare) is named without its values."""
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        kind = structure.get(name, {}).get("type")
        if kind is None or kind in SECRET_TYPES:
            changes[name] = {"redacted": True}
        else:
            changes[name] = _changed(old, new)
    return changes


def record_settings_changed(
    *,
    staff_user_id: Any,
    plugin_id: str,
    changes: Mapping[str, Any],
    active_before: bool,
    active_after: bool,
) -> AuditEvent | None:
    """The plugin's settings as saved through Saleor; nothing when nothing moved."""
    payload: dict[str, Any] = {}
    if changes:
        payload["settings"] = dict(changes)
    if active_before != active_after:
        payload["active"] = _changed(active_before, active_after)
    if not payload:
        return None
    return _record(
        action=str(AuditAction.SETTINGS_CHANGED),
        staff_user_id=staff_user_id,
        target_type="Plugin",
        target_id=plugin_id,
        payload=payload,
    )
