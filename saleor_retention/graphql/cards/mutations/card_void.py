"""``loyaltyCardVoid`` (staff; MANAGE_DISCOUNTS)."""

import graphene
from django.utils.translation import gettext as _

from ....cards import services
from ....errors import RetentionError, RetentionErrorCode
from ....permissions import MANAGE_DISCOUNTS
from ...core.access import pk_from_global_id, staff_user_id
from ...core.mutations import RetentionMutation
from ..types import LoyaltyCardType


class LoyaltyCardVoid(RetentionMutation):
    card = graphene.Field(LoyaltyCardType, description="The card; null when refused.")
    permissions = (MANAGE_DISCOUNTS,)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = (
            "Void a card and end its Saleor voucher, so the code is refused from now on (staff; "
            "needs MANAGE_DISCOUNTS)."
        )

    @classmethod
    def perform_mutation(cls, root, info, id):
        pk = pk_from_global_id(id, "LoyaltyCard")
        if pk is None:
            raise RetentionError(
                _("%(id)s is not a loyalty card id.") % {"id": id},
                code=RetentionErrorCode.INVALID,
                field="id",
            )
        card = services.card_void(card_id=pk, staff_user_id=staff_user_id(info))
        return cls(card=card, errors=[])
