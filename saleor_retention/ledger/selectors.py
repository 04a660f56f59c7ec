"""Reads of the ledger for GraphQL and commands; each a fixed number of queries."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from .models import EntryType, LedgerEntry, LoyaltyAccount, PointLot

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ExpiringPoints:
    points: int
    expires_at: date


@dataclasses.dataclass(frozen=True)
class OrderPoints:
    earned: int
    pending: int
    reversed: int
    redeemed: int  # points spent on the order, net of any given back


def entry_for_key(key: str) -> LedgerEntry | None:
    """The entry posted under an idempotency key (a business event), if any."""
    return LedgerEntry.objects.filter(idempotency_key=key).first()


def account_for_customer(customer_id: str) -> LoyaltyAccount | None:
    return LoyaltyAccount.objects.filter(customer_id=customer_id).first()


def spendable_points(account: LoyaltyAccount | None, *, policy: str = "negative") -> int:
    if account is None:
        return 0
    points = account.available_points - account.held_points - account.debt_points
    # "future": a debt is paid from future earnings and not shown as a negative balance.
    return max(0, points) if policy != "negative" else points


EXPIRING_GROUPS = 12  # expiry dates shown, soonest first


def expiring_points(account: LoyaltyAccount | None) -> list[ExpiringPoints]:
    """Spendable points grouped by expiry date (in the current time zone), soonest first."""
    if account is None:
        return []
    grouped = getattr(account, "expiring_groups", None)  # read with the account, see below
    if grouped is None:
        grouped = _grouped_lots(account.pk, timezone.get_current_timezone_name())
    return [
        ExpiringPoints(points=row["points"], expires_at=date.fromisoformat(row["expiry_date"]))
        for row in grouped
    ]


def account_with_expiring_points(
    customer_id: str, *, writing: Callable[[], AbstractContextManager[Any]] = nullcontext
) -> LoyaltyAccount | None:
    """The account with its expiry groups (``expiring_groups``), for a read that shows both.

    The shopper's points are read on every storefront page and change a few times a month, so
    the groups are kept on the account row (``expiring_points_cache``, emptied by every write
    that moves points, ledger/services.py): a read is one row by its unique customer. Grouping
    the lots took a sort of every spendable lot and planning that subquery, about 0.5 ms of
    database time for an account with 400 lots (bench/run.py); the lookup takes 0.04 ms. When
    the cache is empty, or was made in another time zone, the lots are grouped again and the
    result kept, unless a write changed the row in between (``_keep_groups``), inside
    ``writing()`` (the GraphQL layer passes Saleor 3's ``allow_writer``: a read query's path
    that writes)."""
    columns = [field.column for field in LoyaltyAccount._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(_account_sql(tuple(columns)), [customer_id])
        row = cursor.fetchone()
    if row is None:
        return None
    version = row[-1]
    account = LoyaltyAccount.from_db(
        connection.alias,
        [field.attname for field in LoyaltyAccount._meta.concrete_fields],
        row[:-1],
    )
    cached = account.expiring_points_cache = _decoded(account.expiring_points_cache)
    zone = timezone.get_current_timezone_name()
    if isinstance(cached, dict) and cached.get("tz") == zone:
        account.expiring_groups = cached["groups"]
        return account
    groups = _grouped_lots(account.pk, zone)
    account.expiring_groups = groups
    with writing():
        _keep_groups(account.pk, version, {"tz": zone, "groups": groups})
    return account


def _decoded(value):
    # Django's PostgreSQL backend hands jsonb over as text on raw reads
    return json.loads(value) if isinstance(value, str) else value


def _grouped_lots(account_id: int, zone: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(_groups_sql(), [zone, str(PointLot.Status.AVAILABLE), account_id])
        return [{"expiry_date": day.isoformat(), "points": points} for day, points in cursor]


def _keep_groups(account_id: int, version: str, cache: dict) -> bool:
    """Store the groups unless the row changed since it was read: its ``xmin`` (the transaction
    that last wrote it) differs after a write committed in between, and a write still open holds
    the row's lock, which the read skips rather than waits for. Either way the groups may be
    stale and are not kept. A failure only means the next read groups again."""
    table = LoyaltyAccount._meta.db_table
    sql = (
        f'UPDATE "{table}" SET expiring_points_cache = %s::jsonb WHERE id = ('
        f'SELECT id FROM "{table}" WHERE id = %s AND xmin::text = %s FOR UPDATE SKIP LOCKED)'
    )
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [json.dumps(cache), account_id, version])
                return cursor.rowcount == 1
    except DatabaseError:
        logger.warning("Could not keep the expiry groups of account %s", account_id, exc_info=True)
        return False


@functools.lru_cache(maxsize=1)
def _account_sql(columns: tuple[str, ...]) -> str:
    selected = ", ".join(f'a."{column}"' for column in columns)
    return (
        f'SELECT {selected}, a.xmin::text FROM "{LoyaltyAccount._meta.db_table}" a '
        "WHERE a.customer_id = %s LIMIT 1"
    )


@functools.lru_cache(maxsize=1)
def _groups_sql() -> str:
    # written once: compiling the ORM's TruncDate / Sum annotation cost more than running it
    return f"""
        SELECT (l.expires_at AT TIME ZONE %s)::date AS expiry_date, SUM(l.remaining) AS points
        FROM "{PointLot._meta.db_table}" l
        WHERE l.status = %s AND l.account_id = %s AND l.remaining > 0
          AND l.expires_at IS NOT NULL
        GROUP BY 1 ORDER BY 1 LIMIT {EXPIRING_GROUPS}"""


def entries(account: LoyaltyAccount | None) -> QuerySet[LedgerEntry]:
    """An account's history, newest first (none without an account)."""
    if account is None:
        return LedgerEntry.objects.none().order_by("-pk")
    return LedgerEntry.objects.filter(account=account).order_by("-pk")


def order_points(order_id: str) -> OrderPoints:
    totals = LedgerEntry.objects.filter(order_id=order_id).aggregate(
        earned=Sum("points", filter=Q(type=EntryType.EARN)),
        reversed=Sum("points", filter=Q(type=EntryType.REVERSAL)),
        redeemed=Sum("points", filter=Q(type=EntryType.REDEEM)),
        returned=Sum("points", filter=Q(type=EntryType.REDEEM_RELEASE)),
    )
    pending = (
        PointLot.objects.filter(
            entry__order_id=order_id, entry__type=EntryType.EARN, status=PointLot.Status.PENDING
        ).aggregate(s=Sum("remaining"))["s"]
        or 0
    )
    return OrderPoints(
        earned=totals["earned"] or 0,
        pending=pending,
        reversed=-(totals["reversed"] or 0),
        redeemed=-(totals["redeemed"] or 0) - (totals["returned"] or 0),
    )
