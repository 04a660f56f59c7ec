"""The cards' part of erasing and exporting one customer.

Erasure (inside Saleor's deleting transaction):

- her cards that are still open (issued or printed) are **voided** and their Saleor vouchers
  ended, as when her order is cancelled: a card is a retention offer to a customer who has asked
  to leave, and a live code that belongs to nobody is a bearer discount a merchant would not
  expect to keep honouring. Redeemed and expired cards stay as they were (the books and the
  program report count them);
- every card and every draw (``CardDecision``) of hers loses the customer id, so the card
  selectors, the print run and the report no longer find her (the report's repeat-order
  comparison leaves her out: Saleor unlinks her orders too);
- the card PDFs on disk print her name, so each one is deleted once the deletion commits and
  ``pdf_path`` is cleared; a print run is rendered on demand from the rows, so a later download
  prints no name.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from ..privacy import eraser, exporter, not_personal
from . import services
from .models import CardDecision, LoyaltyCard

ERASED_REASON = "customer erased"

not_personal(
    {
        "CardProgram.name": "the program's title, set by staff",
        "CardProgram.template_name": "a template file name, set by staff",
        "CardProgram.eligible_tiers": "tier names, set by staff",
    }
)

CARD_FIELDS = ["LoyaltyCard.customer", "LoyaltyCard.pdf_path", "CardDecision.customer"]


@eraser(fields=CARD_FIELDS)
def erase_cards(customer_id: str) -> dict[str, Any]:
    if not customer_id:
        return {}
    voided = services.void_cards(customer_id=customer_id, reason=ERASED_REASON)
    cards = LoyaltyCard.objects.filter(customer_id=customer_id)
    paths = [path for path in cards.values_list("pdf_path", flat=True) if path]
    anonymised = cards.update(customer=None, pdf_path="")
    decisions = CardDecision.objects.filter(customer_id=customer_id).update(customer=None)

    def delete_files() -> None:
        for path in paths:
            default_storage.delete(path)

    transaction.on_commit(delete_files)  # the files go only if the deletion commits
    return {
        "cards_voided": voided,
        "cards_anonymised": anonymised,
        "decisions_anonymised": decisions,
        "pdfs_deleted": len(paths),
    }


@exporter("cards", fields=CARD_FIELDS)
def export_cards(customer_id: str) -> dict[str, Any]:
    if not customer_id:
        return {}
    cards = LoyaltyCard.objects.filter(customer_id=customer_id).select_related("program")
    decisions = CardDecision.objects.filter(customer_id=customer_id).select_related("program")
    return {
        "cards": [
            {
                "code": card.code,
                "program": card.program.name,
                "kind": card.kind,
                "value": str(card.value),
                "currency": card.currency,
                "min_spend": None if card.min_spend is None else str(card.min_spend),
                "status": card.status,
                "order_id": card.order_id,
                "issued_at": card.issued_at.isoformat(),
                "expires_at": card.expires_at.isoformat(),
                "redeemed_order_id": card.redeemed_order_id,
                "has_pdf": bool(card.pdf_path),
            }
            for card in cards.order_by("pk")
        ],
        # whether each of her orders was drawn for a card or into the comparison group
        "draws": [
            {
                "program": decision.program.name,
                "order_id": decision.order_id,
                "outcome": decision.outcome,
                "decided_at": decision.decided_at.isoformat(),
            }
            for decision in decisions.order_by("pk")
        ],
    }
