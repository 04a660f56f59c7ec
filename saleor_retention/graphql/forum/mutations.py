"""Forum mutations. Shoppers: ``forumTopicCreate``, ``forumPostCreate``, ``forumPostUpdate``,
``forumReport``, ``forumTopicSubscribe`` / ``forumTopicUnsubscribe``. Forum staff (Saleor's
MANAGE_PAGES): ``forumModerate``, ``forumBoardCreate``, ``forumBoardUpdate``. Every refusal is a
typed error and leaves the database as it was."""

import graphene
from django.utils.translation import gettext as _

from ...errors import RetentionError, RetentionErrorCode
from ...forum import services
from ...forum.selectors import visible_topics
from ...permissions import MANAGE_PAGES
from ..core.context import retention_settings
from ..core.mutations import RetentionMutation, input_values
from .types import (
    ForumBoard,
    ForumBoardAccess,
    pk_from_global_id,
    readable_post_field,
    readable_topic_field,
    viewer_of,
)

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


class ForumBoardCreate(RetentionMutation):
    board = graphene.Field(ForumBoard, description="The board; null when refused.")
    permissions = (MANAGE_PAGES,)

    class Arguments:
        input = ForumBoardInput(required=True)

    class Meta:
        description = "Create a forum board (forum staff; needs MANAGE_PAGES)."

    @classmethod
    def perform_mutation(cls, root, info, input):
        board = services.board_create(
            values=input_values(input, BOARD_INPUT_FIELDS), settings=retention_settings(info)
        )
        return cls(board=board, errors=[])


class ForumBoardUpdate(RetentionMutation):
    board = graphene.Field(ForumBoard, description="The board; null when refused.")
    permissions = (MANAGE_PAGES,)

    class Arguments:
        id = graphene.ID(required=True)
        input = ForumBoardInput(required=True)

    class Meta:
        description = "Change the given fields of a forum board (forum staff; needs MANAGE_PAGES)."

    @classmethod
    def perform_mutation(cls, root, info, id, input):
        board = services.board_update(
            board_id=pk_from_global_id(id, "ForumBoard", "id"),
            values=input_values(input, BOARD_INPUT_FIELDS),
            settings=retention_settings(info),
        )
        return cls(board=board, errors=[])


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


class ForumPostUpdate(RetentionMutation):
    post = readable_post_field(description="The edited post; null when refused.")

    class Arguments:
        id = graphene.ID(required=True)
        body = graphene.String(required=True)

    class Meta:
        description = (
            "Edit your own post within the edit window (EDIT_WINDOW_PASSED, NOT_EDITABLE when "
            "hidden, PERMISSION_DENIED for another's post)."
        )

    @classmethod
    def perform_mutation(cls, root, info, id, body):
        post = services.post_update(
            viewer=viewer_of(info),
            post_id=pk_from_global_id(id, "ForumPost", "id"),
            body=body,
            settings=retention_settings(info),
        )
        return cls(post=post, errors=[])


class ForumReport(RetentionMutation):
    post = readable_post_field(description="The reported post; null when refused.")

    class Arguments:
        post_id = graphene.ID(required=True)
        reason = graphene.String(description="Optional, up to 500 characters.")

    class Meta:
        description = "Report a post to the forum staff, once per post (ALREADY_DONE)."

    @classmethod
    def perform_mutation(cls, root, info, post_id, reason=None):
        post = services.post_report(
            viewer=viewer_of(info),
            post_id=pk_from_global_id(post_id, "ForumPost", "postId"),
            reason=reason,
        )
        return cls(post=post, errors=[])


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


ForumModerationAction = graphene.Enum(
    "ForumModerationAction",
    [(action.upper(), action) for action in services.TOPIC_ACTIONS],
    description="PIN, UNPIN, LOCK, UNLOCK: topics; HIDE, UNHIDE: topics and posts.",
)


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
