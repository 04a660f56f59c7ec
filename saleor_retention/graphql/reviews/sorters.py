"""Sorting of review lists: the ``sortBy`` input and the columns each field sorts by."""

from __future__ import annotations

import graphene

from ..core import pagination

# Saleor's sorters: each field sorts by these columns, all in sortBy's direction (pk last)
REVIEW_SORT_FIELDS = {
    "created_at": ["created_at", "pk"],
    "rating": ["rating", "created_at", "pk"],
    "helpful_count": ["helpful_count", "created_at", "pk"],
}


ReviewSortField = graphene.Enum(
    "ReviewSortField",
    [("CREATED_AT", "created_at"), ("RATING", "rating"), ("HELPFUL_COUNT", "helpful_count")],
    description="When it was written, its rating, or its helpful votes (ties: newest first).",
)


ReviewSortingInput = pagination.sorting_input(
    "ReviewSortingInput", ReviewSortField, "Sort reviews by the selected field."
)


REVIEW_REQUEST_SORT_FIELDS = {
    "due_at": ["due_at", "pk"],
    "created_at": ["created_at", "pk"],
}

ReviewRequestSortField = graphene.Enum(
    "ReviewRequestSortField",
    [("DUE_AT", "due_at"), ("CREATED_AT", "created_at")],
    description="When the request falls due, or when it was scheduled.",
)

ReviewRequestSortingInput = pagination.sorting_input(
    "ReviewRequestSortingInput",
    ReviewRequestSortField,
    "Sort review requests by the selected field.",
)
