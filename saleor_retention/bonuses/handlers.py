"""Bonuses' reactions to Saleor's business events (registered with the inbox)."""

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
def grant_signup_bonus(event: PluginEvent, settings: RetentionSettings) -> dict[str, Any]:
    if saleor.get_customer(event.object_id) is None:
        return {"skipped": "customer no longer exists"}
    entry = services.grant_signup_bonus(customer_id=event.object_id, settings=settings)
    return {"signup_bonus": entry.points if entry else 0}
