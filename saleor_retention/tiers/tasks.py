from saleor.celeryconf import app

from .. import conf
from . import services


@app.task(name="saleor_retention.tiers_daily")
def tiers_daily_task() -> int:
    """Review every tier once a day (a rolling window moves on its own). Returns how many."""
    settings = conf.load_settings()
    return services.evaluate_all(settings) if settings.tiers else 0
