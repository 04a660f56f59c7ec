"""The forum's GraphQL enums."""

import graphene

from ...forum import services
from ...forum.models import BoardAccess
from ..core.types import choices_enum

ForumBoardAccess = choices_enum(
    "ForumBoardAccess",
    BoardAccess,
    description=(
        "PUBLIC: everyone reads, signed-in shoppers write; REPEAT_CUSTOMERS: customers with at "
        "least minPaidOrders paid orders; TIERS: customers in one of the board's tiers."
    ),
)


ForumModerationAction = graphene.Enum(
    "ForumModerationAction",
    [(action.upper(), action) for action in services.TOPIC_ACTIONS],
    description="PIN, UNPIN, LOCK, UNLOCK: topics; HIDE, UNHIDE: topics and posts.",
)
