from django.db import OperationalError
from saleor.celeryconf import app

from .. import operator_settings
from .services import process_event, retry_events

# Acknowledged only once the task has run: a worker killed mid-task (SIGKILL, OOM, a lost host)
# leaves its message unacknowledged, and the broker delivers it again (Redis: after the
# visibility timeout; a prefork child's death: at once, ``reject_on_worker_lost``). Safe because
# every step is idempotent: a second delivery finds the event ``done`` under its row lock.
REDELIVER_IF_LOST = {"acks_late": True, "reject_on_worker_lost": True}


@app.task(name="saleor_retention.retry_events", **REDELIVER_IF_LOST)
def retry_events_task(stale_after_minutes: int | None = None) -> int:
    return len(retry_events(stale_after_minutes=stale_after_minutes))


@app.task(
    name="saleor_retention.dispatch",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=operator_settings.value("RETENTION_DISPATCH_MAX_RETRIES"),  # fixed at import
    **REDELIVER_IF_LOST,
)
def dispatch_task(event_ids: list[int], scan_order_ids: list[str]) -> dict[str, object]:
    """One transaction's after-commit work (see ``dispatch``): scan the orders (recording what
    they show now: payment, refunds), then process the events. Every step is idempotent."""
    from .intake import scan_order

    scanned = {order_id: scan_order(order_id) for order_id in scan_order_ids}
    statuses = {}
    for event_id in event_ids:
        event = process_event(event_id)
        statuses[str(event_id)] = event.status if event else None
    return {"scanned": scanned, "events": statuses}
