"""Rebuild and verify ``ProductRating`` from the published reviews themselves.

The rows are kept up to date with ``F()`` on every status change (``services._change_status``);
this is the audit: ``drift()`` lists every product whose stored numbers differ from a count of its
published reviews, ``rebuild()`` writes the counted numbers (``manage.py
retention_reviews_rebuild``; ``--check`` only reports, exiting non-zero on drift).
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.db.models import Count, Q, Sum

from .models import ProductRating, Review, ReviewStatus

FIELDS = ("count", "rating_sum", "stars_1", "stars_2", "stars_3", "stars_4", "stars_5")


@dataclasses.dataclass(frozen=True)
class Drift:
    product_id: str
    stored: dict[str, int]
    counted: dict[str, int]


def counted() -> dict[str, dict[str, int]]:
    """product id -> the aggregate counted from its published reviews."""
    rows = (
        Review.objects.filter(status=ReviewStatus.PUBLISHED)
        .values("product_id")
        .annotate(
            count=Count("pk"),
            rating_sum=Sum("rating"),
            **{f"stars_{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
        )
    )
    return {row["product_id"]: {f: int(row[f] or 0) for f in FIELDS} for row in rows}


def _stored() -> dict[str, dict[str, int]]:
    return {
        row["product_id"]: {f: row[f] for f in FIELDS}
        for row in ProductRating.objects.values("product_id", *FIELDS)
    }


EMPTY = dict.fromkeys(FIELDS, 0)


def drift() -> list[Drift]:
    actual, stored = counted(), _stored()
    found = []
    for product_id in sorted(set(actual) | set(stored)):
        want, have = actual.get(product_id, EMPTY), stored.get(product_id, EMPTY)
        if want != have:
            found.append(Drift(product_id=product_id, stored=have, counted=want))
    return found


@transaction.atomic
def rebuild() -> list[Drift]:
    """Write the counted numbers where they differ; returns what was wrong."""
    list(ProductRating.objects.select_for_update().values_list("pk", flat=True))
    wrong = drift()
    for item in wrong:
        ProductRating.objects.update_or_create(product_id=item.product_id, defaults=item.counted)
    return wrong
