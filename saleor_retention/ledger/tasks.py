from saleor.celeryconf import app

from . import services


@app.task(name="saleor_retention.ledger_daily")
def ledger_daily_task() -> dict[str, int]:
    """Release points whose return window passed, then expire lots past their date.

    Schedule it (Celery beat or cron: ``manage.py retention_ledger_daily``) at least daily. Held
    points of abandoned checkouts go back hourly (``redemption.tasks``), tiers are reviewed
    daily (``tiers.tasks``).
    """
    return {"released": services.release_due_lots(), "expired": services.expire_due_lots()}
