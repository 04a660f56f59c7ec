"""Imports every domain's inbox handlers so they register (see ``inbox.handlers``)."""

from .cards import handlers as cards_handlers  # noqa: F401
from .ledger import handlers as ledger_handlers  # noqa: F401
from .ledger import referral_handlers  # noqa: F401
