# Django discovers an app's models here; each domain keeps its own models module.
from .audit.models import AuditEvent  # noqa: F401
from .bonuses.models import CustomerBirthday, LoyaltyCampaign  # noqa: F401
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
from .ledger.models import (  # noqa: F401
    LedgerEntry,
    LotMovement,
    LoyaltyAccount,
    PointHold,
    PointLot,
)
from .referrals.models import Referral, ReferralCode  # noqa: F401
from .reviews.models import (  # noqa: F401
    ProductRating,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRequest,
    ReviewVote,
)
from .tiers.models import AccountTier, TierChange  # noqa: F401,E402
