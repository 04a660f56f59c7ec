"""``forumReport``: a shopper reports a post to the forum staff."""

import graphene

from ....forum import services
from ...core.mutations import RetentionMutation
from ..types import pk_from_global_id, readable_post_field, viewer_of


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
