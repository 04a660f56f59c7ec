"""After commit, everything one transaction asks of Celery leaves as a single message.

A staff action such as ``orderMarkAsPaid`` fires several hooks; each wants work done after the
commit (process the event it recorded, scan the order for refunds). Publishing one message per
wish cost the request a broker round trip each; here they are gathered per thread and sent once,
from the first ``on_commit`` callback that runs (the others find nothing left to send).

If a transaction rolls back, Django drops its callbacks but the gathered ids stay and leave with
the next transaction's message: harmless, since processing an id whose row never committed does
nothing and a scan only reads.
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction

from .. import operator_settings

logger = logging.getLogger(__name__)

# Opening a channel on a lost broker connection, kombu 4.6 (Saleor 2.10's) retries for ever
# unless the broker transport options bound it: the request that publishes would hang. Connect
# first with a bound of our own, so a dead broker costs a request about a second.
# RETENTION_BROKER_CONNECT_RETRIES bounds the attempts (default 2).
BROKER_CONNECT = {"interval_start": 0, "interval_step": 0.5, "interval_max": 1}

_pending = threading.local()


def after_commit(*, event_id: int | None = None, scan_order_id: str | None = None) -> None:
    batch = _pending.__dict__.setdefault("batch", {"events": [], "scans": []})
    if event_id is not None and event_id not in batch["events"]:
        batch["events"].append(event_id)
    if scan_order_id is not None and scan_order_id not in batch["scans"]:
        batch["scans"].append(scan_order_id)
    transaction.on_commit(_send)


def _send() -> None:
    batch = _pending.__dict__.pop("batch", None)
    if not batch or not (batch["events"] or batch["scans"]):
        return
    from .tasks import dispatch_task

    try:
        publish(dispatch_task, batch["events"], batch["scans"])
    except Exception:  # noqa: BLE001 - broker down: retention_retry_events redoes both kinds
        logger.exception("retention: could not queue %s; left for the retry sweep", batch)


def publish(task, *args) -> None:
    """Queue ``task`` with a bounded broker connect: kombu 4.6 retries a lost broker for ever when
    publishing, which would hang the request whose commit triggered it."""
    app = task.app
    if app.conf.task_always_eager:
        task.delay(*args)
        return
    with app.producer_or_acquire() as producer:
        retries = operator_settings.value("RETENTION_BROKER_CONNECT_RETRIES")
        producer.connection.ensure_connection(max_retries=retries, **BROKER_CONNECT)
        task.apply_async(args, producer=producer)
