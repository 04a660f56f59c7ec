# Django discovers an app's models here; each domain keeps its own models module.
from .audit.models import AuditEvent  # noqa: F401
from .cards.models import CardDecision, CardProgram, LoyaltyCard  # noqa: F401
from .forum.models import (  # noqa: F401
    ForumBoard,
    ForumMember,
    ForumPost,
    ForumReport,
    ForumSubscription,
    ForumTopic,
)
from .inbox.models import PluginEvent  # noqa: F401
from .insight.models import (  # noqa: F401
    ContactLogEntry,
    CustomerFile,
    CustomerNote,
    CustomerSpend,
    CustomerTag,
    InsightEvent,
    InsightRebuild,
    Segment,
    StageChange,
)
from .ledger.campaign_models import LoyaltyCampaign  # noqa: F401
from .ledger.models import (  # noqa: F401
    LedgerEntry,
    LotMovement,
    LoyaltyAccount,
    PointHold,
    PointLot,
)
from .ledger.profile_models import CustomerBirthday  # noqa: F401
from .ledger.referral_models import Referral, ReferralCode  # noqa: F401
from .ledger.tier_models import AccountTier, TierChange  # noqa: F401,E402
from .reviews.models import (  # noqa: F401
    ProductRating,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRequest,
    ReviewVote,
)
