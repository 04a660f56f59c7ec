"""The numbers a staff dashboard charts, each one SQL query. They read insight's own tables,
which the order events and the nightly run keep current: the customer files (first, second and
count of paid orders), insight's copy of the paid orders (``PaidOrder``: Saleor's paid orders by
the adapter's rule, with their spend and cost, indexed by time) and the stage history; never
Saleor's order, payment and refund tables, whose scan took 9-30 s at a million customers. The
customers counted are those with a file (registered, active accounts; see
``saleor_adapter.insight_customers_sql``). Definitions, written down so a test can compute them
by hand:

- repeat purchase rate: customers with two or more paid orders / customers with at least one;
- cohort retention: customers by the month of their first paid order (store time zone); for
  each later month k, how many of them paid an order in month k (k = 0 is the cohort itself);
- time to second order: days from a customer's first to second paid order (median, average);
- churn rate of a month: customers who became lost in it / customers active or repeat when it
  began (from the stage history);
- top 20% revenue share: the spend of the first ceil(20% of spenders) customers in a currency
  over a period, / everyone's spend in it; customers are ranked by margin (spend minus what the
  goods cost the store) when any order of the period has a cost price behind it, else by spend;
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

from django.db import connections, transaction
from django.db.models import Sum

from ..ledger.models import EntryType, LedgerEntry, LoyaltyAccount, PointLot
from .models import CustomerFile, PaidOrder, StageChange
from .selectors import read_alias


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _heavy_rows(
    sql: str, params: dict[str, Any], *, hash_aggregate: bool = True
) -> list[tuple[Any, ...]]:
    """A figure that sorts or groups up to millions of rows: in memory (the server's default
    of 4 MB sends them to disk) and without JIT compilation (half a second of a query that
    runs in one or two). ``hash_aggregate=False``: group sorted rows (an index in group order)
    even where the planner's costs prefer a hash table, which at 800k groups takes five times
    longer than it estimates."""
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off")
        if not hash_aggregate:
            cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


_FILES = CustomerFile._meta.db_table
_PAID = PaidOrder._meta.db_table


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
        f"""SELECT COUNT(*) FILTER (WHERE paid_orders >= 2), COUNT(*) FILTER (WHERE paid_orders >= 1)
            FROM {_FILES}""",
        {},
    )
    return Rate(repeat, buyers)


@dataclasses.dataclass(frozen=True)
class Cohort:
    month: str  # "2026-01"
    customers: int
    retained: tuple[int, ...]  # customers with a paid order k months after (k = 0..)


def cohort_matrix(*, since: datetime, months: int, time_zone: str) -> list[Cohort]:
    # the cohorts' first orders from the files (bounds widened by a day around the local
    # months, then the exact local month), their later orders from insight's copy by its time
    # index (the last cohort's month k < months ends before end + months)
    first_local = "date_trunc('month', %(since)s AT TIME ZONE %(tz)s)"
    end_local = f"({first_local} + %(months)s * interval '1 month')"
    rows = _heavy_rows(
        f"""WITH firsts AS (
            SELECT f.customer_id,
                   date_trunc('month', f.first_paid_at AT TIME ZONE %(tz)s) AS cohort
            FROM {_FILES} f
            WHERE f.first_paid_at >= ({first_local} AT TIME ZONE %(tz)s) - interval '1 day'
              AND f.first_paid_at < ({end_local} AT TIME ZONE %(tz)s) + interval '1 day'
              AND date_trunc('month', f.first_paid_at AT TIME ZONE %(tz)s) >= {first_local}
              AND date_trunc('month', f.first_paid_at AT TIME ZONE %(tz)s) < {end_local}),
        steps AS (
            SELECT f.cohort, p.customer_id,
                   ((EXTRACT(YEAR FROM date_trunc('month', p.created AT TIME ZONE %(tz)s))
                     - EXTRACT(YEAR FROM f.cohort)) * 12
                    + EXTRACT(MONTH FROM date_trunc('month', p.created AT TIME ZONE %(tz)s))
                    - EXTRACT(MONTH FROM f.cohort))::int AS k
            FROM {_PAID} p JOIN firsts f USING (customer_id)
            WHERE p.created >= ({first_local} AT TIME ZONE %(tz)s) - interval '1 day'
              AND p.created < ({end_local} AT TIME ZONE %(tz)s)
                              + %(months)s * interval '1 month' + interval '1 day')
        SELECT to_char(cohort, 'YYYY-MM'), k, COUNT(DISTINCT customer_id) FROM steps
        WHERE k >= 0 AND k < %(months)s GROUP BY cohort, k ORDER BY cohort, k""",
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
    [(count, median, average)] = _heavy_rows(
        f"""WITH gaps AS (
                SELECT EXTRACT(EPOCH FROM second_paid_at - first_paid_at) / 86400 AS days
                FROM {_FILES} WHERE second_paid_at IS NOT NULL)
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
    # One pass over the history: each change adds +1 when it moves her into active or repeat
    # and -1 when it moves her out (against her change before it, by time), so the customers
    # active or repeat when a month begins are the sum of the changes of the months before.
    table = StageChange._meta.db_table
    rows = _heavy_rows(
        f"""WITH months AS (
                SELECT generate_series(date_trunc('month', %(since)s AT TIME ZONE %(tz)s),
                                       date_trunc('month', %(until)s AT TIME ZONE %(tz)s),
                                       interval '1 month') AS local_start),
            bounds AS (SELECT local_start, (local_start AT TIME ZONE %(tz)s) AS starts,
                              ((local_start + interval '1 month') AT TIME ZONE %(tz)s) AS ends
                       FROM months),
            history AS MATERIALIZED (
                SELECT changed_at, (to_stage IN ('active', 'repeat'))::int
                       - COALESCE(lag((to_stage IN ('active', 'repeat'))::int) OVER (
                             PARTITION BY customer_id ORDER BY changed_at, id), 0) AS delta
                FROM {table}
                WHERE changed_at < (SELECT MAX(starts) FROM bounds)),
            deltas AS MATERIALIZED (
                SELECT date_trunc('month', changed_at AT TIME ZONE %(tz)s) AS bucket,
                       SUM(delta) AS delta
                FROM history GROUP BY bucket),
            lost AS (
                SELECT b.local_start, COUNT(DISTINCT c.customer_id) AS lost
                FROM bounds b JOIN {table} c
                  ON c.to_stage = 'lost' AND c.changed_at >= b.starts AND c.changed_at < b.ends
                GROUP BY b.local_start)
            SELECT to_char(b.local_start, 'YYYY-MM'),
                   COALESCE((SELECT SUM(d.delta) FROM deltas d WHERE d.bucket < b.local_start),
                            0)::bigint,
                   COALESCE(l.lost, 0)
            FROM bounds b LEFT JOIN lost l USING (local_start) ORDER BY b.local_start""",
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
    by_margin: bool = False  # ranked by margin (some order has a cost price), else by spend
    top_margin: Decimal | None = None  # their margin and everyone's, when ranked by margin
    margin: Decimal | None = None

    @property
    def share(self) -> float | None:
        return _ratio(self.top_revenue, self.revenue)

    @property
    def margin_share(self) -> float | None:
        return None if self.margin is None else _ratio(self.top_margin or 0, self.margin)


def top_customers_share(*, currency: str, since: datetime, until: datetime) -> TopShare:
    # Where the time went at a million customers (a year: 1.7M paid orders, 800k customers;
    # docs/insight.md, "Scale"): hashing 800k groups with numeric sums. Now the orders are read
    # in customer order from the index that carries their amounts in thousandths as integers
    # (migration 0018: an index-only scan feeding a group aggregate, no hash table), summed
    # with a plain bigint running total (``insight_sum_bigint``), and the ranking keeps only
    # the first ceil(20%) (a bounded sort, LIMIT) instead of numbering every customer with two
    # window functions, one of which held every row to count them. A margin is the spend
    # where the order has no cost price (``margin_milli`` is null there).
    [(customers, top_revenue, revenue, by_margin, top_margin, margin)] = _heavy_rows(
        f"""WITH spend AS MATERIALIZED (
            SELECT customer_id, insight_sum_bigint(spent_milli) AS spent,
                   insight_sum_bigint(COALESCE(margin_milli, spent_milli)) AS margin,
                   COUNT(margin_milli) AS costed
            FROM {_PAID}
            WHERE currency = %(currency)s AND created >= %(since)s AND created < %(until)s
            GROUP BY customer_id),
        totals AS (
            SELECT COUNT(*) FILTER (WHERE spent > 0) AS n,
                   COALESCE(MAX(costed) > 0, FALSE) AS by_margin,
                   COALESCE(SUM(spent) FILTER (WHERE spent > 0), 0) AS revenue,
                   COALESCE(SUM(margin) FILTER (WHERE spent > 0), 0) AS margin
            FROM spend),
        top AS (
            SELECT spent, margin FROM spend WHERE spent > 0
            ORDER BY CASE WHEN (SELECT by_margin FROM totals) THEN margin ELSE spent END DESC,
                     customer_id
            LIMIT (SELECT ceil(0.2 * n)::bigint FROM totals))
        SELECT n, (SELECT COALESCE(SUM(spent), 0) FROM top) / 1000.0, revenue / 1000.0,
               by_margin, (SELECT COALESCE(SUM(margin), 0) FROM top) / 1000.0, margin / 1000.0
        FROM totals""",
        {"currency": currency, "since": since, "until": until},
        hash_aggregate=False,
    )
    return TopShare(
        currency,
        customers,
        math.ceil(0.2 * customers),
        Decimal(top_revenue),
        Decimal(revenue),
        by_margin=bool(by_margin),
        top_margin=Decimal(top_margin) if by_margin else None,
        margin=Decimal(margin) if by_margin else None,
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

    [(reviewed, orders)] = _heavy_rows(
        f"""SELECT COUNT(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM {Review._meta.db_table} r WHERE r.order_id = paid.order_id)),
               COUNT(*)
        FROM {_PAID} paid WHERE created >= %(since)s AND created < %(until)s""",
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
