from saleor.celeryconf import app

from . import services


@app.task(name="saleor_retention.ledger_daily")
def ledger_daily_task() -> dict[str, int]:
    """Release points whose return window passed, then expire lots past their date.

    Schedule it (Celery beat or cron: ``manage.py retention_ledger_daily``) at least daily.
    """
    from ..conf import load_settings
    from .redemption import release_stale_holds
    from .tiers import evaluate_all

    settings = load_settings()
    return {
        "released": services.release_due_lots(),
        "expired": services.expire_due_lots(),
        "holds_released": release_stale_holds(),
        "tiers_reviewed": evaluate_all(settings) if settings.tiers else 0,
    }


@app.task(name="saleor_retention.release_stale_holds")
def release_stale_holds_task() -> int:
    """Give back points applied to checkouts abandoned past ``redeem_hold_minutes`` (hourly)."""
    from .redemption import release_stale_holds

    return release_stale_holds()
