"""``loyaltyCardPrintQueue``: the warehouse's print run (staff; MANAGE_DISCOUNTS)."""

import graphene

from ....cards import printing
from ....permissions import MANAGE_DISCOUNTS
from ... import saleor_types
from ...core.mutations import RetentionMutation
from ..downloads import card_download_url


class LoyaltyCardPrintQueue(RetentionMutation):
    """The warehouse's print run: every card issued since a time and not printed yet."""

    url = graphene.String(
        description=(
            "A staff download link to one PDF of those cards, valid for 15 minutes; null when "
            "there is nothing to print."
        )
    )
    cards = graphene.Int(description="How many cards the PDF holds (now marked printed).")
    permissions = (MANAGE_DISCOUNTS,)

    class Arguments:
        since = saleor_types.DateTime(required=True, description="Cards issued from this time on.")

    class Meta:
        description = (
            "Mark the unprinted cards issued since a time as printed and return a link to their "
            "PDF (staff; needs MANAGE_DISCOUNTS)."
        )

    @classmethod
    def perform_mutation(cls, root, info, since):
        card_ids = printing.take_print_queue(since)
        # nothing to print: no link to an empty PDF
        url = card_download_url(info, card_ids) if card_ids else None
        return cls(url=url, cards=len(card_ids), errors=[])
