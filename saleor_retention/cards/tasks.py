from saleor.celeryconf import app

from ..conf import load_settings
from .printing import render_card


@app.task(name="saleor_retention.render_card")
def render_card_task(card_id: int) -> str | None:
    """Render an issued card's printable PDF (after the shipment that issued it committed)."""
    return render_card(card_id, load_settings())


@app.task(name="saleor_retention.cards_daily")
def cards_daily_task() -> dict[str, int]:
    """Mark unredeemed cards past their end date expired (``manage.py retention_cards_daily``)."""
    from .services import expire_cards

    return {"cards_expired": expire_cards()}
