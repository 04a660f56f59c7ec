"""The customer files as set-based SQL: one pass over Saleor's order tables for every customer
(the nightly rebuild) or for one (an order event), with the same statements either way.

Nothing here loads rows into Python: the facts go into a temporary table, and the files, the
spends per currency and the stage changes are written from it with INSERT ... SELECT and
ON CONFLICT. Saleor's tables and its rule for "paid" come from ``saleor_adapter``
(``insight_*_sql``), the only module that knows them.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connections

from .. import saleor_adapter as saleor
from .models import CustomerFile, CustomerSpend, InsightRebuild, PaidOrder, StageChange


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


# The customers a nightly run recomputes (``_dirty_sql``), a per-connection scratch table.
_DIRTY = "SELECT customer_id FROM insight_dirty"
# those of them whose orders may have changed (the others only aged: a window passed one of
# their paid orders, which insight's copy already holds)
_TOUCHED = "SELECT customer_id FROM insight_dirty WHERE touched"


def _paid_with_costs_sql(one_customer: bool, among: str | None = None) -> str:
    """The paid orders of everyone, one customer or those of ``among`` (the adapter's rule),
    each with what its goods cost the store (null where Saleor has no cost price). Columns:
    order_id, customer_id, created, currency, spent, language_code, cost."""
    return f"""
    WITH paid AS MATERIALIZED (
        {saleor.insight_paid_orders_sql(one_customer=one_customer, among=among)}),
    costs AS ({saleor.insight_order_costs_sql()})
    SELECT paid.order_id, paid.customer_id, paid.created, paid.currency, paid.spent,
           paid.language_code, costs.cost
    FROM paid LEFT JOIN costs USING (order_id)
    """


def _facts_ctes(one_customer: bool, among: str | None, paid: str) -> str:
    """The CTEs the facts are computed from; ``paid`` is the body of the ``paid`` CTE (the
    scratch table for many customers, read where it is used so the planner has its numbers;
    the adapter's statement for one, computed once)."""
    materialized = "MATERIALIZED" if one_customer else "NOT MATERIALIZED"
    return f"""
    paid AS {materialized} ({paid}),
    customers AS ({saleor.insight_customers_sql(one_customer=one_customer, among=among)}),
    lines AS ({saleor.insight_order_lines_sql()}),
    categories AS NOT MATERIALIZED ({saleor.insight_categories_sql()}),
    products AS NOT MATERIALIZED ({saleor.insight_products_sql()}),
    overrides AS (
        SELECT * FROM unnest(%(override_slugs)s::text[], %(override_days)s::int[]) AS o(slug, days)
    ),
    bought AS (
        SELECT DISTINCT customer_id, category_id FROM lines WHERE category_id IS NOT NULL
    ),
    cats AS (
        SELECT b.customer_id, array_agg(c.slug ORDER BY c.slug) AS slugs,
               MAX(COALESCE(o.days, %(default_days)s)) AS days
        FROM bought b JOIN categories c ON c.id = b.category_id
        LEFT JOIN overrides o ON o.slug = c.slug
        GROUP BY b.customer_id
    ),
    base AS (
        SELECT c.customer_id, c.date_joined, COALESCE(cats.days, %(default_days)s) AS days,
               COALESCE(cats.slugs, ARRAY[]::text[]) AS slugs
        FROM customers c LEFT JOIN cats USING (customer_id)
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
               SUM(p.cost) FILTER (
                   WHERE p.currency = %(basis)s AND p.created >= %(value_since)s) AS value_cost,
               (array_agg(p.created ORDER BY p.created))[2] AS second_paid,
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
        SELECT ranked.customer_id, jsonb_agg(jsonb_build_object(
                   'currency', ranked.currency, 'category_id', ranked.category_id::text,
                   'slug', c.slug, 'name', c.name, 'spent', ranked.spent::text)
                   ORDER BY ranked.currency, ranked.spent DESC, ranked.category_id) AS items
        FROM (SELECT customer_id, currency, category_id, SUM(spent) AS spent,
                     row_number() OVER (PARTITION BY customer_id, currency
                                        ORDER BY SUM(spent) DESC, category_id) AS place
              FROM lines WHERE category_id IS NOT NULL
              GROUP BY customer_id, currency, category_id) ranked
        JOIN categories c ON c.id = ranked.category_id
        WHERE ranked.place <= 3 GROUP BY ranked.customer_id
    ),
    top_products AS (
        SELECT ranked.customer_id, jsonb_agg(jsonb_build_object(
                   'currency', ranked.currency, 'product_id', ranked.product_id::text,
                   'name', pr.name, 'spent', ranked.spent::text)
                   ORDER BY ranked.currency, ranked.spent DESC, ranked.product_id) AS items
        FROM (SELECT customer_id, currency, product_id, SUM(spent) AS spent,
                     row_number() OVER (PARTITION BY customer_id, currency
                                        ORDER BY SUM(spent) DESC, product_id) AS place
              FROM lines WHERE product_id IS NOT NULL
              GROUP BY customer_id, currency, product_id) ranked
        JOIN products pr ON pr.id = ranked.product_id
        WHERE ranked.place <= 3 GROUP BY ranked.customer_id
    )
    """


_FACTS_SELECT = """
    SELECT b.customer_id, b.date_joined, b.days, b.slugs,
           COALESCE(a.paid_orders, 0) AS paid_orders, a.first_paid, a.last_paid,
           COALESCE(a.in_window, 0) AS in_window, COALESCE(a.language_code, '') AS language_code,
           COALESCE(a.value_orders, 0) AS value_orders, COALESCE(a.value_spent, 0) AS value_spent,
           a.basis_last_paid, a.basis_aov, a.value_cost, a.second_paid,
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


def _facts_sql(among: str | None = None) -> str:
    """The facts of everyone (or of ``among``) from the scratch table of their paid orders."""
    ctes = _facts_ctes(False, among, "SELECT * FROM insight_paid")
    return f"INSERT INTO insight_facts WITH {ctes} {_FACTS_SELECT}"


def _spends_sql() -> str:
    """Every currency's spend of the customers whose facts were just computed (from the
    scratch table of their paid orders)."""
    return """
    INSERT INTO insight_spends
    SELECT p.customer_id, p.currency, COUNT(*) AS paid_orders, SUM(p.spent) AS total_spent,
           round(AVG(p.spent), 3) AS average_order, MIN(p.created) AS first_paid,
           MAX(p.created) AS last_paid
    FROM insight_paid p JOIN insight_facts f USING (customer_id)
    GROUP BY p.customer_id, p.currency
    """


# Per-connection scratch tables for the rebuild, created once per connection and emptied
# before each use (not ON COMMIT DELETE ROWS: that truncates them at every commit). A run
# truncates them when done. The update of one customer uses none (one statement, below).
_SCRATCH_EXISTS = """
    SELECT to_regclass('pg_temp.insight_facts') IS NOT NULL
       AND to_regclass('pg_temp.insight_spends') IS NOT NULL
       AND to_regclass('pg_temp.insight_dirty') IS NOT NULL
       AND to_regclass('pg_temp.insight_paid') IS NOT NULL
"""


def _scratch_create() -> str:
    return f"""
    CREATE TEMP TABLE IF NOT EXISTS insight_facts (
        customer_id bigint, date_joined timestamptz, days integer, slugs text[],
        paid_orders bigint, first_paid timestamptz, last_paid timestamptz, in_window bigint,
        language_code text, value_orders bigint, value_spent numeric,
        basis_last_paid timestamptz, basis_aov numeric, value_cost numeric,
        second_paid timestamptz, median_days numeric,
        expected_next timestamptz, top_categories jsonb, top_products jsonb, stage text
    );
    CREATE TEMP TABLE IF NOT EXISTS insight_spends (
        customer_id bigint, currency text, paid_orders bigint, total_spent numeric,
        average_order numeric, first_paid timestamptz, last_paid timestamptz
    );
    CREATE TEMP TABLE IF NOT EXISTS insight_dirty (
        customer_id bigint PRIMARY KEY, touched boolean NOT NULL);
    CREATE TEMP TABLE IF NOT EXISTS insight_paid (
        order_id {saleor.INSIGHT_ORDER_ID_TYPE}, customer_id bigint, created timestamptz,
        currency text, spent numeric, language_code text, cost numeric
    );
"""


_SCRATCH_EMPTY = (
    "DELETE FROM insight_facts; DELETE FROM insight_spends; DELETE FROM insight_dirty; "
    "DELETE FROM insight_paid"
)
_SCRATCH_RELEASE = "TRUNCATE insight_facts, insight_spends, insight_dirty, insight_paid"


def _scratch(cursor: Any) -> None:
    # A scratch table created in a transaction that rolls back is gone again, so look first
    # (one cheap query) rather than remember per connection.
    cursor.execute(_SCRATCH_EXISTS)
    if not cursor.fetchone()[0]:
        cursor.execute(_scratch_create())
    cursor.execute(_SCRATCH_EMPTY)


_PAID_ORDER_COLUMNS = "order_id, customer_id, created, currency, spent, cost, language_code"


def _paid_orders_replace_sql(full: bool) -> list[str]:
    """Insight's own copy of the paid orders (``PaidOrder``) for the customers just computed:
    theirs are replaced by the scratch table's (everyone's on a full run, in time order, so a
    period's rows lie together; on a nightly run only those whose orders may have changed, the
    others' rows were what the scratch table was filled from)."""
    gone = (
        f"DELETE FROM {_t(PaidOrder)}"
        if full
        else f"DELETE FROM {_t(PaidOrder)} WHERE customer_id IN ({_TOUCHED})"
    )
    order = "ORDER BY p.created" if full else f"AND p.customer_id IN ({_TOUCHED})"
    return [
        gone,
        f"""INSERT INTO {_t(PaidOrder)} ({_PAID_ORDER_COLUMNS})
        SELECT p.order_id::text, p.customer_id, p.created, p.currency, p.spent, p.cost,
               COALESCE(p.language_code, '')
        FROM insight_paid p
        WHERE p.customer_id IN (SELECT customer_id FROM insight_facts) {order}""",
    ]


# A stage change's date: lost when her window ran out after the last paid order; active or
# repeat when that order was paid (coming from nothing, potential or lost); potential when she
# registered; any other move (repeat falling back to active) when it was seen. ``old`` is her
# file before this run.
_CHANGE_DATE = """
    CASE WHEN f.stage = 'lost' THEN f.last_paid + f.days * interval '1 day'
         WHEN f.stage = 'potential' AND old.stage IS NULL THEN f.date_joined
         WHEN f.stage IN ('active', 'repeat')
              AND COALESCE(old.stage, 'potential') IN ('potential', 'lost')
         THEN f.last_paid
         ELSE %(now)s END
"""


def _mine(alias: str, one: bool) -> str:
    # For one customer, the constant lets the planner look every table up by index (the
    # scratch tables have no statistics, so a join alone could scan a whole table).
    return f"AND {alias}.customer_id = %(customer_id)s" if one else ""


def _record_stage_changes_sql(one: bool, facts: str = "insight_facts") -> str:
    return f"""
    INSERT INTO {_t(StageChange)} (customer_id, from_stage, to_stage, changed_at, recorded_at)
    SELECT f.customer_id, COALESCE(old.stage, ''), f.stage, {_CHANGE_DATE}, %(now)s
    FROM {facts} f
    LEFT JOIN {_t(CustomerFile)} old ON old.customer_id = f.customer_id
    WHERE old.stage IS DISTINCT FROM f.stage {_mine("f", one)}
    """


def _price_band(average: str) -> str:
    """Her band from her average order in the value currency (``average``, rounded like the
    thresholds) against the thresholds of the run."""
    return f"""
    CASE WHEN {average} IS NULL OR %(band_low)s::numeric IS NULL THEN ''
         WHEN {average} < %(band_low)s::numeric THEN 'low'
         WHEN {average} >= %(band_high)s::numeric THEN 'high'
         ELSE 'middle' END
"""


# Columns the upsert compares: a file whose facts did not change is not written again (the
# nightly run touches only what moved; ``updated_at`` says when her file last changed).
_FILE_COLUMNS = (
    "stage",
    "stage_since",
    "churn_days",
    "first_paid_at",
    "last_paid_at",
    "paid_orders",
    "paid_orders_in_window",
    "median_days_between_orders",
    "expected_next_order_at",
    "top_categories",
    "top_products",
    "category_slugs",
    "price_band",
    "language_code",
    "value_currency",
    "value_spent",
    "value_orders",
    "value_last_paid_at",
    "value_average_order",
    "second_paid_at",
    "value_cost",
)


def _upsert_files_sql(one: bool, facts: str = "insight_facts") -> str:
    columns = ", ".join(_FILE_COLUMNS)
    updates = ",\n        ".join(f"{c} = EXCLUDED.{c}" for c in _FILE_COLUMNS)
    old = ", ".join(f"cf.{c}" for c in _FILE_COLUMNS)
    new = ", ".join(f"EXCLUDED.{c}" for c in _FILE_COLUMNS)
    return f"""
    INSERT INTO {_t(CustomerFile)} AS cf (
        customer_id, {columns}, top_spender, rfm_group, updated_at)
    SELECT f.customer_id, f.stage,
           CASE WHEN old.stage = f.stage THEN old.stage_since ELSE {_CHANGE_DATE} END,
           f.days, f.first_paid, f.last_paid, f.paid_orders, f.in_window, f.median_days,
           f.expected_next, f.top_categories, f.top_products, f.slugs,
           {_price_band('round(f.basis_aov, 3)')},
           f.language_code, %(basis)s, f.value_spent, f.value_orders, f.basis_last_paid,
           round(f.basis_aov, 3), f.second_paid, f.value_cost, FALSE, '', %(now)s
    FROM {facts} f
    LEFT JOIN {_t(CustomerFile)} old ON old.customer_id = f.customer_id
    WHERE TRUE {_mine("f", one)}
    ON CONFLICT (customer_id) DO UPDATE SET
        {updates},
        updated_at = EXCLUDED.updated_at
    WHERE ({old}) IS DISTINCT FROM ({new})
    """


def _replace_spends_sql(one: bool) -> list[str]:
    return [
        f"""DELETE FROM {_t(CustomerSpend)} s
        WHERE s.customer_id IN (SELECT customer_id FROM insight_facts) {_mine("s", one)}
          AND NOT EXISTS (
            SELECT 1 FROM insight_spends n
            WHERE n.customer_id = s.customer_id AND n.currency = s.currency)""",
        _upsert_spends_sql(f"insight_spends n WHERE TRUE {_mine('n', one)}"),
    ]


def _upsert_spends_sql(source: str) -> str:
    """Write the per-currency spends of ``source`` (rows of customer_id, currency, paid_orders,
    total_spent, average_order, first_paid, last_paid), touching only rows whose values moved;
    the batch rebuild and the one-customer statement share it."""
    return f"""INSERT INTO {_t(CustomerSpend)} AS s (customer_id, currency, paid_orders,
            total_spent, average_order, first_paid_at, last_paid_at)
        SELECT customer_id, currency, paid_orders, total_spent, average_order, first_paid,
               last_paid FROM {source}
        ON CONFLICT (customer_id, currency) DO UPDATE SET
            paid_orders = EXCLUDED.paid_orders, total_spent = EXCLUDED.total_spent,
            average_order = EXCLUDED.average_order, first_paid_at = EXCLUDED.first_paid_at,
            last_paid_at = EXCLUDED.last_paid_at
        WHERE (s.paid_orders, s.total_spent, s.average_order, s.first_paid_at, s.last_paid_at)
              IS DISTINCT FROM (EXCLUDED.paid_orders, EXCLUDED.total_spent,
                                EXCLUDED.average_order, EXCLUDED.first_paid_at,
                                EXCLUDED.last_paid_at)"""


# RFM over every file with a paid order in the basis currency, from the file's own columns (a
# pass over the files, not the orders; the same pass unscores the others and sets every file's
# price band against this run's thresholds, since the files not recomputed keep their average
# order while the thresholds move): recency by the last such order, frequency and money over
# the value window. A score is ceil(5 x cume_dist): the share of customers at or below her value,
# in fifths, so ties share the higher score, five customers with distinct values score 1..5 and a
# lone customer scores 5 (she is as recent, frequent and valuable as anyone). The top 20% are
# the first ceil(20% of the customers who spent) by margin (spend minus what the goods cost the
# store) when any file has a cost price behind it, otherwise by spend; ties by id.
_SCORE = f"""
    WITH inputs AS (
        SELECT ctid AS row_id, customer_id, value_last_paid_at, value_orders, value_spent,
               value_cost, value_average_order, price_band,
               rfm_recency, rfm_frequency, rfm_monetary, rfm_group, top_spender,
               value_last_paid_at IS NULL AS unscored,
               COALESCE(bool_or(value_cost IS NOT NULL)
                        FILTER (WHERE value_last_paid_at IS NOT NULL) OVER (), FALSE) AS by_margin
        FROM {_t(CustomerFile)}
    ),
    ranked AS (
        -- the files without a paid order in the basis currency are ranked apart, then unscored
        SELECT *,
               ceil(5 * cume_dist() OVER (
                   PARTITION BY unscored ORDER BY value_last_paid_at))::int AS r,
               ceil(5 * cume_dist() OVER (PARTITION BY unscored ORDER BY value_orders))::int AS f,
               ceil(5 * cume_dist() OVER (PARTITION BY unscored ORDER BY value_spent))::int AS m,
               row_number() OVER (
                   PARTITION BY unscored
                   ORDER BY CASE WHEN by_margin THEN value_spent - COALESCE(value_cost, 0)
                                 ELSE value_spent END DESC,
                            customer_id) AS spend_place,
               COUNT(*) FILTER (WHERE value_spent > 0 AND NOT unscored) OVER () AS spenders
        FROM inputs
    ),
    scored AS (
        SELECT row_id, customer_id, rfm_recency, rfm_frequency, rfm_monetary, rfm_group,
               top_spender, price_band,
               CASE WHEN NOT unscored THEN r END AS r,
               CASE WHEN NOT unscored THEN f END AS f,
               CASE WHEN NOT unscored THEN m END AS m,
               CASE WHEN unscored THEN ''
                    WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champions'
                    WHEN r >= 3 AND f >= 4 THEN 'loyal'
                    WHEN r >= 4 AND f = 1 THEN 'new'
                    WHEN r >= 3 AND f <= 2 THEN 'promising'
                    WHEN r <= 2 AND f >= 3 THEN 'at_risk'
                    WHEN r <= 2 AND f <= 2 THEN 'hibernating'
                    ELSE 'needs_attention' END AS grp,
               NOT unscored AND value_spent > 0 AND spend_place <= ceil(0.2 * spenders) AS top,
               {_price_band("value_average_order")} AS band
        FROM ranked
    ),
    changed AS MATERIALIZED (
        SELECT *,
               (rfm_recency, rfm_frequency, rfm_monetary, rfm_group, top_spender)
               IS DISTINCT FROM (r, f, m, grp, top) AS rescored
        FROM scored
        WHERE (rfm_recency, rfm_frequency, rfm_monetary, rfm_group, top_spender, price_band)
              IS DISTINCT FROM (r, f, m, grp, top, band)
    )
    -- only the files whose scores or band moved are written, found again by the row read (a
    -- file an order event rewrote meanwhile keeps its scores until the next run)
    UPDATE {_t(CustomerFile)} cf SET
        rfm_recency = s.r, rfm_frequency = s.f, rfm_monetary = s.m, rfm_group = s.grp,
        top_spender = s.top, price_band = s.band,
        scored_at = CASE WHEN s.rescored THEN %(now)s ELSE cf.scored_at END
    FROM changed s
    WHERE cf.ctid = s.row_id AND cf.customer_id = s.customer_id
"""

_BANDS_FROM_FACTS = """
    SELECT percentile_cont(1.0 / 3) WITHIN GROUP (ORDER BY round(basis_aov, 3)),
           percentile_cont(2.0 / 3) WITHIN GROUP (ORDER BY round(basis_aov, 3))
    FROM insight_facts WHERE basis_aov IS NOT NULL
"""

_BANDS_FROM_FILES = f"""
    SELECT percentile_cont(1.0 / 3) WITHIN GROUP (ORDER BY value_average_order),
           percentile_cont(2.0 / 3) WITHIN GROUP (ORDER BY value_average_order)
    FROM {_t(CustomerFile)} WHERE value_average_order IS NOT NULL
"""


def _dirty_sql() -> str:
    """The customers whose file can differ from what the last run (``%(previous_now)s``) left:
    no file yet; an order, order event or payment since (the order events already refreshed
    them, this catches any the event path missed); a paid order that left her churn window or
    the value window since (her stage, orders in the window, value and scores move with time
    alone only then; read from insight's own copy of the paid orders, by its time index).
    Everyone else's file is exactly what a full recompute would write."""
    paid = _t(PaidOrder)
    return f"""
    INSERT INTO insight_dirty
    SELECT customer_id, bool_or(touched) FROM (
        SELECT c.customer_id, TRUE AS touched FROM ({saleor.insight_customers_sql()}) c
        WHERE NOT EXISTS (
            SELECT 1 FROM {_t(CustomerFile)} f WHERE f.customer_id = c.customer_id)
        UNION ALL
        SELECT customer_id, TRUE FROM ({saleor.insight_touched_customers_sql()}) touched
        UNION ALL
        SELECT o.customer_id, FALSE FROM {paid} o
        JOIN {_t(CustomerFile)} f ON f.customer_id = o.customer_id
        WHERE o.created >= %(previous_now)s - %(longest_days)s * interval '1 day'
          AND o.created < %(now)s - %(shortest_days)s * interval '1 day'
          AND o.created >= %(previous_now)s - f.churn_days * interval '1 day'
          AND o.created < %(now)s - f.churn_days * interval '1 day'
        UNION ALL
        SELECT o.customer_id, FALSE FROM {paid} o
        WHERE o.created >= %(previous_value_since)s AND o.created < %(value_since)s
    ) reasons
    GROUP BY customer_id
    """


def _aged_paid_sql() -> str:
    """The paid orders of the customers who only aged, from insight's copy (what Saleor's
    tables would give again: nothing of their orders changed since the last run)."""
    return f"""
    INSERT INTO insight_paid
    SELECT order_id::{saleor.INSIGHT_ORDER_ID_TYPE}, customer_id, created, currency, spent,
           language_code, cost
    FROM {_t(PaidOrder)}
    WHERE customer_id IN (SELECT customer_id FROM insight_dirty WHERE NOT touched)
    """


def _computed_rows_drop(table_of_ids: str) -> str:
    """Data-modifying CTEs deleting, for the customers of ``table_of_ids`` (a CTE name with a
    customer_id column), every row computed from their orders (not staff's notes, tags or
    contact log)."""
    return ",\n".join(
        f"""{name} AS (DELETE FROM {_t(model)} x
            WHERE x.customer_id IN (SELECT customer_id FROM {table_of_ids}) RETURNING 1)"""
        for name, model in (
            ("files_gone", CustomerFile),
            ("spends_dropped", CustomerSpend),
            ("paid_dropped", PaidOrder),
            ("history_gone", StageChange),
        )
    )


# The nightly run's first step: the deactivated accounts' files and what goes with them (one
# scan of Saleor's users for the few inactive ones; each table by its customer index).
_DEACTIVATED_DROP = f"""
    WITH gone AS MATERIALIZED ({saleor.insight_deactivated_customers_sql()}),
    {_computed_rows_drop("gone")}
    SELECT (SELECT COUNT(*) FROM files_gone)
"""


@dataclasses.dataclass(frozen=True)
class Outcome:
    files: int
    stage_changes: int
    band_low_below: Decimal | None = None
    band_high_from: Decimal | None = None


def _one_customer_sql() -> str:
    """One customer's whole refresh as one statement (an order event's update): her paid
    orders from Saleor, her facts, then, as data-modifying CTEs that all see the state before
    the statement, her copy of the paid orders, her stage change, her file and her spends.
    One round trip and no scratch table: on an order event the statement count, not the rows,
    is the cost."""
    one = True
    ctes = _facts_ctes(True, None, _paid_with_costs_sql(True))
    paid_orders, spends = _t(PaidOrder), _t(CustomerSpend)
    return f"""
    WITH {ctes},
    facts AS MATERIALIZED ({_FACTS_SELECT}),
    kept AS (SELECT p.* FROM paid p WHERE EXISTS (SELECT 1 FROM facts)),
    paid_gone AS (
        DELETE FROM {paid_orders} m
        WHERE m.customer_id = %(customer_id)s
          AND m.order_id NOT IN (SELECT order_id::text FROM kept)
        RETURNING 1),
    paid_kept AS (
        INSERT INTO {paid_orders} AS m ({_PAID_ORDER_COLUMNS})
        SELECT order_id::text, customer_id, created, currency, spent, cost,
               COALESCE(language_code, '') FROM kept
        ON CONFLICT (order_id) DO UPDATE SET
            customer_id = EXCLUDED.customer_id, created = EXCLUDED.created,
            currency = EXCLUDED.currency, spent = EXCLUDED.spent, cost = EXCLUDED.cost,
            language_code = EXCLUDED.language_code
        WHERE (m.customer_id, m.created, m.currency, m.spent, m.cost, m.language_code)
              IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.created, EXCLUDED.currency,
                                EXCLUDED.spent, EXCLUDED.cost, EXCLUDED.language_code)
        RETURNING 1),
    changes AS ({_record_stage_changes_sql(one, "facts")} RETURNING 1),
    file AS ({_upsert_files_sql(one, "facts")} RETURNING 1),
    new_spends AS (
        SELECT p.customer_id, p.currency, COUNT(*) AS paid_orders, SUM(p.spent) AS total_spent,
               round(AVG(p.spent), 3) AS average_order, MIN(p.created) AS first_paid,
               MAX(p.created) AS last_paid
        FROM kept p GROUP BY p.customer_id, p.currency),
    spends_gone AS (
        DELETE FROM {spends} s
        WHERE s.customer_id = %(customer_id)s AND EXISTS (SELECT 1 FROM facts)
          AND NOT EXISTS (SELECT 1 FROM new_spends n WHERE n.currency = s.currency)
        RETURNING 1),
    spends_kept AS (
        {_upsert_spends_sql("new_spends")}
        RETURNING 1),
    -- deactivated (or staff who never ordered): no file, as the nightly run decides
    gone AS (SELECT %(customer_id)s::bigint AS customer_id
             WHERE NOT EXISTS (SELECT 1 FROM customers)),
    {_computed_rows_drop("gone")}
    SELECT (SELECT COUNT(*) FROM facts), (SELECT COUNT(*) FROM changes)
    """.replace("%(band_low)s", _LAST_RUN.format(column="band_low_below")).replace(
        "%(band_high)s", _LAST_RUN.format(column="band_high_from")
    )


# The price-band thresholds of the last rebuild, read inside the one-customer statement (one
# round trip less than asking first).
_LAST_RUN = (
    f"(SELECT {{column}} FROM {_t(InsightRebuild)} ORDER BY started_at DESC, id DESC LIMIT 1)"
)


# The one-customer statement is prepared once per database connection: planning it costs more
# than running it for one customer's few rows (the bench measures both).
_PARAM_TYPES = {
    "now": "timestamptz",
    "default_days": "integer",
    "override_slugs": "text[]",
    "override_days": "integer[]",
    "value_since": "timestamptz",
    "basis": "text",
    "band_low": "numeric",
    "band_high": "numeric",
    "customer_id": "bigint",
}
_ONE_CUSTOMER = "insight_one_refresh"
_STALE = ["insight_one_refresh"] + [
    f"insight_one_{n}"
    for n in ("facts", "spends", "changes", "upsert", "spends_delete", "spends_upsert")
]
_prepared_on: set[tuple[int, int]] = set()


def _positional(sql_text: str) -> str:
    names = list(_PARAM_TYPES)
    return re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", sql_text)


def _backend_pid(raw: Any) -> int:
    # psycopg2 (Saleor 2.10) asks the connection; psycopg 3 (Saleor 3.x) keeps it in ``info``
    info = getattr(raw, "info", None)
    pid = getattr(info, "backend_pid", None)
    return int(pid) if pid is not None else int(raw.get_backend_pid())


def _refresh_one(cursor: Any, values: dict[str, Any]) -> Outcome:
    raw = cursor.connection
    key = (id(raw), _backend_pid(raw))
    if key not in _prepared_on:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name = ANY(%s)", [_STALE])
        for (stale,) in cursor.fetchall():
            cursor.execute(f"DEALLOCATE {stale}")
        types = ", ".join(_PARAM_TYPES.values())
        cursor.execute(f"PREPARE {_ONE_CUSTOMER} ({types}) AS {_positional(_one_customer_sql())}")
        _prepared_on.add(key)
    args = [values[name] for name in _PARAM_TYPES]
    cursor.execute(f"EXECUTE {_ONE_CUSTOMER} ({', '.join(['%s'] * len(args))})", args)
    files, changes = cursor.fetchone()
    return Outcome(files=int(files), stage_changes=int(changes))


def refresh_one(params: Params) -> Outcome:
    """One customer's file (``params.customer_id``), her stage changes, spends and copy of her
    paid orders; scores stay as the last rebuild left them. Run inside a transaction."""
    with connections["default"].cursor() as cursor:
        return _refresh_one(cursor, params.as_sql_params())


def rebuild(params: Params, *, previous_now: datetime | None) -> Outcome:
    """Every file, stage, RFM score and top-20% flag. With ``previous_now`` (the moment the last
    run computed the files for, with the same settings) only the customers whose facts can have
    changed since are recomputed from the orders (``_dirty_sql``); the scores and price bands,
    which rank everyone, are then redone from the files' columns. Without it, every customer is
    recomputed. Run inside a transaction."""
    values = params.as_sql_params()
    with connections["default"].cursor() as cursor:
        # sorts and hashes over millions of rows: in memory rather than in temporary files
        cursor.execute("SET LOCAL work_mem = '64MB'")
        _scratch(cursor)
        # a deactivated account keeps no file: everything computed from her orders goes (her
        # file, spends, copy of her paid orders, stage history); staff's notes, tags and
        # contact log stay. Reactivated, she has no file, and this run computes it again.
        cursor.execute(_DEACTIVATED_DROP)
        among = None
        if previous_now is not None:
            # the nightly shape: statements of seconds, where compiling them costs more
            cursor.execute("SET LOCAL jit = off")
            days = [params.default_days, *params.override_days]
            cursor.execute(
                _dirty_sql(),
                {
                    **values,
                    "previous_now": previous_now,
                    # an hour back: an order written while the last run read must not be missed
                    "since": previous_now - timedelta(hours=1),
                    "longest_days": max(days),
                    "shortest_days": min(days),
                    "previous_value_since": params.value_since - (params.now - previous_now),
                },
            )
            cursor.execute("ANALYZE insight_dirty")
            among = _DIRTY
            # the price bands of this run: everyone's average order as the files hold it
            cursor.execute(_BANDS_FROM_FILES)
            low, high = (_three_places(v) for v in cursor.fetchone())
        # Saleor's paid orders for everyone (full) or for the customers whose orders may have
        # changed; insight's copy for those who only aged
        touched = None if among is None else _TOUCHED
        cursor.execute(f"INSERT INTO insight_paid {_paid_with_costs_sql(False, touched)}", values)
        if among is not None:
            cursor.execute(_aged_paid_sql(), values)
        cursor.execute("ANALYZE insight_paid")
        if among is None:
            # Everyone: a CTE's row count is unknown to the planner (it guesses 200 groups),
            # and a nested loop over a million customers against "200" aggregates never ends
            # (a full run took over 15 minutes in it); hash and merge joins only, here.
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(_facts_sql(among), values)
        files = cursor.rowcount
        cursor.execute("SET LOCAL enable_nestloop = on")
        cursor.execute("ANALYZE insight_facts")  # the planner needs their numbers
        if among is None:  # the price bands of this run, from the facts just computed
            cursor.execute(_BANDS_FROM_FACTS)
            low, high = (_three_places(v) for v in cursor.fetchone())
        values = {**values, "band_low": low, "band_high": high}
        cursor.execute(_spends_sql(), values)
        cursor.execute("ANALYZE insight_spends")
        cursor.execute(_record_stage_changes_sql(False), values)
        changes = cursor.rowcount
        cursor.execute(_upsert_files_sql(False), values)
        for statement in _replace_spends_sql(False):
            cursor.execute(statement, values)
        for statement in _paid_orders_replace_sql(among is None):
            cursor.execute(statement, values)
        # four sorts of a million files: in memory; the few files whose scores moved are
        # found again by their row id, not by hashing every file once more (the planner cannot
        # know how few they are)
        cursor.execute(
            "SET LOCAL work_mem = '256MB'; SET LOCAL enable_hashjoin = off; "
            "SET LOCAL enable_mergejoin = off"
        )
        cursor.execute(_SCORE, values)
        cursor.execute(
            "SET LOCAL work_mem = '64MB'; SET LOCAL enable_hashjoin = on; "
            "SET LOCAL enable_mergejoin = on"
        )
        cursor.execute(_SCRATCH_RELEASE)
        if among is None:
            # a full run rewrites these tables: give the planner their numbers now (the
            # analytics read them by index) rather than whenever autovacuum comes by
            for model in (CustomerFile, PaidOrder, StageChange):
                cursor.execute(f"ANALYZE {_t(model)}")
    return Outcome(files=files, stage_changes=changes, band_low_below=low, band_high_from=high)


def _three_places(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.001"))


def value_since(now: datetime, months: int) -> datetime:
    # months as 30-day blocks: simple, and the same in SQL and in the tests
    return now - timedelta(days=30 * months)
