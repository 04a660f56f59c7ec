"""Replaying Saleor's hooks, as a retrying Saleor or a duplicated webhook would."""

from saleor.account.models import User
from saleor.order.models import Fulfillment, Order

from saleor_retention.inbox.models import PluginEvent
from saleor_retention.inbox.services import process_event
from saleor_retention.ledger.models import LedgerEntry
from saleor_retention.plugin import RetentionPlugin
from tests.conftest import run_on_commit


def replay_everything() -> None:
    """Call every hook twice for every customer, order and fulfillment, then process every
    recorded event again. Tests assert that nothing changes."""
    plugin = RetentionPlugin(configuration=[], active=True)
    with run_on_commit():
        for _ in range(2):
            for order in Order.objects.all():
                for hook in ("order_created", "order_fully_paid", "order_updated"):
                    getattr(plugin, hook)(order, previous_value=None)
                if order.status == "canceled":
                    plugin.order_cancelled(order, previous_value=None)
            for fulfillment in Fulfillment.objects.all():
                plugin.fulfillment_created(fulfillment, previous_value=None)
            for user in User.objects.filter(is_staff=False):
                plugin.customer_created(user, previous_value=None)
    for event_id in PluginEvent.objects.values_list("pk", flat=True):
        PluginEvent.objects.filter(pk=event_id).update(status="pending")
        process_event(event_id)


def ledger_state() -> list[tuple[str, int]]:
    return list(LedgerEntry.objects.order_by("pk").values_list("idempotency_key", "points"))
