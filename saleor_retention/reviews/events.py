"""The reviews domain's audit events: one writer per staff action, called inside the service's
transaction (Saleor's ``giftcard/events.py``; the record itself is ``audit/``)."""

from __future__ import annotations

from typing import Any

from ..audit import services as audit
from ..audit.models import AuditAction, AuditEvent


def review_moderated_event(
    *,
    review: Any,
    staff_user_id: Any,
    decision: str | None,
    status_before: str,
    complaint_before: bool,
    reason: str = "",
) -> AuditEvent:
    """A staff decision on a review (approve, reject, remove, the complaint flag): what it
    decided, and the status and flag where they moved."""
    payload: dict[str, Any] = {"decision": decision}
    status_after, complaint_after = str(review.status), bool(review.is_complaint)
    if status_before != status_after:
        payload["status"] = audit.changed(status_before, status_after)
    if complaint_before != complaint_after:
        payload["is_complaint"] = audit.changed(complaint_before, complaint_after)
    if reason:
        payload["reason"] = reason
    return audit.record(
        action=str(AuditAction.REVIEW_MODERATED),
        staff_user_id=staff_user_id,
        target_type="Review",
        target_id=review.pk,
        payload=payload,
    )
