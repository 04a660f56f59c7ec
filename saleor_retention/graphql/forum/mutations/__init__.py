"""The forum's mutations, one module each or a small group (as Saleor's
``graphql/giftcard/mutations/``). Every refusal is a typed error and leaves the database as it
was."""

from .board_create import ForumBoardCreate
from .board_update import ForumBoardUpdate
from .moderate import ForumModerate
from .post_create import ForumPostCreate
from .post_update import ForumPostUpdate
from .report import ForumReport
from .subscriptions import ForumTopicSubscribe, ForumTopicUnsubscribe
from .topic_create import ForumTopicCreate

__all__ = [
    "ForumBoardCreate",
    "ForumBoardUpdate",
    "ForumModerate",
    "ForumPostCreate",
    "ForumPostUpdate",
    "ForumReport",
    "ForumTopicCreate",
    "ForumTopicSubscribe",
    "ForumTopicUnsubscribe",
]
