"""Django system checks for the operator's settings (``manage.py check``; runserver, migrate and
the worker's start-up run them too).

saleor_retention.E001: SECRET_KEY is the key this repository ships for its demo and tests. It is
public: with it anyone can sign a card download link or a Saleor JWT (sign in as staff). Allowed
only where the run declares itself a demo or test run with ``RETENTION_ALLOW_DEMO_SECRET = True``.

saleor_retention.E002: SECRET_KEY is empty or too short to resist guessing (fewer than
``MIN_SECRET_KEY_LENGTH`` characters or ``MIN_SECRET_KEY_UNIQUE`` distinct ones, Django's own
thresholds). Never allowed.

saleor_retention.E201: a ``RETENTION_GRAPHQL_MAX_*`` query limit is not a whole number >= 0
(``query_limits.py``).

saleor_retention.E202 / E203 / E204: an operator setting of ``operator_settings.py`` is not a
whole number, is out of its range, or contradicts another (a thumbnail side above the largest
photo side). docs/settings.md lists every setting with its default and range.

saleor_retention.W301: a ``RETENTION_*`` Django setting that the plugin does not know (a typo
would otherwise leave the default in force without a word).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning
from django.core.exceptions import ImproperlyConfigured

from .operator_settings import SETTINGS as OPERATOR_SETTINGS
from .operator_settings import check_operator_settings
from .query_limits import DEFAULTS as QUERY_LIMIT_DEFAULTS
from .query_limits import check_limit_settings

# The only place the shipped key is written down: saleor_retention_site/settings.py falls back to
# it when the environment sets none.
DEMO_SECRET_KEY = "saleor-retention-demo-and-tests-only"
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE = 5

GENERATE_HINT = (
    "Set SECRET_KEY in the environment to a long random value, e.g. the output of "
    "`python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'`"
    "; `make demo` keeps one of its own in var/secret_key."
)


@register("security")
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        key = str(settings.SECRET_KEY or "")
    except ImproperlyConfigured:  # Django's own refusal of an empty key, reported as ours
        key = ""
    if key == DEMO_SECRET_KEY:
        if getattr(settings, "RETENTION_ALLOW_DEMO_SECRET", False) is True:
            return []
        return [
            Error(
                "SECRET_KEY is the public demo and test key shipped with saleor-retention.",
                hint=GENERATE_HINT
                + " Only a demo or test run may use it, by setting RETENTION_ALLOW_DEMO_SECRET.",
                id="saleor_retention.E001",
            )
        ]
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_UNIQUE:
        return [
            Error(
                f"SECRET_KEY is empty or too short (at least {MIN_SECRET_KEY_LENGTH} characters, "
                f"{MIN_SECRET_KEY_UNIQUE} different ones).",
                hint=GENERATE_HINT,
                id="saleor_retention.E002",
            )
        ]
    return []


KNOWN_SETTINGS = frozenset(
    {setting.name for setting in OPERATOR_SETTINGS}
    | set(QUERY_LIMIT_DEFAULTS)
    | {"RETENTION_ALLOW_DEMO_SECRET"}
)


def check_unknown_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    return [
        CheckWarning(
            f"{name} is not a setting of saleor-retention; it has no effect.",
            hint="docs/settings.md lists the RETENTION_* settings.",
            id="saleor_retention.W301",
        )
        for name in sorted(dir(settings))
        if name.startswith("RETENTION_") and name not in KNOWN_SETTINGS
    ]


register(check_limit_settings)
register(check_operator_settings)
register(check_unknown_settings)
