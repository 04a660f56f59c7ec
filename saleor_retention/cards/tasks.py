from saleor.celeryconf import app

from ..conf import load_settings
from .printing import render_card


@app.task(name="saleor_retention.render_card")
def render_card_task(card_id: int) -> str | None:
    """Render an issued card's printable PDF (after the shipment that issued it committed)."""
    return render_card(card_id, load_settings())
