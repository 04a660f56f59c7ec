"""Sorting of the card lists: the ``sortBy`` inputs and the columns each field sorts by."""

from __future__ import annotations

import graphene

from ..core import pagination

# each field sorts by these columns, all in sortBy's direction (pk last)
LOYALTY_CARD_SORT_FIELDS = {
    "issued_at": ["issued_at", "pk"],
    "expires_at": ["expires_at", "pk"],
    "code": ["code", "pk"],
}

LoyaltyCardSortField = graphene.Enum(
    "LoyaltyCardSortField",
    [("ISSUED_AT", "issued_at"), ("EXPIRES_AT", "expires_at"), ("CODE", "code")],
    description="When the card was issued, when it expires, or its code.",
)

LoyaltyCardSortingInput = pagination.sorting_input(
    "LoyaltyCardSortingInput", LoyaltyCardSortField, "Sort cards by the selected field."
)

LOYALTY_CARD_PROGRAM_SORT_FIELDS = {
    "priority": ["priority", "pk"],
    "name": ["name", "pk"],
    "created_at": ["created_at", "pk"],
}

LoyaltyCardProgramSortField = graphene.Enum(
    "LoyaltyCardProgramSortField",
    [("PRIORITY", "priority"), ("NAME", "name"), ("CREATED_AT", "created_at")],
    description="The program's priority, its name, or when it was created.",
)

LoyaltyCardProgramSortingInput = pagination.sorting_input(
    "LoyaltyCardProgramSortingInput",
    LoyaltyCardProgramSortField,
    "Sort card programs by the selected field.",
)
