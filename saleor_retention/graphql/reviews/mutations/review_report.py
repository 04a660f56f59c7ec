"""``reviewReport``: a shopper reports a review to the moderators."""

from __future__ import annotations

import graphene

from ....reviews import services
from ...core.mutations import RetentionMutation
from ..types import ReviewType, viewer_id
from .ids import review_pk


class ReviewReport(RetentionMutation):
    review = graphene.Field(ReviewType)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(description="Why (plain text, at most 1000 characters).")

    class Meta:
        description = "Report a published review to the store's moderators (once)."

    @classmethod
    def perform_mutation(cls, root, info, id, reason=None):
        review = services.review_report(
            review_id=review_pk(id), customer_id=viewer_id(info), reason=reason
        )
        return cls(review=review, errors=[])
