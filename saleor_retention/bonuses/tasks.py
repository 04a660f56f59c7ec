from django.db import OperationalError
from saleor.celeryconf import app

from .. import conf
from . import services as bonuses


@app.task(name="saleor_retention.ledger_birthdays")
def birthdays_task() -> dict:
    """Credit today's birthday bonuses (the store's date). Schedule it at least daily, e.g. Celery
    beat or cron (``manage.py retention_birthdays``); running it more often changes nothing."""
    active, settings = conf.load_state()
    if not active:
        return {"skipped": "plugin inactive"}
    return bonuses.grant_birthday_bonuses(settings=settings).as_dict()


@app.task(
    name="saleor_retention.ledger_campaign_bonus",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def campaign_bonus_task(campaign_id: int) -> dict | None:
    run = bonuses.run_campaign(campaign_id, settings=conf.load_settings())
    return run.as_dict() if run else None
