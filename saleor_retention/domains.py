"""Imports every domain's inbox handlers and privacy parts so they register (see ``inbox.handlers``,
``privacy``; erasers run in ``privacy.ERASURE_ORDER``, not in this import order).

Handlers of one event kind run in this import order: ``earning`` before ``tiers``, so a tier
review counts the points the same event just earned or reversed.
"""

from .audit import privacy as audit_privacy  # noqa: F401
from .bonuses import handlers as bonuses_handlers  # noqa: F401
from .bonuses import privacy as bonuses_privacy  # noqa: F401
from .cards import handlers as cards_handlers  # noqa: F401
from .cards import privacy as cards_privacy  # noqa: F401
from .earning import handlers as earning_handlers  # noqa: F401
from .forum import privacy as forum_privacy  # noqa: F401
from .inbox import privacy as inbox_privacy  # noqa: F401
from .insight import handlers as insight_handlers  # noqa: F401
from .insight import privacy as insight_privacy  # noqa: F401
from .ledger import privacy as ledger_privacy  # noqa: F401
from .redemption import handlers as redemption_handlers  # noqa: F401
from .referrals import handlers as referrals_handlers  # noqa: F401
from .referrals import privacy as referrals_privacy  # noqa: F401
from .reviews import handlers as reviews_handlers  # noqa: F401
from .reviews import privacy as reviews_privacy  # noqa: F401
from .tiers import handlers as tiers_handlers  # noqa: F401
from .tiers import privacy as tiers_privacy  # noqa: F401
