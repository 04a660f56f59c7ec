"""The customer's file follows her orders (registered with the inbox): each order event that
can change what her paid orders say refreshes her one row, inside the event's processing; a new
account gets its file (stage potential) when Saleor reports it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import saleor_adapter as saleor
from ..inbox import intake
from ..inbox.handlers import handles
from . import services

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from ..inbox.models import PluginEvent


@handles(intake.CUSTOMER_CREATED)
def open_customer_file(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    return services.file_refresh(customer_id=event.object_id, settings=settings)


@handles(intake.ORDER_PAID, intake.ORDER_REFUNDED, intake.ORDER_CANCELLED)
def refresh_customer_file(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    customer_id = saleor.order_customer_id(saleor.get_order(event.object_id))
    if customer_id is None:
        return {"skipped": "guest order"}
    return services.file_refresh(customer_id=customer_id, settings=settings)
