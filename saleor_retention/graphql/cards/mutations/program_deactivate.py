"""``loyaltyCardProgramDeactivate`` (staff; MANAGE_DISCOUNTS)."""

import graphene

from ....cards import services
from ....permissions import MANAGE_DISCOUNTS
from ...core.mutations import RetentionMutation
from ..types import LoyaltyCardProgram
from .program_input import program_pk


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
        return cls(program=services.program_deactivate(program_id=program_pk(id)), errors=[])
