from django.db import OperationalError
from saleor.celeryconf import app

from .services import process_event, retry_events


@app.task(
    name="saleor_retention.process_event",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def process_event_task(event_id: int) -> str | None:
    event = process_event(event_id)
    return event.status if event else None


@app.task(name="saleor_retention.retry_events")
def retry_events_task(stale_after_minutes: int = 10) -> int:
    return len(retry_events(stale_after_minutes=stale_after_minutes))


@app.task(
    name="saleor_retention.scan_order",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def scan_order_task(order_id: str) -> list[str]:
    """Record what an updated order shows now (payment, refunds); each event once."""
    from .intake import scan_order

    return scan_order(order_id)
