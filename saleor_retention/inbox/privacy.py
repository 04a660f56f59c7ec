"""The inbox's part of erasing and exporting one customer.

The events about her as a customer (``customer_created``, and the redo of a failed one) name her
id in ``object_id`` and ``key``: erasure deletes them (a pending one would find no customer and
do nothing anyway). Order and fulfillment events stay: their payloads and results hold order ids,
refund amounts and points, no personal data, and Saleor keeps the orders themselves.
"""

from __future__ import annotations

from typing import Any

from ..privacy import eraser, exporter
from .models import PluginEvent

EVENT_FIELDS = [
    "PluginEvent.key",
    "PluginEvent.object_id",
    "PluginEvent.payload",
    "PluginEvent.result",
]


def _events_of(customer_id: str):
    return PluginEvent.objects.filter(object_type="customer", object_id=customer_id)


@eraser(fields=EVENT_FIELDS)
def erase_events(customer_id: str) -> dict[str, Any]:
    return {"events_deleted": _events_of(customer_id).delete()[0]}


@exporter("events", fields=EVENT_FIELDS)
def export_events(customer_id: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": event.kind,
            "status": event.status,
            "payload": event.payload,
            "result": event.result,
            "created_at": event.created_at.isoformat(),
            "processed_at": event.processed_at.isoformat() if event.processed_at else None,
        }
        for event in _events_of(customer_id).order_by("pk")
    ]
