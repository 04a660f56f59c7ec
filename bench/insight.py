"""``python -m bench.insight``: synthetic history in Saleor's own tables, then the insight
targets (issue 12) measured on it.

Generator (``bench.insight_data``): one real order placed through Saleor's GraphQL (plugin
off) is the template; customers, orders, lines and payments are its rows with ids, e-mails,
dates, amounts and links replaced, streamed in chunks into Saleor's tables with COPY (memory
flat). Orders spread over three years, customers drawn with a skew, ten categories.

Measures: the set-based rebuild of every file, stage, RFM score and segment count (run twice:
the first writes every file, the second is the nightly shape); the per-customer loop (the order
event's update, one customer per transaction) on a slice, with its median (the incremental
update target) and the ratio to the set-based cost per customer; each analytics query; the
process's peak memory before and after the rebuild.

Every statement of the rebuilds that takes over 0.2 s is printed with its time (a profile of
the set-based path), and each analytics figure is also computed the way it was before it read
insight's own tables (straight from Saleor's orders, payments and refunds, in
``BASELINE_FIGURES``): both times are printed and the answers compared.

Sizes: ``BENCH_INSIGHT_CUSTOMERS`` (default 20,000), ``BENCH_INSIGHT_ORDERS`` (100,000),
``BENCH_INSIGHT_SLICE`` (500), so a run takes about two minutes (``make bench`` runs it so); the issue's full size is
``BENCH_INSIGHT_CUSTOMERS=1000000 BENCH_INSIGHT_ORDERS=5000000 BENCH_INSIGHT_SLICE=10000``
(use its own database, e.g. ``saleor_retention_bench_insight_big``); database ``BENCH_INSIGHT_DATABASE_URL`` (default
``saleor_retention_bench_insight``), filled once and reused while it holds enough orders
(``--generate-only`` stops after filling it).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlparse

CUSTOMERS = int(os.environ.get("BENCH_INSIGHT_CUSTOMERS", "20000"))
ORDERS = int(os.environ.get("BENCH_INSIGHT_ORDERS", "100000"))
SLICE = int(os.environ.get("BENCH_INSIGHT_SLICE", "500"))
# reuse the files a previous run left (skip the full rebuild; the nightly run follows it)
SKIP_FULL = os.environ.get("BENCH_INSIGHT_SKIP_FULL", "") == "1"
# the saved segments the nightly run counts (bench: a store's handful)
SAVED_SEGMENTS = {
    "bench: lapsed regulars": {"stages": ["lost"], "orders_at_least": 3},
    "bench: champions": {"rfm_groups": ["champions"]},
    "bench: at risk or hibernating": {"rfm_groups": ["at_risk", "hibernating"]},
    "bench: top 20%": {"top_spender": True},
    "bench: big spenders": {"spent_at_least": "1000", "spent_currency": "USD"},
    "bench: category 3 repeat buyers": {"stages": ["repeat"], "categories": ["bench-cat-3"]},
}
DATABASE_URL = os.environ.get(
    "BENCH_INSIGHT_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/saleor_retention_bench_insight",
)


def configure() -> str:
    name = urlparse(DATABASE_URL).path.lstrip("/")
    # a bench database is one named for it (saleor_retention_bench_insight, sr_x_bench_big, ...)
    if "bench" not in name:
        sys.exit(f"bench: refusing to fill database {name!r}; use a dedicated bench database")
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_retention_site.settings"
    os.environ["DEBUG"] = "False"
    os.environ["CELERY_BROKER_URL"] = ""
    return name


@contextlib.contextmanager
def statements(label: str, results: dict, slowest: float = 0.2):
    """Times every statement run inside (Django's query capture), prints those over
    ``slowest`` seconds and keeps them in ``results["statements"][label]``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        yield
    slow = []
    for query in captured.captured_queries:
        seconds = float(query["time"])
        if seconds >= slowest:
            text = " ".join(query["sql"].split())
            slow.append((seconds, text[:110]))
            print(f"bench:   {label} {seconds:7.2f} s  {text[:110]}")
    results.setdefault("statements", {})[label] = slow


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    database = configure()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models.functions import Mod
    from django.test import Client

    from bench.insight_data import generate
    from saleor_retention.conf import load_settings
    from saleor_retention.insight import analytics, segments, services
    from saleor_retention.insight.models import CustomerFile, InsightRebuild, Segment
    from saleor_retention_site.demo import ensure_database
    from saleor_retention_site.driver import SaleorDriver
    from saleor_retention_site.store import build_store

    ensure_database()
    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.sites.models import Site

    Site.objects.clear_cache()
    store = build_store()
    driver = SaleorDriver(store, client=Client(HTTP_HOST="localhost"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM order_order")
        (existing,) = cursor.fetchone()
    if existing < ORDERS:
        generated = generate(driver, store, customers=CUSTOMERS, orders=ORDERS)
        print(
            f"bench: generated {generated.customers:,} customers and {generated.orders:,} paid "
            f"orders with COPY in {generated.seconds:.1f} s"
        )
    else:
        print(f"bench: reusing {existing:,} orders in {database}")
    if "--generate-only" in sys.argv:
        return 0
    results: dict = {"customers": CUSTOMERS, "orders": ORDERS, "slice": SLICE}
    results["load_before"] = os.getloadavg()[0]
    settings = load_settings()
    memory_before = peak_mb()
    # the history ends now; the rebuild runs tonight (a day later) and the next night
    tonight = datetime.now(UTC) + timedelta(days=1)
    last = InsightRebuild.objects.first()
    if SKIP_FULL and last is not None and last.as_of is not None:
        # the files of an earlier run are reused: its night is "tonight"
        tonight = last.as_of
        results["full_s"] = None
        print(f"bench: rebuild, every customer: skipped (reusing the files of {tonight:%Y-%m-%d})")
    else:
        started = time.perf_counter()
        with statements("full", results):
            run = services.files_rebuild(settings=settings, now=tonight, full=True)
        full_seconds = time.perf_counter() - started
        results["full_s"] = full_seconds
        print(
            f"bench: rebuild, every customer from the orders: {full_seconds:.1f} s, "
            f"{run.files:,} files"
        )
    # a day passes: autovacuum clears what the full run left behind (every file was written
    # twice, once by the upsert and once by the scores) before the next night
    with connection.cursor() as cursor:
        for table in ("customerfile", "paidorder", "stagechange", "customerspend"):
            cursor.execute(f"VACUUM ANALYZE saleor_retention_{table}")
    # a handful of saved segments, as a store keeps: the nightly run counts each
    for name, rules in SAVED_SEGMENTS.items():
        Segment.objects.update_or_create(
            name=name, defaults={"rules": segments.parse_rules(rules).as_json()}
        )
    results["segments"] = Segment.objects.count()
    # the next night, no order event in between: only the customers whose orders crossed a
    # window are recomputed from the orders; stages, scores and bands for everyone, then every
    # saved segment's count
    started = time.perf_counter()
    with statements("nightly", results):
        nightly = services.files_rebuild(settings=settings, now=tonight + timedelta(days=1))
    nightly_seconds = time.perf_counter() - started
    results["nightly_s"] = nightly_seconds
    results["nightly_files"] = nightly.files
    print(
        f"bench: rebuild, nightly (changed customers only, then every stage, score and band): "
        f"{nightly_seconds:.1f} s, {nightly.files:,} files recomputed, "
        f"{nightly.stage_changes:,} stage changes, {results['segments']} segments counted"
    )
    memory_after = peak_mb()
    files = CustomerFile.objects.count()

    # a slice spread over every customer, light and heavy ones alike (every n-th id, in SQL)
    step = max(1, files // SLICE)
    ids = list(
        CustomerFile.objects.annotate(slot=Mod("customer_id", step))
        .filter(slot=0)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:SLICE]
    )
    # the event path: inside the event's transaction (its savepoint, as the inbox runs it), and
    # with a commit of its own (which an event pays once for all its handlers)
    inside, committed = [], []
    for customer_id in ids:
        started = time.perf_counter()
        with transaction.atomic():
            begun = time.perf_counter()
            services.file_refresh(customer_id=str(customer_id), settings=settings)
            inside.append(time.perf_counter() - begun)
        committed.append(time.perf_counter() - started)
    results["update_median_ms"] = statistics.median(inside) * 1000
    results["update_p90_ms"] = statistics.quantiles(inside, n=10)[-1] * 1000
    results["update_committed_ms"] = statistics.median(committed) * 1000
    print(
        f"bench: update of one customer on an order event, {len(ids):,} customers: median "
        f"{statistics.median(inside) * 1000:.2f} ms inside the event's transaction "
        f"(p90 {statistics.quantiles(inside, n=10)[-1] * 1000:.2f} ms), "
        f"{statistics.median(committed) * 1000:.2f} ms with its own commit"
    )
    if results["full_s"] is None:
        results["naive_ms"] = None  # compared with the full run's cost per customer
    else:
        started = time.perf_counter()
        for customer_id in ids:
            with transaction.atomic():
                naive_file(customer_id)
        naive = (time.perf_counter() - started) / max(len(ids), 1)
        set_based = results["full_s"] / max(files, 1)
        results["naive_ms"] = naive * 1000
        results["set_based_ms"] = set_based * 1000
        results["ratio"] = naive / set_based
        print(
            f"bench: naive per-customer ORM loop on {len(ids):,} customers: {naive * 1000:.2f} ms "
            f"per customer ({naive * files:.0f} s for all {files:,}); set-based "
            f"{set_based * 1000:.3f} ms per customer: {naive / set_based:.0f}x"
        )

    now = datetime.now(UTC)
    year_ago = now - timedelta(days=365)
    lost_regulars = segments.parse_rules({"stages": ["lost"], "orders_at_least": 3})
    figures = {
        "repeat purchase rate": lambda: analytics.repeat_purchase_rate(),
        "cohort matrix (12 months)": lambda: analytics.cohort_matrix(
            since=year_ago, months=12, time_zone="UTC"
        ),
        "time to second order": lambda: analytics.time_to_second_order(),
        "churn by month (12)": lambda: analytics.churn_by_month(
            since=year_ago, until=now, time_zone="UTC"
        ),
        "top 20% share": lambda: analytics.top_customers_share(
            currency="USD", since=year_ago, until=now
        ),
        "points liability, breakage, redemption": lambda: analytics.points_figures(
            {"USD": Decimal("0.01")}
        ),
        "review rate": lambda: analytics.review_rate(since=year_ago, until=now),
        "rating trend": lambda: analytics.rating_trend(since=year_ago, until=now, time_zone="UTC"),
        "segment count (lost, 3+ orders)": lambda: segments.customer_files(lost_regulars).count(),
    }
    baseline = baseline_figures(now=now, year_ago=year_ago)
    results["analytics"] = {}
    for name, figure in figures.items():
        started = time.perf_counter()
        answer = figure()
        seconds = time.perf_counter() - started
        line = f"bench: analytics {name}: {seconds:.2f} s"
        row = {"seconds": seconds}
        if name in baseline:
            started = time.perf_counter()
            before = baseline[name]()
            row["before_seconds"] = time.perf_counter() - started
            row["same"] = comparable(name, answer) == before
            line += (
                f" (before, from Saleor's tables: {row['before_seconds']:.2f} s; "
                f"{'same answer' if row['same'] else 'DIFFERENT answer'})"
            )
        results["analytics"][name] = row
        print(line)
    results["memory_mb"] = [memory_before, memory_after]
    results["load_after"] = os.getloadavg()[0]
    print(
        f"bench: peak memory (RSS) {memory_before:.0f} MB before the rebuilds, "
        f"{memory_after:.0f} MB after"
    )
    print(JSON_PREFIX + json.dumps(results))
    return 0


JSON_PREFIX = "bench-insight-json: "
TARGETS = {"nightly_s": 30.0, "update_median_ms": 5.0, "analytics_s": 2.0}


def run_subprocess(env: dict[str, str] | None = None) -> dict:
    """``make bench``'s part: this bench in a process of its own (its own database and Django
    set-up), at the default size unless ``BENCH_INSIGHT_*`` say otherwise; returns its
    figures. Its lines are printed as they come."""
    import subprocess

    process = subprocess.Popen(
        [sys.executable, "-m", "bench.insight"],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    results: dict = {}
    for line in process.stdout:
        if line.startswith(JSON_PREFIX):
            results = json.loads(line[len(JSON_PREFIX) :])
        else:
            print(line, end="", flush=True)
    if process.wait() != 0 or not results:
        raise RuntimeError("bench.insight failed")
    return results


def report_lines(results: dict) -> list[str]:
    """The insight rows of the benchmarks table (markdown)."""
    size = f"{results['customers']:,} customers / {results['orders']:,} orders"

    # the targets are set for 1,000,000 customers and 5,000,000 orders: a smaller run shows
    # where the time goes, and is not a verdict on them
    full_size = results["customers"] >= 1_000_000 and results["orders"] >= 5_000_000

    def verdict(value: float, target: float) -> str:
        if not full_size:
            return "judged at 1M / 5M only"
        return "met" if value <= target else "not met"

    nightly, update = results["nightly_s"], results["update_median_ms"]
    lines = [
        f"Insight (`python -m bench.insight`, {size}; load average "
        f"{results['load_before']:.1f} at the start):",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        "| full rebuild, every customer from the orders | "
        + ("skipped (files reused)" if results["full_s"] is None else f"{results['full_s']:.1f} s")
        + " | |",
        f"| nightly rebuild ({results['nightly_files']:,} changed customers recomputed, every "
        f"stage, score, band and the counts of {results.get('segments', 0)} saved segments) | {nightly:.1f} s | ≤ 30 s: "
        f"{verdict(nightly, TARGETS['nightly_s'])} |",
        f"| update of one customer on an order event, median (p90) | {update:.2f} ms "
        f"({results['update_p90_ms']:.2f} ms); {results['update_committed_ms']:.2f} ms with "
        f"its own commit | ≤ 5 ms: {verdict(update, TARGETS['update_median_ms'])} |",
    ]
    if results["naive_ms"] is not None:
        lines.insert(
            -1,
            f"| naive per-customer ORM loop, {results['slice']:,}-customer slice | "
            f"{results['naive_ms']:.2f} ms a customer against {results['set_based_ms']:.3f} ms "
            f"set-based: {results['ratio']:.0f}× | |",
        )
    for name, row in results["analytics"].items():
        before = (
            f" (before: {row['before_seconds']:.2f} s from Saleor's tables, "
            f"{'same answer' if row['same'] else 'different answer'})"
            if "before_seconds" in row
            else ""
        )
        lines.append(
            f"| analytics: {name} | {row['seconds']:.2f} s{before} | ≤ 2 s: "
            f"{verdict(row['seconds'], TARGETS['analytics_s'])} |"
        )
    low, high = results["memory_mb"]
    lines.append(f"| peak RSS before / after the rebuilds | {low:.0f} / {high:.0f} MB | flat |")
    return lines


def comparable(name: str, answer):
    """The new figure in the shape its baseline returns."""
    if name == "repeat purchase rate":
        return (answer.part, answer.whole)
    if name == "cohort matrix (12 months)":
        return [(c.month, c.retained) for c in answer]
    if name == "time to second order":
        return (answer.customers, answer.median_days, answer.average_days)
    if name == "churn by month (12)":
        return [(m.month, m.at_start, m.lost) for m in answer]
    if name == "top 20% share":
        # the baseline ranks by spend; the files rank by margin where costs exist, so only the
        # spenders and the revenue are comparable
        return (answer.customers, answer.revenue)
    if name == "review rate":
        return (answer.part, answer.whole)
    return answer


def baseline_figures(*, now, year_ago) -> dict:
    """The analytics as they were computed before (from Saleor's orders through the adapter's
    paid rule, and the stage history month by month), to time against and compare with."""
    from django.db import connection

    from saleor_retention import saleor_adapter as saleor
    from saleor_retention.insight.models import StageChange
    from saleor_retention.reviews.models import Review

    paid = f"WITH paid AS ({saleor.insight_paid_orders_sql()})"
    stages = StageChange._meta.db_table

    def rows(sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params or {})
            return cursor.fetchall()

    def repeat():
        [(repeat_, buyers)] = rows(
            f"""{paid}, per AS (SELECT customer_id, COUNT(*) AS n FROM paid GROUP BY customer_id)
            SELECT COUNT(*) FILTER (WHERE n >= 2), COUNT(*) FROM per"""
        )
        return (repeat_, buyers)

    def cohorts():
        found = rows(
            f"""{paid},
            local AS (SELECT customer_id, date_trunc('month', created AT TIME ZONE 'UTC') AS month
                      FROM paid),
            firsts AS (SELECT customer_id, MIN(month) AS cohort FROM local GROUP BY customer_id),
            activity AS (
                SELECT DISTINCT f.cohort, l.customer_id,
                       (EXTRACT(YEAR FROM l.month) - EXTRACT(YEAR FROM f.cohort)) * 12
                       + EXTRACT(MONTH FROM l.month) - EXTRACT(MONTH FROM f.cohort) AS k
                FROM local l JOIN firsts f USING (customer_id)
                WHERE f.cohort >= date_trunc('month', %(since)s AT TIME ZONE 'UTC')
                  AND f.cohort < date_trunc('month', %(since)s AT TIME ZONE 'UTC')
                                 + 12 * interval '1 month')
            SELECT to_char(cohort, 'YYYY-MM'), k::int, COUNT(*) FROM activity
            WHERE k < 12 GROUP BY cohort, k ORDER BY cohort, k""",
            {"since": year_ago},
        )
        table: dict = {}
        for month, k, count in found:
            table.setdefault(month, [0] * 12)[k] = count
        return [(month, tuple(counts)) for month, counts in table.items()]

    def second():
        [(count, median, average)] = rows(
            f"""{paid},
            ranked AS (SELECT customer_id, created,
                              row_number() OVER (PARTITION BY customer_id ORDER BY created) AS n
                       FROM paid),
            gaps AS (SELECT EXTRACT(EPOCH FROM s.created - f.created) / 86400 AS days
                     FROM ranked f JOIN ranked s ON s.customer_id = f.customer_id
                     WHERE f.n = 1 AND s.n = 2)
            SELECT COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY days), AVG(days)
            FROM gaps"""
        )
        rounded = lambda v: None if v is None else round(float(v), 2)  # noqa: E731
        return (count, rounded(median), rounded(average))

    def churn():
        found = rows(
            f"""WITH months AS (
                    SELECT generate_series(date_trunc('month', %(since)s AT TIME ZONE 'UTC'),
                                           date_trunc('month', %(until)s AT TIME ZONE 'UTC'),
                                           interval '1 month') AS local_start),
                bounds AS (SELECT local_start, (local_start AT TIME ZONE 'UTC') AS starts,
                                  ((local_start + interval '1 month') AT TIME ZONE 'UTC') AS ends
                           FROM months)
                SELECT to_char(b.local_start, 'YYYY-MM'),
                       (SELECT COUNT(*) FROM (
                            SELECT DISTINCT ON (customer_id) to_stage FROM {stages}
                            WHERE changed_at < b.starts
                            ORDER BY customer_id, changed_at DESC, id DESC) last
                        WHERE last.to_stage IN ('active', 'repeat')),
                       (SELECT COUNT(DISTINCT customer_id) FROM {stages}
                        WHERE to_stage = 'lost' AND changed_at >= b.starts AND changed_at < b.ends)
                FROM bounds b ORDER BY b.local_start""",
            {"since": year_ago, "until": now},
        )
        return [tuple(r) for r in found]

    def top():
        [(customers, revenue)] = rows(
            f"""{paid}
            SELECT COUNT(*), COALESCE(SUM(spent), 0) FROM (
                SELECT customer_id, SUM(spent) AS spent FROM paid
                WHERE currency = 'USD' AND created >= %(since)s AND created < %(until)s
                GROUP BY customer_id HAVING SUM(spent) > 0) spend""",
            {"since": year_ago, "until": now},
        )
        return (customers, revenue)

    def reviews():
        [(reviewed, orders)] = rows(
            f"""{paid}
            SELECT COUNT(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM {Review._meta.db_table} r
                       WHERE r.order_id = paid.order_id::text)),
                   COUNT(*)
            FROM paid WHERE created >= %(since)s AND created < %(until)s""",
            {"since": year_ago, "until": now},
        )
        return (reviewed, orders)

    return {
        "repeat purchase rate": repeat,
        "cohort matrix (12 months)": cohorts,
        "time to second order": second,
        "churn by month (12)": churn,
        "top 20% share": top,
        "review rate": reviews,
    }


def naive_file(customer_id: int) -> None:
    """The file the obvious way: her orders through Saleor's ORM, summed in Python, saved."""
    from saleor.order.models import Order

    from saleor_retention.insight.models import CustomerFile

    orders = (
        Order.objects.filter(user_id=customer_id)
        .exclude(status__in=["draft", "canceled"])
        .prefetch_related("payments", "lines__variant__product__category")
        .order_by("created")
    )
    paid = [o for o in orders if o.is_fully_paid()]
    slugs = sorted(
        {
            line.variant.product.category.slug
            for order in paid
            for line in order.lines.all()
            if line.variant and line.variant.product.category
        }
    )
    gaps = [
        (b.created - a.created).total_seconds() / 86400
        for a, b in zip(paid, paid[1:], strict=False)
    ]
    CustomerFile.objects.filter(customer_id=customer_id).update(
        paid_orders=len(paid),
        first_paid_at=paid[0].created if paid else None,
        last_paid_at=paid[-1].created if paid else None,
        median_days_between_orders=round(Decimal(statistics.median(gaps)), 1) if gaps else None,
        category_slugs=slugs,
    )


if __name__ == "__main__":
    sys.exit(main())
