"""``loyaltyPointsAdjust``: staff add or deduct a customer's points with a reason."""

import graphene
from django.utils.translation import gettext as _

from .... import saleor_adapter as saleor
from ....adjustments import services as adjustments
from ....errors import RetentionError, RetentionErrorCode
from ....permissions import MANAGE_USERS
from ...core.access import pk_from_global_id, staff_user_id
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ..types import LoyaltyEntry


class LoyaltyPointsAdjust(RetentionMutation):
    """Staff add or deduct points with a reason (recorded with the staff user)."""

    entry = graphene.Field(LoyaltyEntry, description="The ledger entry; null when refused.")

    permissions = (MANAGE_USERS,)

    class Arguments:
        customer_id = graphene.ID(required=True, description="The Saleor User id.")
        points = graphene.Int(required=True, description="Positive to add, negative to deduct.")
        reason = graphene.String(
            required=True,
            description=(
                "Shown to the customer in history. Stored as plain text (markup, control and "
                "bidi-override characters removed); at most 500 characters after that, longer "
                "is refused with TOO_LONG, never cut."
            ),
        )
        idempotency_key = graphene.String(
            description=(
                "Optional, as Stripe's: any unique string from the client; sending the same key "
                "again returns the first adjustment and changes nothing. Without one, each call "
                "is its own adjustment."
            ),
        )

    class Meta:
        description = (
            "Adjust a customer's points (staff; needs MANAGE_USERS). Staff cannot adjust their "
            "own account (SELF_ADJUSTMENT)."
        )

    @classmethod
    def perform_mutation(cls, root, info, customer_id, points, reason, idempotency_key=None):
        pk = pk_from_global_id(customer_id, "User")
        if pk is None or saleor.get_customer(pk) is None:
            raise RetentionError(
                _("No customer with this id."),
                code=RetentionErrorCode.NOT_FOUND,
                field="customerId",
            )
        entry = adjustments.points_adjust(
            customer_id=pk,
            points=points,
            reason=reason,
            staff_user_id=staff_user_id(info),
            key=idempotency_key,
            settings=retention_settings(info),
        )
        return cls(entry=entry, errors=[])
