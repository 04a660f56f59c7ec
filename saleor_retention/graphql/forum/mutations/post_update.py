"""``forumPostUpdate``: the author edits her post within the edit window."""

import graphene

from ....forum import services
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ..types import pk_from_global_id, readable_post_field, viewer_of


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
