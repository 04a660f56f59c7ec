"""``forumModerate``: pin, lock or hide a topic, hide a post, and undo it (forum staff;
MANAGE_PAGES)."""

import graphene
from django.utils.translation import gettext as _

from ....errors import RetentionError, RetentionErrorCode
from ....forum import services
from ....forum.selectors import visible_topics
from ....permissions import MANAGE_PAGES
from ...core.mutations import RetentionMutation
from ..enums import ForumModerationAction
from ..types import pk_from_global_id, readable_post_field, readable_topic_field, viewer_of


class ForumModerate(RetentionMutation):
    topic = readable_topic_field(description="The moderated topic (or the post's topic).")
    post = readable_post_field(description="The moderated post, when a post was given.")
    permissions = (MANAGE_PAGES,)

    class Arguments:
        action = ForumModerationAction(required=True)
        topic_id = graphene.ID(description="A topic to moderate (or give postId).")
        post_id = graphene.ID(description="A post to hide or show again.")

    class Meta:
        description = (
            "Pin, lock or hide a topic, or hide a post, and undo it (forum staff; needs "
            "MANAGE_PAGES)."
        )

    @classmethod
    def perform_mutation(cls, root, info, action, topic_id=None, post_id=None):
        viewer = viewer_of(info)
        action = getattr(action, "value", action)
        if (topic_id is None) == (post_id is None):
            raise RetentionError(
                _("Give either a topic or a post."),
                code=RetentionErrorCode.INVALID,
                field="topicId",
            )
        if topic_id is not None:
            topic = services.topic_moderate(
                viewer=viewer,
                topic_id=pk_from_global_id(topic_id, "ForumTopic", "topicId"),
                action=action,
            )
            return cls(topic=topic, post=None, errors=[])
        post = services.post_moderate(
            viewer=viewer, post_id=pk_from_global_id(post_id, "ForumPost", "postId"), action=action
        )
        topic = visible_topics(viewer).select_related("board").get(pk=post.topic_id)
        return cls(topic=topic, post=post, errors=[])
