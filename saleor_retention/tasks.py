# Celery's autodiscovery imports ``<app>.tasks``; each domain's tasks register from here.
from .inbox.tasks import process_event_task, retry_events_task  # noqa: F401
from .ledger.tasks import ledger_daily_task  # noqa: F401
