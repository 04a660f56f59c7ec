"""``loyaltyCardProgramUpdate`` (staff; MANAGE_DISCOUNTS)."""

import graphene

from ....cards import services
from ....permissions import MANAGE_DISCOUNTS
from ...core.mutations import RetentionMutation, input_values
from ..types import LoyaltyCardProgram
from .program_input import INPUT_FIELDS, LoyaltyCardProgramInput, program_pk


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
            program_id=program_pk(id), values=input_values(input, INPUT_FIELDS)
        )
        return cls(program=program, errors=[])
