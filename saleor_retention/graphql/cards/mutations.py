"""Staff mutations for loyalty cards: ``loyaltyCardProgramCreate/Update/Deactivate`` and
``loyaltyCardVoid`` (MANAGE_DISCOUNTS)."""

import graphene
from django.urls import reverse
from django.utils.translation import gettext as _

from ...cards import printing, services
from ...errors import RetentionError, RetentionErrorCode
from ...permissions import MANAGE_DISCOUNTS
from .. import saleor_types
from ..core.access import pk_from_global_id
from ..core.mutations import RetentionMutation, input_values
from ..saleor_types import Decimal
from .types import (
    LoyaltyCardEligibility,
    LoyaltyCardKind,
    LoyaltyCardProgram,
    LoyaltyCardType,
)

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


def _program_pk(global_id: str) -> str:
    pk = pk_from_global_id(global_id, "LoyaltyCardProgram")
    if pk is None:
        raise RetentionError(
            _("%(id)s is not a card program id.") % {"id": global_id},
            code=RetentionErrorCode.INVALID,
            field="id",
        )
    return pk


class LoyaltyCardProgramCreate(RetentionMutation):
    program = graphene.Field(LoyaltyCardProgram, description="The program; null when refused.")
    permissions = (MANAGE_DISCOUNTS,)

    class Arguments:
        input = LoyaltyCardProgramInput(required=True)

    class Meta:
        description = "Create a loyalty card program (staff; needs MANAGE_DISCOUNTS)."

    @classmethod
    def perform_mutation(cls, root, info, input):
        return cls(
            program=services.program_create(values=input_values(input, INPUT_FIELDS)), errors=[]
        )


class LoyaltyCardProgramUpdate(RetentionMutation):
    program = graphene.Field(LoyaltyCardProgram, description="The program; null when refused.")
    permissions = (MANAGE_DISCOUNTS,)

    class Arguments:
        id = graphene.ID(required=True)
        input = LoyaltyCardProgramInput(required=True)

    class Meta:
        description = (
            "Change a loyalty card program; cards already issued keep their terms (staff; needs "
            "MANAGE_DISCOUNTS)."
        )

    @classmethod
    def perform_mutation(cls, root, info, id, input):
        program = services.program_update(
            program_id=_program_pk(id), values=input_values(input, INPUT_FIELDS)
        )
        return cls(program=program, errors=[])


class LoyaltyCardProgramDeactivate(RetentionMutation):
    program = graphene.Field(LoyaltyCardProgram, description="The program; null when refused.")
    permissions = (MANAGE_DISCOUNTS,)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = (
            "Stop a program deciding on new parcels; issued cards stay valid (staff; needs "
            "MANAGE_DISCOUNTS)."
        )

    @classmethod
    def perform_mutation(cls, root, info, id):
        return cls(program=services.program_deactivate(program_id=_program_pk(id)), errors=[])


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
        card = services.card_void(card_id=pk, staff_user_id=str(info.context.user.pk))
        return cls(card=card, errors=[])


class LoyaltyCardPrintQueue(RetentionMutation):
    """The warehouse's print run: every card issued since a time and not printed yet."""

    url = graphene.String(
        description="A staff download link to one PDF of those cards, valid for 15 minutes."
    )
    cards = graphene.Int(description="How many cards the PDF holds (now marked printed).")
    permissions = (MANAGE_DISCOUNTS,)

    class Arguments:
        since = saleor_types.DateTime(required=True, description="Cards issued from this time on.")

    class Meta:
        description = (
            "Mark the unprinted cards issued since a time as printed and return a link to their "
            "PDF (staff; needs MANAGE_DISCOUNTS)."
        )

    @classmethod
    def perform_mutation(cls, root, info, since):
        card_ids = printing.take_print_queue(since)
        return cls(url=card_download_url(info, card_ids), cards=len(card_ids), errors=[])


def card_download_url(info, card_ids: list[int]) -> str:
    token = printing.download_token(card_ids, str(info.context.user.pk))
    path = reverse("retention-card-download", kwargs={"token": token})
    return info.context.build_absolute_uri(path)
