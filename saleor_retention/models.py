# Django discovers an app's models here; each domain keeps its own models module.
from .inbox.models import PluginEvent  # noqa: F401
from .ledger.models import LedgerEntry, LotMovement, LoyaltyAccount, PointLot  # noqa: F401
