"""Settings for the demo store and the test suite: Saleor 2.10.1's own settings plus the plugin.

Saleor 2.10.1 cannot discover external plugins, so an existing store adds the same three lines
(INSTALLED_APPS, PLUGINS, ROOT_URLCONF) to its settings; README's "Install" section shows them.
"""

import os

# Before Saleor's settings read them: a local PostgreSQL with trust auth, as on the project's
# machines and CI. DATABASE_URL overrides.
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saleor_retention")
os.environ.setdefault("DEBUG", "False")
# Demo and tests: a registered account is active at once (no confirmation e-mail round trip).
os.environ.setdefault("ENABLE_ACCOUNT_CONFIRMATION_BY_EMAIL", "False")
os.environ.setdefault("ALLOWED_CLIENT_HOSTS", "localhost,127.0.0.1")
# No SECRET_KEY in the environment: the public demo key, which the plugin's system check
# (saleor_retention.E001) refuses unless the run says it is a demo or a test run with
# RETENTION_ALLOW_DEMO_SECRET=1. `make demo` passes a key of its own (var/secret_key).
# The test suite needs no flag: pytest runs no system checks.
from saleor_retention.checks import DEMO_SECRET_KEY  # noqa: E402

os.environ.setdefault("SECRET_KEY", DEMO_SECRET_KEY)
RETENTION_ALLOW_DEMO_SECRET = os.environ.get("RETENTION_ALLOW_DEMO_SECRET", "") in ("1", "true")

from saleor.settings import *  # noqa: E402,F401,F403
from saleor.settings import INSTALLED_APPS, MIDDLEWARE, PLUGINS, TEMPLATES  # noqa: E402

# --- the three lines an existing Saleor 2.10 store adds -------------------------------------
INSTALLED_APPS = [*INSTALLED_APPS, "saleor_retention"]
PLUGINS = [*PLUGINS, "saleor_retention.plugin.RetentionPlugin"]
ROOT_URLCONF = "saleor_retention.urls"
# ---------------------------------------------------------------------------------------------

# The request's language: Saleor 2.10 has no LocaleMiddleware (its storefront API takes a
# languageCode argument instead), so every request runs in LANGUAGE_CODE ("en") and the plugin's
# translated errors and labels would never show. Django's own middleware picks the language from
# Accept-Language (zh-Hans, zh-CN, ...) among Saleor's LANGUAGES; before CommonMiddleware, as
# Django requires. A store that wants the plugin in its shoppers' and staff's language adds it too.
_common = MIDDLEWARE.index("django.middleware.common.CommonMiddleware")
MIDDLEWARE = [
    *MIDDLEWARE[:_common],
    "django.middleware.locale.LocaleMiddleware",
    *MIDDLEWARE[_common:],
]

# Django 3.2 on Saleor's 3.0-era models: keep makemigrations quiet and unchanged for Saleor.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SILENCED_SYSTEM_CHECKS = ["fields.W904"]

# The store keeps UTC; the plugin evaluates local dates in the store's time zone setting.
TIME_ZONE = "UTC"

# Saleor's wheel ships no e-mail templates; a fallback loader serves a plain one so Saleor's own
# e-mail tasks (run eagerly here) work. Real stores have Saleor's templates.
TEMPLATES[0]["OPTIONS"]["loaders"] = [
    *TEMPLATES[0]["OPTIONS"]["loaders"],
    "saleor_retention_site.template_loader.FallbackEmailLoader",
]
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = ""

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# A task that fails while running eagerly (tests, demo without a broker) raises instead of
# being silently swallowed.
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis: a message delivered but never acknowledged (its worker died; the plugin's tasks
    # acknowledge late) is delivered again after this many seconds. Kombu's default is an hour;
    # a task running longer is delivered twice, which the plugin's tasks tolerate.
    "visibility_timeout": int(os.environ.get("CELERY_BROKER_VISIBILITY_TIMEOUT", "3600")),
    # kombu 4.6 retries a lost connection for ever when a task is published (unless bounded
    # here): with the broker down, Saleor's own after-commit e-mail tasks would hang the
    # checkout request. Bounded, they fail in seconds (the order is committed by then).
    "max_retries": 3,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# `celery beat` runs the retry sweep: events left pending by a lost message or a dead broker
# (older than 10 minutes) and failed ones are queued again, refunded orders rescanned.
CELERY_BEAT_SCHEDULE = {
    "retention-retry-events": {"task": "saleor_retention.retry_events", "schedule": 5 * 60.0},
}
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", os.path.join(os.getcwd(), "var", "media"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "saleor_retention": {"handlers": ["console"], "level": "INFO", "propagate": True},
    },
}
