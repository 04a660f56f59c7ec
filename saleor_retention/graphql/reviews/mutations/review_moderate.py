"""``reviewModerate``: staff approve, reject or remove a review (MANAGE_PRODUCTS)."""

from __future__ import annotations

import graphene

from .... import conf
from ....permissions import MANAGE_PRODUCTS
from ....reviews import services
from ...core.mutations import RetentionMutation
from ..enums import ReviewModerationAction
from ..types import ReviewType
from .ids import review_pk, staff_id


class ReviewModerate(RetentionMutation):
    review = graphene.Field(ReviewType)
    permissions = (MANAGE_PRODUCTS,)

    class Arguments:
        id = graphene.ID(required=True)
        action = ReviewModerationAction()
        reason = graphene.String(description="Required to reject; shown to the author.")
        is_complaint = graphene.Boolean(description="Set or clear the complaint flag.")

    class Meta:
        description = "Staff (MANAGE_PRODUCTS): approve, reject or remove a review."

    @classmethod
    def perform_mutation(cls, root, info, id, action=None, reason=None, is_complaint=None):
        active, settings = conf.load_state()
        review = services.review_moderate(
            review_id=review_pk(id),
            staff_user_id=staff_id(info),
            settings=settings,
            plugin_active=active,
            action=getattr(action, "value", action),
            reason=reason,
            is_complaint=is_complaint,
        )
        return cls(review=review, errors=[])
