"""The card fields: the staff queries ``loyaltyCardPrograms``, ``loyaltyCards`` and
``loyaltyCardProgramReport``, and ``User.loyaltyCards`` / ``Fulfillment.loyaltyCards`` (as Saleor's
``graphql/<domain>/schema.py``); ``graphql/schema.py`` mounts them and the mutations."""

import graphene

from .. import saleor_types
from ..core import pagination
from .filters import (
    LoyaltyCardFilterInput,
    LoyaltyCardProgramFilterInput,
    LoyaltyUserCardFilterInput,
)
from .resolvers import (
    resolve_fulfillment_loyalty_cards,
    resolve_loyalty_card_programs,
    resolve_loyalty_cards,
    resolve_program_report,
    resolve_user_loyalty_cards,
)
from .sorters import LoyaltyCardProgramSortingInput, LoyaltyCardSortingInput
from .types import LoyaltyCardProgram, LoyaltyCardProgramReport, LoyaltyCardType


def loyalty_card_programs_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardProgram,
        filter=LoyaltyCardProgramFilterInput(),
        sort_by=LoyaltyCardProgramSortingInput(
            description="Default: highest priority first, then oldest."
        ),
        description="Card programs, highest priority first (staff; MANAGE_DISCOUNTS).",
        resolver=resolve_loyalty_card_programs,
    )


def loyalty_cards_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardType,
        filter=LoyaltyCardFilterInput(),
        sort_by=LoyaltyCardSortingInput(description="Default: newest first (ISSUED_AT, DESC)."),
        description="Issued cards, newest first (staff; MANAGE_DISCOUNTS).",
        resolver=resolve_loyalty_cards,
    )


def user_loyalty_cards_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardType,
        filter=LoyaltyUserCardFilterInput(),
        sort_by=LoyaltyCardSortingInput(description="Default: newest first (ISSUED_AT, DESC)."),
        description=(
            "Loyalty cards the customer received in parcels, newest first (the shopper's own, "
            "or for staff who manage discounts; else empty)."
        ),
        resolver=resolve_user_loyalty_cards,
    )


def fulfillment_loyalty_cards_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardType,
        description="Cards put into this parcel (staff who manage discounts; else empty).",
        resolver=resolve_fulfillment_loyalty_cards,
    )


def program_report_field() -> graphene.Field:
    return graphene.Field(
        LoyaltyCardProgramReport,
        program_id=graphene.ID(required=True),
        since=saleor_types.DateTime(required=True, description="Decisions from this time on."),
        until=saleor_types.DateTime(
            required=True, description="Decisions before this time; after since."
        ),
        reorder_days=graphene.Int(
            default_value=90,
            description="Days (1 to 730) after each decision in which a reorder counts.",
        ),
        description=(
            "A card program's results against its control group (staff; MANAGE_DISCOUNTS); "
            "null for an unknown program."
        ),
        resolver=resolve_program_report,
    )
