"""A customer's data across domains: erasure when Saleor deletes the customer, and export.

Saleor 2.10.1 has no customer-deleted hook, so ``apps.ready`` connects ``pre_delete`` on the user
model to ``erase_customer``: it runs inside the deleting transaction (Django sends ``pre_delete``
in the collector's transaction), before the database nulls or cascades the links, so a domain can
still find the customer's rows by id. Saleor 3.x's ``customer_deleted`` hook or webhook calls the
same function. Erasure does not depend on the plugin being active: privacy is not a feature flag.

If an eraser fails, the deletion fails with it and nothing is deleted: a customer who asked to be
forgotten must not be half-forgotten. Domains register with ``@eraser`` and ``@exporter(section)``
in their ``privacy`` module, which ``domains`` imports.

What the ledger keeps: ``LoyaltyAccount.customer`` is set null (amounts stay for the books).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Eraser = Callable[[str], dict[str, Any]]
Exporter = Callable[[str], Any]

_ERASERS: list[Eraser] = []
_EXPORTERS: dict[str, Exporter] = {}


def eraser(func: Eraser) -> Eraser:
    if func not in _ERASERS:
        _ERASERS.append(func)
    return func


def exporter(section: str) -> Callable[[Exporter], Exporter]:
    def register(func: Exporter) -> Exporter:
        _EXPORTERS[section] = func
        return func

    return register


def _load() -> None:
    from . import domains  # noqa: F401  (importing a domain's privacy module registers it)


def erase_customer(customer_id: str) -> dict[str, Any]:
    """Anonymise or delete what every domain holds about the customer; returns a summary."""
    _load()
    summary: dict[str, Any] = {}
    for func in _ERASERS:
        summary[func.__module__] = func(str(customer_id))
    logger.info("retention: erased customer %s: %s", customer_id, summary)
    return summary


def export_customer(customer_id: str) -> dict[str, Any]:
    """Everything the plugin holds about one customer, by section, JSON-safe."""
    _load()
    return {section: func(str(customer_id)) for section, func in sorted(_EXPORTERS.items())}


def on_user_pre_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is not None:
        erase_customer(str(instance.pk))
