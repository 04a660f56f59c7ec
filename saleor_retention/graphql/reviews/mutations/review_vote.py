"""``reviewVote``: a shopper marks someone else's review helpful."""

from __future__ import annotations

import graphene

from ....reviews import services
from ...core.mutations import RetentionMutation
from ..types import ReviewType, viewer_id
from .ids import review_pk


class ReviewVote(RetentionMutation):
    review = graphene.Field(ReviewType)

    class Arguments:
        id = graphene.ID(required=True)
        helpful = graphene.Boolean(
            default_value=True, description="false takes your helpful vote back."
        )

    class Meta:
        description = "Mark someone else's published review helpful (once)."

    @classmethod
    def perform_mutation(cls, root, info, id, helpful=True):
        review = services.review_vote(
            review_id=review_pk(id), customer_id=viewer_id(info), helpful=helpful
        )
        return cls(review=review, errors=[])
