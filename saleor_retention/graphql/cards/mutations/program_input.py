"""What the program mutations take: ``LoyaltyCardProgramInput`` and a program's id."""

import graphene
from django.utils.translation import gettext as _

from ....errors import RetentionError, RetentionErrorCode
from ... import saleor_types
from ...core.access import pk_from_global_id
from ...saleor_types import Decimal
from ..enums import LoyaltyCardEligibility, LoyaltyCardKind

# GraphQL input name -> model field
INPUT_FIELDS = {
    "name": "name",
    "kind": "kind",
    "value": "value",
    "currency": "currency",
    "min_spend": "min_spend",
    "validity_days": "validity_days",
    "eligibility": "eligibility",
    "min_paid_orders": "min_paid_orders",
    "eligible_tiers": "eligible_tiers",
    "sample_rate": "sample_rate",
    "priority": "priority",
    "is_active": "is_active",
    "active_from": "active_from",
    "active_until": "active_until",
    "template_name": "template_name",
}


class LoyaltyCardProgramInput(graphene.InputObjectType):
    name = graphene.String(description="Staff-facing name, 1 to 100 characters.")
    kind = LoyaltyCardKind(description="The card's discount.")
    value = Decimal(
        description="PERCENTAGE: percent off (0 to 100]; FIXED: the amount off; BONUS_POINTS: "
        "whole points (1 to 1,000,000) the order that uses the code earns; ignored for "
        "FREE_SHIPPING."
    )
    currency = graphene.String(description="The orders' currency; default: the store's.")
    min_spend = Decimal(description="The least an order must cost; required for FIXED.")
    validity_days = graphene.Int(description="Days a card is valid after issue, 1 to 3650.")
    eligibility = LoyaltyCardEligibility(description="Which orders may get a card; default ANY.")
    min_paid_orders = graphene.Int(description="For REPEAT: earlier paid orders needed (>= 1).")
    eligible_tiers = graphene.List(
        graphene.NonNull(graphene.String),
        description="For TIER: 1 to 20 tier names (as in the tiers setting).",
    )
    sample_rate = Decimal(
        description="Percent (0 to 100) of eligible orders that get a card; the rest are the "
        "control group."
    )
    priority = graphene.Int(description="-1000 to 1000; higher programs are decided first.")
    is_active = graphene.Boolean(description="Default true.")
    active_from = saleor_types.DateTime(description="The program decides on parcels from then.")
    active_until = saleor_types.DateTime(description="... and until then.")
    template_name = graphene.String(description="The print template's file name.")


def program_pk(global_id: str) -> str:
    pk = pk_from_global_id(global_id, "LoyaltyCardProgram")
    if pk is None:
        raise RetentionError(
            _("%(id)s is not a card program id.") % {"id": global_id},
            code=RetentionErrorCode.INVALID,
            field="id",
        )
    return pk
