"""The operator's settings: ``RETENTION_*`` Django settings, each with its default and range here
and nowhere else (docs/settings.md lists them). The merchant's settings are a different thing:
they live in the plugin configuration (``conf.py``) and are changed in Saleor's dashboard.

``value(name)`` reads the Django setting at call time (so ``override_settings`` works), else the
default. ``check_operator_settings`` is the system check that refuses a wrong type
(``saleor_retention.E202``), a value out of range (``E203``) or two settings that contradict each
other (``E204``) before the site starts. ``RETENTION_DISPATCH_MAX_RETRIES`` is read once, when the
task module is imported (Celery fixes a task's retries then); the others on every use.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings


@dataclasses.dataclass(frozen=True)
class OperatorSetting:
    name: str
    default: int
    minimum: int
    maximum: int
    meaning: str  # one line for the check's message; docs/settings.md says more


SETTINGS: tuple[OperatorSetting, ...] = (
    # review photos (reviews/photos.py): checked before anything is decoded
    OperatorSetting(
        "RETENTION_REVIEW_PHOTO_MAX_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024, "bytes"
    ),
    OperatorSetting("RETENTION_REVIEW_PHOTO_MAX_PIXELS", 24_000_000, 1, 200_000_000, "pixels"),
    OperatorSetting("RETENTION_REVIEW_PHOTO_MAX_SIDE", 8000, 16, 50_000, "pixels"),
    OperatorSetting("RETENTION_REVIEW_PHOTO_THUMBNAIL_SIDE", 400, 16, 4000, "pixels"),
    OperatorSetting("RETENTION_REVIEW_PHOTO_JPEG_QUALITY", 85, 1, 95, "JPEG quality"),
    OperatorSetting("RETENTION_REVIEW_PHOTO_WEBP_QUALITY", 85, 1, 100, "WebP quality"),
    # texts staff write (stored in text columns, so the operator may allow more)
    OperatorSetting(
        "RETENTION_REVIEW_MODERATION_REASON_MAX_LENGTH", 1000, 10, 20_000, "characters"
    ),
    OperatorSetting("RETENTION_REVIEW_REPLY_MAX_LENGTH", 5000, 10, 20_000, "characters"),
    OperatorSetting("RETENTION_FORUM_BOARD_DESCRIPTION_MAX_LENGTH", 2000, 10, 20_000, "characters"),
    # signed links
    OperatorSetting("RETENTION_REVIEW_LINK_MAX_AGE_DAYS", 365, 1, 3650, "days"),
    OperatorSetting("RETENTION_CARD_DOWNLOAD_MAX_AGE_SECONDS", 15 * 60, 10, 24 * 3600, "seconds"),
    # card codes drawn again when Saleor already has the code (31^12 codes: a clash is rare)
    OperatorSetting("RETENTION_CARD_CODE_ATTEMPTS", 8, 1, 100, "attempts"),
    # the inbox: retries and the sweep
    OperatorSetting("RETENTION_EVENT_STALE_MINUTES", 10, 1, 7 * 24 * 60, "minutes"),
    OperatorSetting("RETENTION_EVENT_RESCAN_HOURS", 48, 1, 24 * 90, "hours"),
    OperatorSetting("RETENTION_DISPATCH_MAX_RETRIES", 5, 0, 100, "retries"),
    OperatorSetting("RETENTION_BROKER_CONNECT_RETRIES", 2, 0, 20, "retries"),
    # bonuses: how a birthday or campaign run is cut into transactions, and a list audience
    OperatorSetting("RETENTION_BONUS_BATCH_SIZE", 500, 1, 100_000, "customers per transaction"),
    OperatorSetting("RETENTION_CAMPAIGN_MAX_CUSTOMER_IDS", 10_000, 1, 1_000_000, "customers"),
    # insight: what staff write about a customer (text columns)
    OperatorSetting("RETENTION_INSIGHT_NOTE_MAX_LENGTH", 5000, 10, 100_000, "characters"),
    OperatorSetting("RETENTION_INSIGHT_CONTACT_MAX_LENGTH", 5000, 10, 100_000, "characters"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}

# Pairs that must hold together: (smaller, larger) - a thumbnail larger than any photo accepted.
ORDERED = (("RETENTION_REVIEW_PHOTO_THUMBNAIL_SIDE", "RETENTION_REVIEW_PHOTO_MAX_SIDE"),)


def value(name: str) -> int:
    """The setting's value: the Django setting if given (the system check vouches for it), else
    the default."""
    return int(getattr(settings, name, BY_NAME[name].default))


def check_operator_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Django system check: each setting a whole number within its range, the pairs in order."""
    from django.core.checks import Error

    errors = []
    good: dict[str, int] = {}
    for setting in SETTINGS:
        given = getattr(settings, setting.name, setting.default)
        if isinstance(given, bool) or not isinstance(given, int):
            errors.append(
                Error(
                    f"{setting.name} must be a whole number ({setting.meaning}); "
                    f"got {given!r} ({type(given).__name__}).",
                    hint=f"The default is {setting.default}.",
                    id="saleor_retention.E202",
                )
            )
        elif not setting.minimum <= given <= setting.maximum:
            errors.append(
                Error(
                    f"{setting.name} must be from {setting.minimum} to {setting.maximum} "
                    f"({setting.meaning}); got {given}.",
                    hint=f"The default is {setting.default}.",
                    id="saleor_retention.E203",
                )
            )
        else:
            good[setting.name] = given
    for smaller, larger in ORDERED:
        if smaller in good and larger in good and good[smaller] > good[larger]:
            errors.append(
                Error(
                    f"{smaller} ({good[smaller]}) must not be above {larger} ({good[larger]}).",
                    id="saleor_retention.E204",
                )
            )
    return errors
