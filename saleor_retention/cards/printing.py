"""Printable loyalty cards: HTML templates rendered to PDF with WeasyPrint, with a QR code.

A card is rendered in its order's language (English or Simplified Chinese) from the program's
own template if it names one, else its kind's design (``templates/saleor_retention/cards/
<kind>.html``: a coloured band with the kind's name over ``base.html``); the QR code opens
the store URL configured in ``card_qr_url`` with the card's code. Rendering happens in a Celery
task after the card is committed, never inside Saleor's shipping mutation.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import segno
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import select_template
from django.utils import timezone, translation

from .. import operator_settings
from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..permissions import MANAGE_DISCOUNTS
from .kinds import strategy_for
from .models import LoyaltyCard

SUPPORTED_LANGUAGES = ("en", "zh-hans")


@dataclasses.dataclass(frozen=True)
class PrintableCard:
    code: str
    headline: str
    min_spend: str
    expires_on: date
    customer_name: str
    qr_data_uri: str


def card_language(language_code: str) -> str:
    code = (language_code or "en").lower().replace("_", "-")
    return "zh-hans" if code.startswith("zh") else "en"


def _money(amount, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def headline(card: LoyaltyCard) -> str:
    """The card's printed offer, in the active language, as its kind words it."""
    return strategy_for(card.kind).headline(card)


def qr_url(card: LoyaltyCard, settings: RetentionSettings) -> str:
    return settings.card_qr_url.replace("{code}", card.code)


def printable(card: LoyaltyCard, settings: RetentionSettings, customer_name: str) -> PrintableCard:
    store_zone = settings.store_zone
    return PrintableCard(
        code=card.code,
        headline=headline(card),
        min_spend=_money(card.min_spend, card.currency) if card.min_spend else "",
        expires_on=timezone.localtime(card.expires_at, store_zone).date(),
        customer_name=customer_name,
        qr_data_uri=segno.make(qr_url(card, settings), error="m").svg_data_uri(scale=4),
    )


def pdf_path(card: LoyaltyCard) -> str:
    return f"retention/cards/{card.code}.pdf"


def render_card(card_id: int, settings: RetentionSettings) -> str | None:
    """Render one issued card's PDF into the default storage; returns its path."""
    card = LoyaltyCard.objects.select_related("program").filter(pk=card_id).first()
    if card is None or card.status == LoyaltyCard.Status.VOID:
        return None
    path = pdf_path(card)
    if default_storage.exists(path):
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(render_cards([card], settings)))
    # The customer may have been erased while this rendered: her name must not stay on disk.
    kept = (
        LoyaltyCard.objects.filter(pk=card.pk, customer_id=card.customer_id)
        .exclude(status=LoyaltyCard.Status.VOID)
        .update(pdf_path=saved)
    )
    if not kept:
        default_storage.delete(saved)
        return None
    return saved


def schedule_rendering(card_id: int) -> None:
    from ..inbox.dispatch import publish
    from .tasks import render_card_task

    def enqueue() -> None:
        try:
            publish(render_card_task, card_id)
        except Exception:  # noqa: BLE001 - broker down: the print queue renders it on demand
            import logging

            logging.getLogger(__name__).exception("retention: could not queue card %s", card_id)

    transaction.on_commit(enqueue)


# --- the warehouse's print run ---------------------------------------------------------------

DOWNLOAD_SALT = "saleor_retention.cards.download"


def render_cards(cards: list[LoyaltyCard], settings: RetentionSettings) -> bytes:
    """One PDF for many cards, each page in its own order's language."""
    import weasyprint

    languages = saleor.order_language_codes(card.order_id for card in cards)
    names = saleor.customer_names(str(card.customer_id) for card in cards if card.customer_id)
    groups: dict[tuple[str, tuple[str, ...]], list[LoyaltyCard]] = {}
    for card in cards:
        language = card_language(languages.get(card.order_id, ""))
        groups.setdefault((language, templates_for(card)), []).append(card)
    documents = [
        weasyprint.HTML(string=_html(group, settings, language, names, templates)).render()
        for (language, templates), group in sorted(groups.items())
    ]
    if not documents:
        documents = [weasyprint.HTML(string="<p></p>").render()]
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def templates_for(card: LoyaltyCard) -> tuple[str, ...]:
    """Where a card's design is looked for: the program's own template, the kind's, the base."""
    own = [card.program.template_name] if card.program.template_name else []
    return tuple(
        f"saleor_retention/cards/{name}" for name in [*own, f"{card.kind}.html", "base.html"]
    )


def _html(
    cards: list[LoyaltyCard],
    settings: RetentionSettings,
    language: str,
    names: dict[str, str],
    templates: tuple[str, ...],
) -> str:
    template = select_template(list(templates))
    with translation.override(language):
        return template.render(
            {
                "cards": [
                    printable(card, settings, names.get(str(card.customer_id), ""))
                    for card in cards
                ],
                "language": language,
            }
        )


@transaction.atomic
def take_print_queue(since) -> list[int]:
    """Every card issued since ``since`` and not printed or voided yet, now marked printed;
    returns their ids (the warehouse's daily run)."""
    cards = list(
        LoyaltyCard.objects.select_for_update()
        .filter(status=LoyaltyCard.Status.ISSUED, issued_at__gte=since)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)
    )
    LoyaltyCard.objects.filter(pk__in=cards).update(
        status=LoyaltyCard.Status.PRINTED, printed_at=timezone.now()
    )
    return cards


def download_token(card_ids: list[int], *, staff_user_id: str = "", app_id: str = "") -> str:
    """A signed link to print ``card_ids``, made for one staff member or one app."""
    from django.core import signing

    holder = {"app": app_id} if app_id else {"staff": staff_user_id}
    return signing.dumps({"cards": card_ids, **holder}, salt=DOWNLOAD_SALT, compress=True)


class DownloadNotAllowed(Exception):
    """The link is genuine, but the staff member or app it was made for may no longer download
    cards."""


def may_download_cards(user: Any) -> bool:
    """Who may print cards: an active staff member holding MANAGE_DISCOUNTS."""
    return bool(
        user is not None and user.is_active and user.is_staff and user.has_perm(MANAGE_DISCOUNTS)
    )


def app_may_download_cards(app: Any) -> bool:
    """An app may print cards while it is active and holds MANAGE_DISCOUNTS."""
    return bool(app is not None and app.is_active and app.has_perm(MANAGE_DISCOUNTS))


def cards_for_token(token: str) -> list[LoyaltyCard]:
    """The cards a download link names; raises ``signing.BadSignature`` (or its subclass
    ``SignatureExpired``) for a forged or stale link, and ``DownloadNotAllowed`` when the staff
    member the link was made for has since been deleted, deactivated, made a customer or lost
    MANAGE_DISCOUNTS (an app: deleted, deactivated or lost MANAGE_DISCOUNTS): the link is checked
    against who they are now, not who they were."""
    from django.core import signing

    data = signing.loads(
        token,
        salt=DOWNLOAD_SALT,
        max_age=operator_settings.value("RETENTION_CARD_DOWNLOAD_MAX_AGE_SECONDS"),
    )
    if "app" in data:
        app_id = str(data.get("app") or "")
        if not app_may_download_cards(saleor.get_app(app_id)):
            raise DownloadNotAllowed(f"app {app_id}")
    else:
        staff_id = str(data.get("staff") or "")
        if not staff_id.isdigit() or not may_download_cards(saleor.get_customer(staff_id)):
            raise DownloadNotAllowed(staff_id)
    order = {pk: index for index, pk in enumerate(data["cards"])}
    cards = LoyaltyCard.objects.select_related("program").filter(pk__in=data["cards"])
    return sorted(cards, key=lambda card: order[card.pk])
