"""``forumTopicCreate``: a topic with its opening post (signed-in shoppers)."""

import graphene

from ....forum import services
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ..types import pk_from_global_id, readable_topic_field, viewer_of


class ForumTopicCreate(RetentionMutation):
    topic = readable_topic_field(description="The new topic; null when refused.")

    class Arguments:
        board_id = graphene.ID(required=True)
        title = graphene.String(required=True, description="Plain text; markup is removed.")
        body = graphene.String(required=True, description="The opening post, plain text.")

    class Meta:
        description = (
            "Start a topic with its opening post on a board open to you; you follow it "
            "(signed in; BOARD_CLOSED, RATE_LIMITED, TOO_LONG, REQUIRED)."
        )

    @classmethod
    def perform_mutation(cls, root, info, board_id, title, body):
        topic = services.topic_create(
            viewer=viewer_of(info),
            board_id=pk_from_global_id(board_id, "ForumBoard", "boardId"),
            title=title,
            body=body,
            settings=retention_settings(info),
        )
        return cls(topic=topic, errors=[])
