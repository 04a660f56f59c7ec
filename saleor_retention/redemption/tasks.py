from saleor.celeryconf import app

from .. import conf
from . import services


@app.task(name="saleor_retention.release_stale_holds")
def release_stale_holds_task() -> int:
    """Give back points applied to checkouts abandoned past ``redeem_hold_minutes`` (hourly)."""
    return services.release_stale_holds(conf.load_settings())
