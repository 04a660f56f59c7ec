"""The cards' GraphQL enums (the model's choices, stored values as values)."""

from ...cards.models import CardKind, Eligibility, LoyaltyCard
from ..core.types import choices_enum

LoyaltyCardKind = choices_enum(
    "LoyaltyCardKind",
    CardKind,
    description=(
        "PERCENTAGE: percentage off the order; FIXED: an amount off an order of at least the "
        "minimum spend; FREE_SHIPPING: the shipping is free; BONUS_POINTS: the order that uses "
        "the code earns value points."
    ),
)
LoyaltyCardEligibility = choices_enum(
    "LoyaltyCardEligibility",
    Eligibility,
    description=(
        "ANY: every order; FIRST_ORDER: the customer has no earlier paid order; REPEAT: the "
        "customer has at least minPaidOrders earlier paid orders; TIER: the customer's tier is "
        "one of eligibleTiers."
    ),
)
LoyaltyCardStatus = choices_enum(
    "LoyaltyCardStatus",
    LoyaltyCard.Status,
    description=(
        "ISSUED: in a parcel, usable; PRINTED: printed, usable; REDEEMED: used by an order; "
        "EXPIRED: past its end date; VOID: cancelled (its parcel or order was cancelled, or "
        "staff voided it)."
    ),
)
