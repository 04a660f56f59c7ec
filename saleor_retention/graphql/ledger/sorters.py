"""Sorting of the points history: the ``sortBy`` input and the columns each field sorts by."""

from __future__ import annotations

import graphene

from ..core import pagination

# each field sorts by these columns, all in sortBy's direction (pk last)
LOYALTY_ENTRY_SORT_FIELDS = {
    "created_at": ["created_at", "pk"],
    "points": ["points", "created_at", "pk"],
}

LoyaltyEntrySortField = graphene.Enum(
    "LoyaltyEntrySortField",
    [("CREATED_AT", "created_at"), ("POINTS", "points")],
    description="When the entry was written, or its signed change of points.",
)

LoyaltyEntrySortingInput = pagination.sorting_input(
    "LoyaltyEntrySortingInput", LoyaltyEntrySortField, "Sort history entries by the selected field."
)
