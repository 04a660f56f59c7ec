"""What the board mutations take: ``ForumBoardInput``."""

import graphene

from ..enums import ForumBoardAccess

BOARD_INPUT_FIELDS = {
    "name": "name",
    "slug": "slug",
    "description": "description",
    "position": "position",
    "access": "access",
    "min_paid_orders": "min_paid_orders",
    "tiers": "tiers",
}


class ForumBoardInput(graphene.InputObjectType):
    name = graphene.String(description="1 to 100 characters, plain text.")
    slug = graphene.String(description="Lower-case letters, digits, hyphens; default from name.")
    description = graphene.String(description="Up to 2000 characters, plain text.")
    position = graphene.Int(description="-1000 to 1000; boards are listed by position.")
    access = ForumBoardAccess(description="Who may read and post; default PUBLIC.")
    min_paid_orders = graphene.Int(description="For REPEAT_CUSTOMERS: paid orders needed (>= 1).")
    tiers = graphene.List(
        graphene.NonNull(graphene.String), description="For TIERS: the store's tier names."
    )
