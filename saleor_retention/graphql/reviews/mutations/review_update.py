"""``reviewUpdate``: the author edits her review while it waits for moderation."""

from __future__ import annotations

import graphene

from ....reviews import services
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ..types import ReviewType, viewer_id
from .ids import review_pk


class ReviewUpdateInput(graphene.InputObjectType):
    rating = graphene.Int()
    title = graphene.String()
    body = graphene.String()
    is_complaint = graphene.Boolean()


class ReviewUpdate(RetentionMutation):
    review = graphene.Field(ReviewType)

    class Arguments:
        id = graphene.ID(required=True)
        input = ReviewUpdateInput(required=True)

    class Meta:
        description = "Edit your own review while it waits for moderation."

    @classmethod
    def perform_mutation(cls, root, info, id, input):
        review = services.review_update(
            review_id=review_pk(id),
            customer_id=viewer_id(info),
            settings=retention_settings(info),
            rating=input.get("rating"),
            title=input.get("title"),
            body=input.get("body"),
            is_complaint=input.get("is_complaint"),
        )
        return cls(review=review, errors=[])
