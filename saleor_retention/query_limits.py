"""Operator settings for the GraphQL query limits (``graphql/limits.py`` applies them), with
their defaults and a system check: ``RETENTION_GRAPHQL_MAX_DEPTH``, ``RETENTION_GRAPHQL_MAX_COST``,
``RETENTION_GRAPHQL_MAX_ALIASES`` and ``RETENTION_GRAPHQL_MAX_BATCH`` (operations in one request);
0 switches a limit off. Read on every request, so ``override_settings`` works."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings

# Measured against the 275 operations of Saleor 2.10.1's dashboard and storefront with every Int
# variable at 100 (tests/test_graphql_limits.py): the deepest is 12 levels (the introspection query
# 13), the costliest 20,401 (the dashboard's warehouse list, 100 warehouses x 100 shipping zones),
# and no field is asked for more than 3 times in one place. The defaults leave room above each.
DEFAULTS = {
    "RETENTION_GRAPHQL_MAX_DEPTH": 16,
    "RETENTION_GRAPHQL_MAX_COST": 50000,
    "RETENTION_GRAPHQL_MAX_ALIASES": 10,
    # both clients batch with apollo-link-batch-http, at most 10 operations per request
    "RETENTION_GRAPHQL_MAX_BATCH": 20,
}


@dataclasses.dataclass(frozen=True)
class Limits:
    max_depth: int
    max_cost: int
    max_aliases: int
    max_batch: int

    @classmethod
    def from_settings(cls) -> Limits:
        def setting(name: str) -> int:
            return int(getattr(settings, name, DEFAULTS[name]))

        return cls(
            max_depth=setting("RETENTION_GRAPHQL_MAX_DEPTH"),
            max_cost=setting("RETENTION_GRAPHQL_MAX_COST"),
            max_aliases=setting("RETENTION_GRAPHQL_MAX_ALIASES"),
            max_batch=setting("RETENTION_GRAPHQL_MAX_BATCH"),
        )


def check_limit_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Django system check: each limit setting is a whole number, 0 (off) or more."""
    from django.core.checks import Error

    errors = []
    for name in DEFAULTS:
        value = getattr(settings, name, DEFAULTS[name])
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.append(
                Error(
                    f"{name} must be a whole number, 0 (no limit) or more; got {value!r}.",
                    id="saleor_retention.E201",
                )
            )
    return errors
