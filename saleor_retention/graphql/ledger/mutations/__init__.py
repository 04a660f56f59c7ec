"""The ledger's mutations, one module each (as Saleor's ``graphql/giftcard/mutations/``)."""

from .birthday_set import LoyaltyBirthdaySet
from .campaign_bonus_create import LoyaltyCampaignBonusCreate
from .points_adjust import LoyaltyPointsAdjust
from .points_apply import LoyaltyPointsApply
from .points_remove import LoyaltyPointsRemove
from .referral_code_apply import LoyaltyReferralCodeApply

__all__ = [
    "LoyaltyBirthdaySet",
    "LoyaltyCampaignBonusCreate",
    "LoyaltyPointsAdjust",
    "LoyaltyPointsApply",
    "LoyaltyPointsRemove",
    "LoyaltyReferralCodeApply",
]
