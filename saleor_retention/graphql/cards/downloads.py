"""A staff download link to printable card PDFs (``LoyaltyCard.pdfUrl``, the print queue)."""

from django.urls import reverse

from ...cards import printing
from ..core.access import staff_user_id
from ..saleor_types import requesting_app


def card_download_url(info, card_ids: list[int]) -> str:
    """A link for the staff member, or the app, asking (their right is checked again on use)."""
    app = requesting_app(info.context)
    if app is not None:
        token = printing.download_token(card_ids, app_id=str(app.pk))
    else:
        token = printing.download_token(card_ids, staff_user_id=staff_user_id(info))
    path = reverse("retention-card-download", kwargs={"token": token})
    return info.context.build_absolute_uri(path)
