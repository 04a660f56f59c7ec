"""``reviewReply``: the store's public reply under a review (MANAGE_PRODUCTS)."""

from __future__ import annotations

import graphene

from ....permissions import MANAGE_PRODUCTS
from ....reviews import services
from ...core.mutations import RetentionMutation
from ..types import ReviewType
from .ids import review_pk, staff_id


class ReviewReply(RetentionMutation):
    review = graphene.Field(ReviewType)
    permissions = (MANAGE_PRODUCTS,)

    class Arguments:
        id = graphene.ID(required=True)
        text = graphene.String(
            required=True, description="The public reply (plain text); empty deletes it."
        )

    class Meta:
        description = "Staff (MANAGE_PRODUCTS): the store's public reply under a review."

    @classmethod
    def perform_mutation(cls, root, info, id, text):
        review = services.review_reply(
            review_id=review_pk(id), staff_user_id=staff_id(info), text=text
        )
        return cls(review=review, errors=[])
