"""The Saleor products a query has loaded so far, for the ratings of a page read in one query
without a Promise per product.

A category page asks each of its products for ``reviewSummary``. Saleor 2.10's DataLoader
batches those reads, but it answers every product with a Promise, and a Promise under a field
turns the whole page's completion into chained callbacks: on a 100-product page that costs more
than the ratings query itself. Instead, while a query that names a rating field runs (the view
opens ``products_seen``), every ``Product`` Django builds is noted in load order (a
``post_init`` receiver, which the view connects); the first product that asks for its rating
reads the ratings of every product noted and not read yet, in one query, and the others find
theirs already there. With no such scope (a resolver called outside the plugin's view), the
DataLoader answers as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

RATING_FIELDS = ("reviewSummary", "reviewJsonLd")


@dataclasses.dataclass
class SeenProducts:
    ids: dict[str, None] = dataclasses.field(default_factory=dict)  # an ordered set
    ratings: dict[str, Any] = dataclasses.field(default_factory=dict)


_seen: ContextVar[SeenProducts | None] = ContextVar("retention_products_seen", default=None)


def names_a_rating_field(query: Any) -> bool:
    # a field's name is in the text however it is aliased or spread through fragments
    return isinstance(query, str) and any(name in query for name in RATING_FIELDS)


@contextmanager
def products_seen(active: bool) -> Iterator[None]:
    token = _seen.set(SeenProducts() if active else None)
    try:
        yield
    finally:
        _seen.reset(token)


def current() -> SeenProducts | None:
    return _seen.get()


def remember_product(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``post_init`` of Saleor's Product: a dictionary write while a rated query runs, else
    one context variable read."""
    seen = _seen.get()
    if seen is not None and instance.pk is not None:
        seen.ids[str(instance.pk)] = None


def connect() -> None:
    """Note Saleor's products as Django builds them (idempotent: one receiver however often)."""
    from django.db.models.signals import post_init

    from ...saleor_adapter import tables

    post_init.connect(
        remember_product,
        sender=tables.model(tables.PRODUCT),
        dispatch_uid="retention_products_seen",
    )
