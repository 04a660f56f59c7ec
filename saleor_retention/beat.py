"""The plugin's periodic jobs, registered with Saleor's Celery app so that a store running
``celery beat`` needs no cron lines. ``apps.ready`` adds them to ``beat_schedule`` (entries the
operator already defined under the same names are kept: the operator wins)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "saleor_retention.ledger_daily": {
        "task": "saleor_retention.ledger_daily",
        "schedule": crontab(hour=2, minute=10),
    },
    "saleor_retention.tiers_daily": {
        "task": "saleor_retention.tiers_daily",
        "schedule": crontab(hour=2, minute=20),
    },
    "saleor_retention.release_stale_holds": {
        "task": "saleor_retention.release_stale_holds",
        "schedule": crontab(minute=25),
    },
    "saleor_retention.cards_daily": {
        "task": "saleor_retention.cards_daily",
        "schedule": crontab(hour=2, minute=40),
    },
    "saleor_retention.ledger_birthdays": {
        # hourly: the store's day begins at a different UTC hour per time zone; a second run
        # the same day pays nothing twice
        "task": "saleor_retention.ledger_birthdays",
        "schedule": crontab(minute=5),
    },
    "saleor_retention.retry_events": {
        "task": "saleor_retention.retry_events",
        "schedule": crontab(minute="*/10"),
    },
    "saleor_retention.insight_rebuild": {
        "task": "saleor_retention.insight_rebuild",
        "schedule": crontab(hour=3, minute=30),
    },
}


def register(app: Any) -> None:
    app.conf.beat_schedule = {**BEAT_SCHEDULE, **(app.conf.beat_schedule or {})}
