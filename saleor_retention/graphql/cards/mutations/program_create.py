"""``loyaltyCardProgramCreate`` (staff; MANAGE_DISCOUNTS)."""

import graphene

from ....cards import services
from ....permissions import MANAGE_DISCOUNTS
from ...core.mutations import RetentionMutation, input_values
from ..types import LoyaltyCardProgram
from .program_input import INPUT_FIELDS, LoyaltyCardProgramInput


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
