"""``forumTopicSubscribe`` / ``forumTopicUnsubscribe``: follow a topic, or stop."""

import graphene

from ....forum import services
from ...core.mutations import RetentionMutation
from ..types import pk_from_global_id, readable_topic_field, viewer_of


class ForumTopicSubscribe(RetentionMutation):
    topic = readable_topic_field(description="The topic; null when refused.")

    class Arguments:
        topic_id = graphene.ID(required=True)

    class Meta:
        description = "Follow a topic (be told of new posts); following twice changes nothing."

    @classmethod
    def perform_mutation(cls, root, info, topic_id):
        topic = services.topic_subscribe(
            viewer=viewer_of(info), topic_id=pk_from_global_id(topic_id, "ForumTopic", "topicId")
        )
        return cls(topic=topic, errors=[])


class ForumTopicUnsubscribe(RetentionMutation):
    topic = readable_topic_field(
        description="The topic, when you may still read it (null on a board closed to you)."
    )

    class Arguments:
        topic_id = graphene.ID(required=True)

    class Meta:
        description = "Stop following a topic; not following it already changes nothing."

    @classmethod
    def perform_mutation(cls, root, info, topic_id):
        topic = services.topic_unsubscribe(
            viewer=viewer_of(info), topic_id=pk_from_global_id(topic_id, "ForumTopic", "topicId")
        )
        return cls(topic=topic, errors=[])
