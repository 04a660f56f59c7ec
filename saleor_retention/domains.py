"""Imports every domain's inbox handlers and privacy parts so they register (see ``inbox.handlers``, ``privacy``)."""

from .audit import privacy as audit_privacy  # noqa: F401
from .cards import handlers as cards_handlers  # noqa: F401
from .cards import privacy as cards_privacy  # noqa: F401
from .forum import privacy as forum_privacy  # noqa: F401
from .inbox import privacy as inbox_privacy  # noqa: F401
from .insight import handlers as insight_handlers  # noqa: F401
from .insight import privacy as insight_privacy  # noqa: F401
from .ledger import handlers as ledger_handlers  # noqa: F401
from .ledger import privacy as ledger_privacy  # noqa: F401
from .ledger import referral_handlers  # noqa: F401
from .reviews import handlers as reviews_handlers  # noqa: F401
from .reviews import privacy as reviews_privacy  # noqa: F401
