"""``retentionEventsRetry``: queue failed plugin work again (staff; MANAGE_PLUGINS)."""

import graphene
from django.utils.translation import gettext as _

from ....errors import RetentionError, RetentionErrorCode
from ....inbox import services
from ....inbox.models import PluginEvent
from ....permissions import MANAGE_PLUGINS
from ...core.mutations import RetentionMutation


class RetentionEventsRetry(RetentionMutation):
    """Queue failed plugin work again: one event by id, or every failed and stale one."""

    queued = graphene.Int(description="How many events were queued; null when refused.")

    permissions = (MANAGE_PLUGINS,)

    class Arguments:
        event_id = graphene.ID(description="Retry only this event (its numeric id).")

    class Meta:
        description = "Retry plugin work that failed (staff; needs MANAGE_PLUGINS)."

    @classmethod
    def perform_mutation(cls, root, info, event_id=None):
        if event_id is None:
            return cls(queued=len(services.retry_events()), errors=[])
        event = PluginEvent.objects.filter(pk=_as_int(event_id)).first()
        if event is None:
            raise RetentionError(
                _("No plugin event with this id."),
                code=RetentionErrorCode.NOT_FOUND,
                field="eventId",
            )
        if event.status == PluginEvent.Status.DONE:
            raise RetentionError(
                _("This event was already processed."),
                code=RetentionErrorCode.INVALID,
                field="eventId",
            )
        services.schedule_processing(event.pk)
        return cls(queued=1, errors=[])


def _as_int(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise RetentionError(
            _("Give the event's numeric id."), code=RetentionErrorCode.INVALID, field="eventId"
        ) from None
