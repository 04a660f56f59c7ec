"""The customer files as set-based SQL: one pass over Saleor's order tables for every customer
(the nightly rebuild) or for one (an order event), with the same statements either way.

Nothing here loads rows into Python: the facts go into a temporary table, and the files, the
spends per currency and the stage changes are written from it with INSERT ... SELECT and
ON CONFLICT. Saleor's tables and its rule for "paid" come from ``saleor_adapter``
(``insight_*_sql``), the only module that knows them.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connections

from .. import saleor_adapter as saleor
from .models import CustomerFile, CustomerSpend, StageChange


@dataclasses.dataclass(frozen=True)
class Params:
    now: datetime
    default_days: int
    override_slugs: tuple[str, ...]
    override_days: tuple[int, ...]
    value_since: datetime
    basis_currency: str
    band_low_below: Decimal | None
    band_high_from: Decimal | None
    customer_id: int | None = None

    def as_sql_params(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "default_days": self.default_days,
            "override_slugs": list(self.override_slugs),
            "override_days": list(self.override_days),
            "value_since": self.value_since,
            "basis": self.basis_currency,
            "band_low": self.band_low_below,
            "band_high": self.band_high_from,
            "customer_id": self.customer_id,
        }


def _t(model: Any) -> str:
    return model._meta.db_table


def _facts_sql(one_customer: bool) -> str:
    return f"""
    INSERT INTO insight_facts
    WITH paid AS ({saleor.insight_paid_orders_sql(one_customer=one_customer)}),
    customers AS ({saleor.insight_customers_sql(one_customer=one_customer)}),
    lines AS ({saleor.insight_order_lines_sql()}),
    overrides AS (
        SELECT * FROM unnest(%(override_slugs)s::text[], %(override_days)s::int[]) AS o(slug, days)
    ),
    cats AS (
        SELECT customer_id, array_agg(DISTINCT category_slug ORDER BY category_slug) AS slugs
        FROM lines WHERE category_slug IS NOT NULL GROUP BY customer_id
    ),
    windows AS (
        SELECT cats.customer_id, MAX(COALESCE(o.days, %(default_days)s)) AS days
        FROM cats CROSS JOIN LATERAL unnest(cats.slugs) AS s(slug)
        LEFT JOIN overrides o ON o.slug = s.slug
        GROUP BY cats.customer_id
    ),
    base AS (
        SELECT c.customer_id, c.date_joined, COALESCE(w.days, %(default_days)s) AS days,
               COALESCE(cats.slugs, ARRAY[]::text[]) AS slugs
        FROM customers c LEFT JOIN windows w USING (customer_id) LEFT JOIN cats USING (customer_id)
    ),
    agg AS (
        SELECT p.customer_id, COUNT(*) AS paid_orders, MIN(p.created) AS first_paid,
               MAX(p.created) AS last_paid,
               (array_agg(p.language_code ORDER BY p.created DESC))[1] AS language_code,
               COUNT(*) FILTER (
                   WHERE p.created >= %(now)s - b.days * interval '1 day') AS in_window,
               COUNT(*) FILTER (
                   WHERE p.currency = %(basis)s AND p.created >= %(value_since)s) AS value_orders,
               COALESCE(SUM(p.spent) FILTER (
                   WHERE p.currency = %(basis)s AND p.created >= %(value_since)s), 0) AS value_spent,
               MAX(p.created) FILTER (WHERE p.currency = %(basis)s) AS basis_last_paid,
               AVG(p.spent) FILTER (WHERE p.currency = %(basis)s) AS basis_aov
        FROM paid p JOIN base b USING (customer_id)
        GROUP BY p.customer_id
    ),
    gaps AS (
        SELECT customer_id,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY EXTRACT(EPOCH FROM created - previous) / 86400) AS median_days
        FROM (SELECT customer_id, created,
                     lag(created) OVER (PARTITION BY customer_id ORDER BY created) AS previous
              FROM paid) ordered
        WHERE previous IS NOT NULL
        GROUP BY customer_id
    ),
    top_categories AS (
        SELECT customer_id, jsonb_agg(jsonb_build_object(
                   'currency', currency, 'category_id', category_id::text, 'slug', category_slug,
                   'name', category_name, 'spent', spent::text)
                   ORDER BY currency, spent DESC, category_id) AS items
        FROM (SELECT customer_id, currency, category_id, category_slug, category_name,
                     SUM(spent) AS spent,
                     row_number() OVER (PARTITION BY customer_id, currency
                                        ORDER BY SUM(spent) DESC, category_id) AS place
              FROM lines WHERE category_id IS NOT NULL
              GROUP BY customer_id, currency, category_id, category_slug, category_name) ranked
        WHERE place <= 3 GROUP BY customer_id
    ),
    top_products AS (
        SELECT customer_id, jsonb_agg(jsonb_build_object(
                   'currency', currency, 'product_id', product_id::text, 'name', product_name,
                   'spent', spent::text) ORDER BY currency, spent DESC, product_id) AS items
        FROM (SELECT customer_id, currency, product_id, MAX(product_name) AS product_name,
                     SUM(spent) AS spent,
                     row_number() OVER (PARTITION BY customer_id, currency
                                        ORDER BY SUM(spent) DESC, product_id) AS place
              FROM lines WHERE product_id IS NOT NULL
              GROUP BY customer_id, currency, product_id) ranked
        WHERE place <= 3 GROUP BY customer_id
    )
    SELECT b.customer_id, b.date_joined, b.days, b.slugs,
           COALESCE(a.paid_orders, 0) AS paid_orders, a.first_paid, a.last_paid,
           COALESCE(a.in_window, 0) AS in_window, COALESCE(a.language_code, '') AS language_code,
           COALESCE(a.value_orders, 0) AS value_orders, COALESCE(a.value_spent, 0) AS value_spent,
           a.basis_last_paid, a.basis_aov,
           round(g.median_days::numeric, 1) AS median_days,
           CASE WHEN g.median_days IS NOT NULL
                THEN a.last_paid + g.median_days * interval '1 day' END AS expected_next,
           COALESCE(tc.items, '[]'::jsonb) AS top_categories,
           COALESCE(tp.items, '[]'::jsonb) AS top_products,
           CASE WHEN a.paid_orders IS NULL THEN 'potential'
                WHEN a.last_paid < %(now)s - b.days * interval '1 day' THEN 'lost'
                WHEN a.in_window >= 2 THEN 'repeat'
                ELSE 'active' END AS stage
    FROM base b
    LEFT JOIN agg a USING (customer_id)
    LEFT JOIN gaps g USING (customer_id)
    LEFT JOIN top_categories tc USING (customer_id)
    LEFT JOIN top_products tp USING (customer_id)
    """


def _spends_sql(one_customer: bool) -> str:
    return f"""
    INSERT INTO insight_spends
    WITH paid AS ({saleor.insight_paid_orders_sql(one_customer=one_customer)})
    SELECT p.customer_id, p.currency, COUNT(*) AS paid_orders, SUM(p.spent) AS total_spent,
           round(AVG(p.spent), 3) AS average_order, MIN(p.created) AS first_paid,
           MAX(p.created) AS last_paid
    FROM paid p JOIN insight_facts f USING (customer_id)
    GROUP BY p.customer_id, p.currency
    """


# Per-connection scratch tables, emptied at every commit; created once per connection (no
# catalogue writes per event, which cost more than the update itself).
_SCRATCH = """
    CREATE TEMP TABLE IF NOT EXISTS insight_facts (
        customer_id bigint, date_joined timestamptz, days integer, slugs text[],
        paid_orders bigint, first_paid timestamptz, last_paid timestamptz, in_window bigint,
        language_code text, value_orders bigint, value_spent numeric,
        basis_last_paid timestamptz, basis_aov numeric, median_days numeric,
        expected_next timestamptz, top_categories jsonb, top_products jsonb, stage text
    ) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS insight_spends (
        customer_id bigint, currency text, paid_orders bigint, total_spent numeric,
        average_order numeric, first_paid timestamptz, last_paid timestamptz
    ) ON COMMIT DELETE ROWS;
    DELETE FROM insight_facts;
    DELETE FROM insight_spends;
"""

# A stage change's date: lost when her window ran out after the last paid order; active or
# repeat when that order was paid (coming from nothing, potential or lost); potential when she
# registered; any other move (repeat falling back to active) when it was seen.
_RECORD_STAGE_CHANGES = f"""
    INSERT INTO {_t(StageChange)} (customer_id, from_stage, to_stage, changed_at, recorded_at)
    SELECT f.customer_id, COALESCE(cf.stage, ''), f.stage,
           CASE WHEN f.stage = 'lost' THEN f.last_paid + f.days * interval '1 day'
                WHEN f.stage = 'potential' AND cf.stage IS NULL THEN f.date_joined
                WHEN f.stage IN ('active', 'repeat')
                     AND COALESCE(cf.stage, 'potential') IN ('potential', 'lost')
                THEN f.last_paid
                ELSE %(now)s END,
           %(now)s
    FROM insight_facts f
    LEFT JOIN {_t(CustomerFile)} cf ON cf.customer_id = f.customer_id
    WHERE cf.stage IS DISTINCT FROM f.stage
"""

_PRICE_BAND = """
    CASE WHEN f.basis_aov IS NULL OR %(band_low)s::numeric IS NULL THEN ''
         WHEN f.basis_aov < %(band_low)s::numeric THEN 'low'
         WHEN f.basis_aov >= %(band_high)s::numeric THEN 'high'
         ELSE 'middle' END
"""

_UPSERT_FILES = f"""
    INSERT INTO {_t(CustomerFile)} AS cf (
        customer_id, stage, stage_since, churn_days, first_paid_at, last_paid_at, paid_orders,
        paid_orders_in_window, median_days_between_orders, expected_next_order_at,
        top_categories, top_products, category_slugs, price_band, language_code,
        value_currency, value_spent, top_spender, rfm_group, updated_at)
    SELECT f.customer_id, f.stage, COALESCE(sc.changed_at, %(now)s), f.days, f.first_paid,
           f.last_paid, f.paid_orders, f.in_window, f.median_days, f.expected_next,
           f.top_categories, f.top_products, f.slugs, {_PRICE_BAND}, f.language_code,
           %(basis)s, f.value_spent, FALSE, '', %(now)s
    FROM insight_facts f
    LEFT JOIN LATERAL (
        SELECT changed_at FROM {_t(StageChange)} s
        WHERE s.customer_id = f.customer_id AND s.recorded_at = %(now)s
        ORDER BY s.id DESC LIMIT 1
    ) sc ON TRUE
    ON CONFLICT (customer_id) DO UPDATE SET
        stage = EXCLUDED.stage,
        stage_since = CASE WHEN cf.stage = EXCLUDED.stage THEN cf.stage_since
                           ELSE EXCLUDED.stage_since END,
        churn_days = EXCLUDED.churn_days,
        first_paid_at = EXCLUDED.first_paid_at,
        last_paid_at = EXCLUDED.last_paid_at,
        paid_orders = EXCLUDED.paid_orders,
        paid_orders_in_window = EXCLUDED.paid_orders_in_window,
        median_days_between_orders = EXCLUDED.median_days_between_orders,
        expected_next_order_at = EXCLUDED.expected_next_order_at,
        top_categories = EXCLUDED.top_categories,
        top_products = EXCLUDED.top_products,
        category_slugs = EXCLUDED.category_slugs,
        price_band = EXCLUDED.price_band,
        language_code = EXCLUDED.language_code,
        value_currency = EXCLUDED.value_currency,
        value_spent = EXCLUDED.value_spent,
        updated_at = EXCLUDED.updated_at
"""

_REPLACE_SPENDS = [
    f"""DELETE FROM {_t(CustomerSpend)} s USING insight_facts f
        WHERE s.customer_id = f.customer_id AND NOT EXISTS (
            SELECT 1 FROM insight_spends n
            WHERE n.customer_id = s.customer_id AND n.currency = s.currency)""",
    f"""INSERT INTO {_t(CustomerSpend)} AS s (customer_id, currency, paid_orders, total_spent,
            average_order, first_paid_at, last_paid_at)
        SELECT customer_id, currency, paid_orders, total_spent, average_order, first_paid,
               last_paid FROM insight_spends
        ON CONFLICT (customer_id, currency) DO UPDATE SET
            paid_orders = EXCLUDED.paid_orders, total_spent = EXCLUDED.total_spent,
            average_order = EXCLUDED.average_order, first_paid_at = EXCLUDED.first_paid_at,
            last_paid_at = EXCLUDED.last_paid_at""",
]

# RFM over every customer with a paid order in the basis currency: recency by the last such
# order, frequency and money over the value window. A score is 1 + floor(5 x percent rank),
# at most 5: ties share the lower score, and five customers with distinct values score 1..5.
# The top 20% are the first ceil(20% of the customers who spent) by spend, ties by id.
_SCORE = f"""
    WITH scored AS (
        SELECT customer_id,
               LEAST(5, 1 + floor(5 * percent_rank() OVER (ORDER BY basis_last_paid)))::int AS r,
               LEAST(5, 1 + floor(5 * percent_rank() OVER (ORDER BY value_orders)))::int AS f,
               LEAST(5, 1 + floor(5 * percent_rank() OVER (ORDER BY value_spent)))::int AS m,
               row_number() OVER (ORDER BY value_spent DESC, customer_id) AS spend_place,
               COUNT(*) FILTER (WHERE value_spent > 0) OVER () AS spenders,
               value_spent
        FROM insight_facts WHERE basis_last_paid IS NOT NULL
    )
    UPDATE {_t(CustomerFile)} cf SET
        rfm_recency = s.r, rfm_frequency = s.f, rfm_monetary = s.m,
        rfm_group = CASE
            WHEN s.r >= 4 AND s.f >= 4 AND s.m >= 4 THEN 'champions'
            WHEN s.r >= 3 AND s.f >= 4 THEN 'loyal'
            WHEN s.r >= 4 AND s.f = 1 THEN 'new'
            WHEN s.r >= 3 AND s.f <= 2 THEN 'promising'
            WHEN s.r <= 2 AND s.f >= 3 THEN 'at_risk'
            WHEN s.r <= 2 AND s.f <= 2 THEN 'hibernating'
            ELSE 'needs_attention' END,
        top_spender = s.value_spent > 0 AND s.spend_place <= ceil(0.2 * s.spenders),
        scored_at = %(now)s
    FROM scored s WHERE cf.customer_id = s.customer_id
"""

_UNSCORE = f"""
    UPDATE {_t(CustomerFile)} cf SET rfm_recency = NULL, rfm_frequency = NULL,
        rfm_monetary = NULL, rfm_group = '', top_spender = FALSE, scored_at = %(now)s
    FROM insight_facts f
    WHERE cf.customer_id = f.customer_id AND f.basis_last_paid IS NULL
"""

_PRICE_BANDS = f"""
    WITH paid AS ({saleor.insight_paid_orders_sql()}),
    per_customer AS (SELECT customer_id, AVG(spent) AS aov FROM paid
                     WHERE currency = %(basis)s GROUP BY customer_id)
    SELECT percentile_cont(1.0 / 3) WITHIN GROUP (ORDER BY aov),
           percentile_cont(2.0 / 3) WITHIN GROUP (ORDER BY aov)
    FROM per_customer
"""


@dataclasses.dataclass(frozen=True)
class Outcome:
    files: int
    stage_changes: int


def price_bands(params: Params, *, using: str = "default") -> tuple[Decimal | None, Decimal | None]:
    """The thirds of the customers' average order in the basis currency."""
    with connections[using].cursor() as cursor:
        cursor.execute(_PRICE_BANDS, params.as_sql_params())
        low, high = cursor.fetchone()
    as_decimal = lambda v: None if v is None else Decimal(str(v)).quantize(Decimal("0.001"))  # noqa: E731
    return as_decimal(low), as_decimal(high)


def refresh(params: Params, *, score: bool) -> Outcome:
    """Recompute the files (one customer's when ``params.customer_id`` is set), record the
    stage changes, replace the spends; with ``score``, RFM and the top 20% too. Run inside a
    transaction (the scratch tables empty at its commit)."""
    one = params.customer_id is not None
    values = params.as_sql_params()
    with connections["default"].cursor() as cursor:
        cursor.execute(_SCRATCH)
        cursor.execute(_facts_sql(one), values)
        files = cursor.rowcount
        cursor.execute(_spends_sql(one), values)
        cursor.execute(_RECORD_STAGE_CHANGES, values)
        changes = cursor.rowcount
        cursor.execute(_UPSERT_FILES, values)
        for statement in _REPLACE_SPENDS:
            cursor.execute(statement, values)
        if score:
            cursor.execute(_SCORE, values)
            cursor.execute(_UNSCORE, values)
    return Outcome(files=files, stage_changes=changes)


def value_since(now: datetime, months: int) -> datetime:
    # months as 30-day blocks: simple, and the same in SQL and in the tests
    return now - timedelta(days=30 * months)
