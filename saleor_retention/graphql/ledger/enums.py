"""The ledger's GraphQL enums (the model's choices, stored values as values)."""

from ...bonuses.models import LoyaltyCampaign as CampaignModel
from ...ledger.models import EntryType
from ...referrals.models import Referral as ReferralModel
from ..core.types import choices_enum

LoyaltyEntryType = choices_enum(
    "LoyaltyEntryType",
    EntryType,
    description="Why points changed.",
)

LoyaltyCampaignStatus = choices_enum(
    "LoyaltyCampaignStatus",
    CampaignModel.Status,
    description="QUEUED: customers are being credited; DONE: every customer was credited.",
)

LoyaltyReferralStatus = choices_enum(
    "LoyaltyReferralStatus",
    ReferralModel.Status,
    description=(
        "PENDING: waiting for the new customer's first paid order; REWARDED: both were "
        "credited; REVERSED: that order was refunded in full or cancelled and the rewards taken "
        "back; REJECTED: that order went to an address of the referrer."
    ),
)
