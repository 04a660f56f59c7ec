"""A staff download link to printable card PDFs (``LoyaltyCard.pdfUrl``, the print queue)."""

from django.urls import reverse

from ...cards import printing


def card_download_url(info, card_ids: list[int]) -> str:
    token = printing.download_token(card_ids, str(info.context.user.pk))
    path = reverse("retention-card-download", kwargs={"token": token})
    return info.context.build_absolute_uri(path)
