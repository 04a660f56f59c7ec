"""``loyaltyCampaignBonusCreate``: staff give points with a reason to an audience, once."""

import graphene
from django.utils.translation import gettext as _
from graphql_relay import to_global_id

from .... import saleor_adapter as saleor
from ....bonuses import services as bonuses
from ....errors import RetentionError, RetentionErrorCode
from ....permissions import MANAGE_USERS
from ...core.access import pk_from_global_id, staff_user_id
from ...core.mutations import RetentionMutation
from ..types import LoyaltyCampaign


class LoyaltyCampaignAudienceInput(graphene.InputObjectType):
    all = graphene.Boolean(description="Every active customer.")
    min_paid_orders = graphene.Int(
        description="Active customers with at least this many fully paid, not cancelled orders."
    )
    customer_ids = graphene.List(graphene.NonNull(graphene.ID), description="These customers.")

    class Meta:
        description = "Who receives the bonus: give exactly one of the three."


class LoyaltyCampaignBonusCreate(RetentionMutation):
    """Staff give a number of points with a reason to all customers, to customers with at least K
    paid orders, or to a list. The customers are credited by a background task; sending the same
    campaign key again changes nothing."""

    queued = graphene.Int(
        description="Customers queued for crediting by this call (0 when the campaign with this "
        "key was already done); null when refused."
    )
    campaign = graphene.Field(LoyaltyCampaign, description="The campaign; null when refused.")

    permissions = (MANAGE_USERS,)

    class Arguments:
        points = graphene.Int(required=True, description="Points per customer, 1 to 1,000,000.")
        reason = graphene.String(required=True, description="Shown to customers in history.")
        campaign_key = graphene.String(
            required=True,
            description="Names the campaign (1 to 100 letters, digits, '-', '_', '.'); a "
            "campaign is run once per key.",
        )
        audience = LoyaltyCampaignAudienceInput(required=True)

    class Meta:
        description = "Give a campaign or store-anniversary bonus (staff; needs MANAGE_USERS)."

    @classmethod
    def perform_mutation(cls, root, info, points, reason, campaign_key, audience):
        customer_ids = None
        if audience.get("customer_ids") is not None:
            customer_ids = [_customer_pk(global_id) for global_id in audience["customer_ids"]]
        choice = bonuses.Audience.choose(
            everyone=audience.get("all"),
            min_paid_orders=audience.get("min_paid_orders"),
            customer_ids=customer_ids,
        )
        if choice.customer_ids is not None:
            existing = saleor.existing_customer_ids(choice.customer_ids)
            missing = [pk for pk in choice.customer_ids if pk not in existing]
            if missing:
                raise RetentionError(
                    _("No customer with the id %(id)s.") % {"id": to_global_id("User", missing[0])},
                    code=RetentionErrorCode.NOT_FOUND,
                    field="customerIds",
                )
        started = bonuses.campaign_create(
            key=campaign_key,
            points=points,
            reason=reason,
            audience=choice,
            staff_user_id=staff_user_id(info),
        )
        started.campaign.refresh_from_db()  # without a broker the task already ran
        return cls(queued=started.queued, campaign=started.campaign, errors=[])


def _customer_pk(global_id: str) -> str:
    pk = pk_from_global_id(global_id, "User")
    if pk is None or not pk.isdigit():
        raise RetentionError(
            _("%(id)s is not a customer id.") % {"id": global_id},
            code=RetentionErrorCode.INVALID,
            field="customerIds",
        )
    return pk
