"""The shared low-level writer of the audit record, and who is acting.

The writers themselves live with the domain that performs each staff action, one function per
event, as Saleor's ``giftcard/events.py``: ``reviews/events.py``, ``cards/events.py``,
``forum/events.py``, ``adjustments/events.py`` and the plugin's own ``events.py`` (settings
changes). Each is called explicitly inside the transaction of the action it records, so an action
that rolls back leaves no event; all of them write through ``record``.

The writers take the staff member's id as the services do; the frozen e-mail is read here. A
hook that has no staff id of its own (the plugin's settings, saved by Saleor's ``pluginUpdate``)
asks ``acting_user``: the GraphQL view keeps the request for the length of one operation.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from typing import Any

from django.contrib.auth import get_user_model

from .models import AuditEvent

_REQUEST: contextvars.ContextVar[Any] = contextvars.ContextVar("retention_audit_request")


@contextlib.contextmanager
def request_scope(request: Any) -> Iterator[None]:
    """While a GraphQL request runs, let hooks find who is acting (see ``acting_user``)."""
    token = _REQUEST.set(request)
    try:
        yield
    finally:
        _REQUEST.reset(token)


def acting_app() -> Any | None:
    """The active app whose token signed the GraphQL request being served, if any."""
    app = getattr(_REQUEST.get(None), "app", None)
    return app if app and app.is_active else None


def acting_user() -> Any | None:
    """The signed-in user of the GraphQL request being served, if any."""
    user = getattr(_REQUEST.get(None), "user", None)
    return user if user and user.is_authenticated else None


def changed(before: Any, after: Any) -> dict[str, Any]:
    """A payload value that moved."""
    return {"before": before, "after": after}


def record(
    *,
    action: str,
    staff_user_id: Any,
    target_type: str,
    target_id: Any,
    payload: Mapping[str, Any],
) -> AuditEvent:
    """Write one event, the actor linked and their e-mail frozen (no actor: an empty e-mail);
    with no staff member, the app whose token signed the request, if one did."""
    actor = None
    email = ""
    app = None
    if staff_user_id not in (None, ""):
        actor = get_user_model().objects.filter(pk=staff_user_id).only("pk", "email").first()
        email = actor.email if actor is not None else ""
    else:
        app = acting_app()
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=email,
        actor_app_id=str(app.pk) if app is not None else "",
        actor_app_name=app.name if app is not None else "",
        target_type=target_type,
        target_id=str(target_id),
        payload=dict(payload),
    )


def record_flag(
    *, action: str, staff_user_id: Any, target_type: str, target_id: Any, flag: str, after: bool
) -> AuditEvent:
    """A moderation flag that moved (callers record only real changes): before is its
    opposite."""
    return record(
        action=action,
        staff_user_id=staff_user_id,
        target_type=target_type,
        target_id=target_id,
        payload={flag: changed(not after, after)},
    )


def already_recorded(*, action: str, target_type: str, target_id: Any) -> AuditEvent | None:
    """The event already on record for this target, for writers that record a row once."""
    return AuditEvent.objects.filter(
        action=action, target_type=target_type, target_id=str(target_id)
    ).first()
