# Celery's autodiscovery imports ``<app>.tasks``; each domain's tasks register from here.
from .bonuses.tasks import birthdays_task, campaign_bonus_task  # noqa: F401
from .cards.tasks import render_card_task  # noqa: F401,E402
from .inbox.tasks import dispatch_task, retry_events_task  # noqa: F401
from .insight.tasks import insight_rebuild_task  # noqa: F401,E402
from .ledger.tasks import ledger_daily_task  # noqa: F401
from .redemption.tasks import release_stale_holds_task  # noqa: F401
from .reviews.tasks import reviews_rebuild_task  # noqa: F401
from .tiers.tasks import tiers_daily_task  # noqa: F401
