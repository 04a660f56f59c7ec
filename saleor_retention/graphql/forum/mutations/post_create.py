"""``forumPostCreate``: a post in a topic (signed-in shoppers)."""

import graphene

from ....forum import services
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ..types import pk_from_global_id, readable_post_field, viewer_of


class ForumPostCreate(RetentionMutation):
    post = readable_post_field(description="The new post; null when refused.")

    class Arguments:
        topic_id = graphene.ID(required=True)
        body = graphene.String(required=True, description="Plain text; markup is removed.")
        reply_to_id = graphene.ID(description="A post of the same topic this one answers.")

    class Meta:
        description = (
            "Post in a topic (signed in; BOARD_CLOSED, TOPIC_LOCKED, RATE_LIMITED, TOO_LONG)."
        )

    @classmethod
    def perform_mutation(cls, root, info, topic_id, body, reply_to_id=None):
        post = services.post_create(
            viewer=viewer_of(info),
            topic_id=pk_from_global_id(topic_id, "ForumTopic", "topicId"),
            body=body,
            reply_to_id=(
                pk_from_global_id(reply_to_id, "ForumPost", "replyToId") if reply_to_id else None
            ),
            settings=retention_settings(info),
        )
        return cls(post=post, errors=[])
