"""Sorting of the forum lists: the ``sortBy`` inputs and the columns each field sorts by. A
``sortBy`` orders by that field alone (pinned topics first is the default order's rule)."""

from __future__ import annotations

import graphene

from ..core import pagination

# each field sorts by these columns, all in sortBy's direction (pk last)
FORUM_BOARD_SORT_FIELDS = {
    "position": ["position", "pk"],
    "name": ["name", "pk"],
    "created_at": ["created_at", "pk"],
}

ForumBoardSortField = graphene.Enum(
    "ForumBoardSortField",
    [("POSITION", "position"), ("NAME", "name"), ("CREATED_AT", "created_at")],
    description="The board's position, its name, or when it was created.",
)

ForumBoardSortingInput = pagination.sorting_input(
    "ForumBoardSortingInput", ForumBoardSortField, "Sort boards by the selected field."
)

FORUM_TOPIC_SORT_FIELDS = {
    "last_post_at": ["last_post_at", "pk"],
    "created_at": ["created_at", "pk"],
    "post_count": ["post_count", "last_post_at", "pk"],
    "title": ["title", "pk"],
}

ForumTopicSortField = graphene.Enum(
    "ForumTopicSortField",
    [
        ("LAST_POST_AT", "last_post_at"),
        ("CREATED_AT", "created_at"),
        ("POST_COUNT", "post_count"),
        ("TITLE", "title"),
    ],
    description=(
        "The latest activity, when the topic was started, its visible posts (ties: latest "
        "activity), or its title."
    ),
)

ForumTopicSortingInput = pagination.sorting_input(
    "ForumTopicSortingInput", ForumTopicSortField, "Sort topics by the selected field."
)

FORUM_POST_SORT_FIELDS = {"created_at": ["created_at", "pk"]}

ForumPostSortField = graphene.Enum(
    "ForumPostSortField",
    [("CREATED_AT", "created_at")],
    description="When the post was written.",
)

ForumPostSortingInput = pagination.sorting_input(
    "ForumPostSortingInput", ForumPostSortField, "Sort posts by the selected field."
)
