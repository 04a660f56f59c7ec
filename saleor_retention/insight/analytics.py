"""The numbers a staff dashboard charts, each one SQL query (Saleor's paid orders come from the
adapter, as for the files). Definitions, written down so a test can compute them by hand:

- repeat purchase rate: customers with two or more paid orders / customers with at least one;
- cohort retention: customers by the month of their first paid order (store time zone); for
  each later month k, how many of them paid an order in month k (k = 0 is the cohort itself);
- time to second order: days from a customer's first to second paid order (median, average);
- churn rate of a month: customers who became lost in it / customers active or repeat when it
  began (from the stage history);
- top 20% revenue share: the spend of the first ceil(20% of spenders) customers, by spend in a
  currency over a period, / everyone's spend in it;
- points: liability = outstanding points (available + pending) x the value of a point, per
  currency; breakage = expired / issued; redemption rate = redeemed (net of points returned)
  / issued, issued being every credited lot;
- review rate: paid orders of a period with a review / paid orders of the period; rating trend:
  published reviews per month with their average rating.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Sum

from .. import saleor_adapter as saleor
from ..ledger.models import EntryType, LedgerEntry, LoyaltyAccount, PointLot
from .models import StageChange
from .selectors import read_alias


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _paid() -> str:
    return f"WITH paid AS ({saleor.insight_paid_orders_sql()})"


def _ratio(part: int | Decimal, whole: int | Decimal) -> float | None:
    return float(part) / float(whole) if whole else None


@dataclasses.dataclass(frozen=True)
class Rate:
    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        return _ratio(self.part, self.whole)


def repeat_purchase_rate() -> Rate:
    [(repeat, buyers)] = _rows(
        f"""{_paid()}, per AS (SELECT customer_id, COUNT(*) AS n FROM paid GROUP BY customer_id)
            SELECT COUNT(*) FILTER (WHERE n >= 2), COUNT(*) FROM per""",
        {},
    )
    return Rate(repeat, buyers)


@dataclasses.dataclass(frozen=True)
class Cohort:
    month: str  # "2026-01"
    customers: int
    retained: tuple[int, ...]  # customers with a paid order k months after (k = 0..)


def cohort_matrix(*, since: datetime, months: int, time_zone: str) -> list[Cohort]:
    rows = _rows(
        f"""{_paid()},
        local AS (SELECT customer_id, date_trunc('month', created AT TIME ZONE %(tz)s) AS month
                  FROM paid),
        firsts AS (SELECT customer_id, MIN(month) AS cohort FROM local GROUP BY customer_id),
        activity AS (
            SELECT DISTINCT f.cohort, l.customer_id,
                   (EXTRACT(YEAR FROM l.month) - EXTRACT(YEAR FROM f.cohort)) * 12
                   + EXTRACT(MONTH FROM l.month) - EXTRACT(MONTH FROM f.cohort) AS k
            FROM local l JOIN firsts f USING (customer_id)
            WHERE f.cohort >= date_trunc('month', %(since)s AT TIME ZONE %(tz)s))
        SELECT to_char(cohort, 'YYYY-MM'), k::int, COUNT(*) FROM activity
        WHERE k < %(months)s GROUP BY cohort, k ORDER BY cohort, k""",
        {"since": since, "months": months, "tz": time_zone},
    )
    table: dict[str, list[int]] = {}
    for month, k, count in rows:
        table.setdefault(month, [0] * months)[k] = count
    return [Cohort(month, counts[0], tuple(counts)) for month, counts in table.items()]


@dataclasses.dataclass(frozen=True)
class SecondOrder:
    customers: int
    median_days: float | None
    average_days: float | None


def time_to_second_order() -> SecondOrder:
    [(count, median, average)] = _rows(
        f"""{_paid()},
        ranked AS (SELECT customer_id, created,
                          row_number() OVER (PARTITION BY customer_id ORDER BY created) AS n
                   FROM paid),
        gaps AS (SELECT EXTRACT(EPOCH FROM s.created - f.created) / 86400 AS days
                 FROM ranked f JOIN ranked s ON s.customer_id = f.customer_id
                 WHERE f.n = 1 AND s.n = 2)
        SELECT COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY days), AVG(days)
        FROM gaps""",
        {},
    )
    rounded = lambda v: None if v is None else round(float(v), 2)  # noqa: E731
    return SecondOrder(count, rounded(median), rounded(average))


@dataclasses.dataclass(frozen=True)
class ChurnMonth:
    month: str
    at_start: int
    lost: int

    @property
    def rate(self) -> float | None:
        return _ratio(self.lost, self.at_start)


def churn_by_month(*, since: datetime, until: datetime, time_zone: str) -> list[ChurnMonth]:
    table = StageChange._meta.db_table
    rows = _rows(
        f"""WITH months AS (
                SELECT generate_series(date_trunc('month', %(since)s AT TIME ZONE %(tz)s),
                                       date_trunc('month', %(until)s AT TIME ZONE %(tz)s),
                                       interval '1 month') AS local_start),
            bounds AS (SELECT local_start, (local_start AT TIME ZONE %(tz)s) AS starts,
                              ((local_start + interval '1 month') AT TIME ZONE %(tz)s) AS ends
                       FROM months)
            SELECT to_char(b.local_start, 'YYYY-MM'),
                   (SELECT COUNT(*) FROM (
                        SELECT DISTINCT ON (customer_id) to_stage FROM {table}
                        WHERE changed_at < b.starts
                        ORDER BY customer_id, changed_at DESC, id DESC) last
                    WHERE last.to_stage IN ('active', 'repeat')),
                   (SELECT COUNT(DISTINCT customer_id) FROM {table}
                    WHERE to_stage = 'lost' AND changed_at >= b.starts AND changed_at < b.ends)
            FROM bounds b ORDER BY b.local_start""",
        {"since": since, "until": until, "tz": time_zone},
    )
    return [ChurnMonth(month, at_start, lost) for month, at_start, lost in rows]


@dataclasses.dataclass(frozen=True)
class TopShare:
    currency: str
    customers: int  # customers who spent in the period
    top_customers: int
    top_revenue: Decimal
    revenue: Decimal

    @property
    def share(self) -> float | None:
        return _ratio(self.top_revenue, self.revenue)


def top_customers_share(*, currency: str, since: datetime, until: datetime) -> TopShare:
    [(customers, top_revenue, revenue)] = _rows(
        f"""{_paid()},
        spend AS (SELECT customer_id, SUM(spent) AS spent FROM paid
                  WHERE currency = %(currency)s AND created >= %(since)s AND created < %(until)s
                  GROUP BY customer_id HAVING SUM(spent) > 0),
        ranked AS (SELECT spent, row_number() OVER (ORDER BY spent DESC, customer_id) AS place,
                          COUNT(*) OVER () AS n FROM spend)
        SELECT COUNT(*), COALESCE(SUM(spent) FILTER (WHERE place <= ceil(0.2 * n)), 0),
               COALESCE(SUM(spent), 0)
        FROM ranked""",
        {"currency": currency, "since": since, "until": until},
    )
    return TopShare(
        currency, customers, math.ceil(0.2 * customers), Decimal(top_revenue), Decimal(revenue)
    )


@dataclasses.dataclass(frozen=True)
class PointsFigures:
    outstanding: int
    issued: int
    expired: int
    redeemed: int
    liability: dict[str, Decimal]  # currency -> outstanding x value of a point

    @property
    def breakage(self) -> float | None:
        return _ratio(self.expired, self.issued)

    @property
    def redemption_rate(self) -> float | None:
        return _ratio(self.redeemed, self.issued)


def points_figures(value_per_point: dict[str, Decimal]) -> PointsFigures:
    balances = LoyaltyAccount.objects.using(read_alias()).aggregate(
        a=Sum("available_points"), p=Sum("pending_points")
    )
    outstanding = (balances["a"] or 0) + (balances["p"] or 0)
    issued = PointLot.objects.using(read_alias()).aggregate(total=Sum("amount"))["total"] or 0

    def signed(*types: Any) -> int:
        entries = LedgerEntry.objects.using(read_alias())
        return entries.filter(type__in=types).aggregate(s=Sum("points"))["s"] or 0

    return PointsFigures(
        outstanding=outstanding,
        issued=issued,
        expired=-signed(EntryType.EXPIRY),
        redeemed=-signed(EntryType.REDEEM, EntryType.REDEEM_RELEASE),
        liability={
            currency: (value * outstanding).quantize(Decimal("0.01"))
            for currency, value in value_per_point.items()
        },
    )


def review_rate(*, since: datetime, until: datetime) -> Rate:
    from ..reviews.models import Review

    [(reviewed, orders)] = _rows(
        f"""{_paid()}
        SELECT COUNT(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM {Review._meta.db_table} r WHERE r.order_id = paid.order_id::text)),
               COUNT(*)
        FROM paid WHERE created >= %(since)s AND created < %(until)s""",
        {"since": since, "until": until},
    )
    return Rate(reviewed, orders)


@dataclasses.dataclass(frozen=True)
class RatingMonth:
    month: str
    reviews: int
    average_rating: float


def rating_trend(*, since: datetime, until: datetime, time_zone: str) -> list[RatingMonth]:
    from ..reviews.models import Review

    rows = _rows(
        f"""SELECT to_char(date_trunc('month', created_at AT TIME ZONE %(tz)s), 'YYYY-MM') AS m,
                   COUNT(*), AVG(rating)
            FROM {Review._meta.db_table}
            WHERE status = 'published' AND created_at >= %(since)s AND created_at < %(until)s
            GROUP BY m ORDER BY m""",
        {"since": since, "until": until, "tz": time_zone},
    )
    return [RatingMonth(m, n, round(float(avg), 2)) for m, n, avg in rows]
