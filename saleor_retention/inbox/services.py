"""Recording Saleor events and processing them: the path from a hook to a domain service."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from ..conf import load_settings
from .handlers import handlers_for
from .models import PluginEvent

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 4000
REDO_INTAKE = "redo_intake"


def event_key(kind: str, object_type: str, object_id: str, discriminator: str = "") -> str:
    key = f"{kind}:{object_type}:{object_id}"
    return f"{key}:{discriminator}" if discriminator else key


def record_event(
    *,
    kind: str,
    object_type: str,
    object_id: str,
    discriminator: str = "",
    payload: dict[str, Any] | None = None,
) -> str:
    """Store the event once and queue it after commit; returns its key.

    This runs inside the shopper's or staff member's request, so it is one statement:
    ``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id``. A replayed hook hits the conflict,
    inserts nothing and queues nothing.
    """
    key = event_key(kind, object_type, object_id, discriminator)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {PluginEvent._meta.db_table}
                (key, kind, object_type, object_id, payload, status, attempts, last_error,
                 result, created_at)
            VALUES (%s, %s, %s, %s, %s, %s, 0, '', '{{}}', %s)
            ON CONFLICT (key) DO NOTHING
            RETURNING id
            """,
            [
                key,
                kind,
                object_type,
                object_id,
                json.dumps(payload or {}),
                "pending",  # PluginEvent.Status.PENDING
                timezone.now(),
            ],
        )
        row = cursor.fetchone()
    if row is not None:
        schedule_processing(row[0])
    return key


def record_hook_failure(*, kind: str, object_type: str, object_id: str, error: str) -> PluginEvent:
    """Keep a hook that raised as a failed event, so ``retention_retry_events`` can redo it.

    Each failure gets its own row (its key ends in a random id), apart from the business events
    the hook should have recorded: the retry re-runs the intake, which records those normally.
    """
    key = event_key(kind, object_type, object_id, f"hook-failed-{uuid.uuid4().hex}")
    event, _created = _get_or_create(
        key,
        kind=kind,
        object_type=object_type,
        object_id=object_id,
        payload={REDO_INTAKE: True},
        status=PluginEvent.Status.FAILED,
        attempts=1,
        last_error=error[:MAX_ERROR_LENGTH],
    )
    return event


def _get_or_create(key: str, **defaults: Any) -> tuple[PluginEvent, bool]:
    try:
        with transaction.atomic():
            return PluginEvent.objects.get_or_create(key=key, defaults=defaults)
    except IntegrityError:  # a concurrent replay won the insert
        return PluginEvent.objects.get(key=key), False


def schedule_processing(event_id: int) -> None:
    """Process the event once Saleor's transaction commits (never before: a worker would not
    see the row yet, and a rolled-back checkout must not earn anything)."""
    from .dispatch import after_commit

    after_commit(event_id=event_id)


def process_event(event_id: int) -> PluginEvent | None:
    """Run the domain handlers of one event, exactly once.

    The row lock serialises concurrent deliveries of the same event; handlers run in a savepoint
    so a failing handler leaves nothing half-written, and the event records the failure instead.
    Database connection errors propagate so the task can retry them.
    """
    with transaction.atomic():
        event = PluginEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.status == PluginEvent.Status.DONE:
            return event
        event.attempts += 1
        try:
            with transaction.atomic():
                results: dict[str, Any] = {}
                if event.payload.get(REDO_INTAKE):
                    from .intake import redo

                    results["intake"] = redo(event)
                else:
                    settings = load_settings()
                    for handler in handlers_for(event.kind):
                        # per domain; a domain's several handler modules add to one result
                        domain = handler.__module__.rsplit(".", 2)[-2]
                        results.setdefault(domain, {}).update(handler(event, settings))
        except OperationalError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on the event and logged, then retried
            logger.exception("retention: event %s (%s) failed", event.pk, event.key)
            event.status = PluginEvent.Status.FAILED
            event.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
        else:
            event.status = PluginEvent.Status.DONE
            event.result = results
            event.last_error = ""
            event.processed_at = timezone.now()
        event.save(update_fields=["status", "attempts", "last_error", "result", "processed_at"])
        return event


def retry_events(
    *, stale_after_minutes: int | None = None, rescan_hours: int | None = None
) -> list[int]:
    """Queue every failed event and every event pending for longer than the threshold, and
    scan again the orders refunded lately (a scan whose message was lost is redone here).
    Not given: ``RETENTION_EVENT_STALE_MINUTES`` and ``RETENTION_EVENT_RESCAN_HOURS``."""
    from .. import operator_settings, saleor_adapter
    from .dispatch import after_commit

    if stale_after_minutes is None:
        stale_after_minutes = operator_settings.value("RETENTION_EVENT_STALE_MINUTES")
    if rescan_hours is None:
        rescan_hours = operator_settings.value("RETENTION_EVENT_RESCAN_HOURS")

    for order_id in saleor_adapter.orders_refunded_since(
        timezone.now() - timezone.timedelta(hours=rescan_hours)
    ):
        after_commit(scan_order_id=order_id)
    stale_before = timezone.now() - timezone.timedelta(minutes=stale_after_minutes)
    ids = list(
        PluginEvent.objects.filter(status=PluginEvent.Status.FAILED).values_list("pk", flat=True)
    ) + list(
        PluginEvent.objects.filter(
            status=PluginEvent.Status.PENDING, created_at__lt=stale_before
        ).values_list("pk", flat=True)
    )
    for event_id in ids:
        schedule_processing(event_id)
    return ids
