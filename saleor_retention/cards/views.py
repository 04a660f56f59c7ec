"""Staff downloads of printable cards, by a signed, short-lived link that GraphQL hands out."""

from django.core import signing
from django.http import HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _

from ..conf import load_settings
from .printing import DownloadNotAllowed, cards_for_token, render_cards


def download_cards(request, token: str):
    try:
        cards = cards_for_token(token)
    except signing.BadSignature:  # also SignatureExpired
        return HttpResponseForbidden(_("This download link is invalid or has expired."))
    except DownloadNotAllowed:
        return HttpResponseForbidden(
            _("The staff member or app this link was made for may no longer download cards.")
        )
    response = HttpResponse(render_cards(cards, load_settings()), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="loyalty-cards.pdf"'
    return response
