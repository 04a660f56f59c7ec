"""Reads of the customer files, and where heavy reads go.

Analytics, segment counts, pages and CSV exports read through ``read_alias()``: the database
alias Saleor uses for read replicas when the store has one (Saleor 3.x's
``DATABASE_CONNECTION_REPLICA_NAME``; the operator may also name one in
``RETENTION_INSIGHT_READ_DATABASE``), so a big store can move this load off its primary. Writes
(the rebuild, the update on an order event) always go to the primary.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from .models import CustomerFile


def read_alias() -> str:
    for name in ("RETENTION_INSIGHT_READ_DATABASE", "DATABASE_CONNECTION_REPLICA_NAME"):
        alias = getattr(settings, name, None)
        if alias and alias in settings.DATABASES:
            return str(alias)
    return "default"


def file_of(customer_id: str) -> CustomerFile | None:
    if not str(customer_id).isdigit():
        return None
    return CustomerFile.objects.filter(customer_id=int(customer_id)).first()


def files_for_reading(queryset: QuerySet[CustomerFile]) -> QuerySet[CustomerFile]:
    return queryset.using(read_alias())
