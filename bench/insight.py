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

Sizes: ``BENCH_INSIGHT_CUSTOMERS`` (default 20,000), ``BENCH_INSIGHT_ORDERS`` (100,000),
``BENCH_INSIGHT_SLICE`` (2,000), so a run takes a few minutes; the issue's full size is
``BENCH_INSIGHT_CUSTOMERS=1000000 BENCH_INSIGHT_ORDERS=5000000 BENCH_INSIGHT_SLICE=10000``
(use its own database, e.g. ``saleor_retention_bench_insight_big``); database ``BENCH_INSIGHT_DATABASE_URL`` (default
``saleor_retention_bench_insight``), filled once and reused while it holds enough orders
(``--generate-only`` stops after filling it).
"""

from __future__ import annotations

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
SLICE = int(os.environ.get("BENCH_INSIGHT_SLICE", "2000"))
DATABASE_URL = os.environ.get(
    "BENCH_INSIGHT_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/saleor_retention_bench_insight",
)


def configure() -> str:
    name = urlparse(DATABASE_URL).path.lstrip("/")
    if not name.startswith("saleor_retention_bench"):
        sys.exit(f"bench: refusing to fill database {name!r}; use a dedicated bench database")
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_retention_site.settings"
    os.environ["DEBUG"] = "False"
    os.environ["CELERY_BROKER_URL"] = ""
    return name


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
    from saleor_retention.insight.models import CustomerFile
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
    settings = load_settings()
    memory_before = peak_mb()
    # the history ends now; the rebuild runs tonight (a day later) and the next night
    tonight = datetime.now(UTC) + timedelta(days=1)
    started = time.perf_counter()
    run = services.files_rebuild(settings=settings, now=tonight, full=True)
    full_seconds = time.perf_counter() - started
    print(
        f"bench: rebuild, every customer from the orders: {full_seconds:.1f} s, {run.files:,} files"
    )
    # the next night, no order event in between: only the customers whose orders crossed a
    # window are recomputed from the orders; stages, scores and bands for everyone
    started = time.perf_counter()
    nightly = services.files_rebuild(settings=settings, now=tonight + timedelta(days=1))
    nightly_seconds = time.perf_counter() - started
    print(
        f"bench: rebuild, nightly (changed customers only, then every stage, score and band): "
        f"{nightly_seconds:.1f} s, {nightly.files:,} files recomputed, "
        f"{nightly.stage_changes:,} stage changes"
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
    print(
        f"bench: update of one customer on an order event, {len(ids):,} customers: median "
        f"{statistics.median(inside) * 1000:.2f} ms inside the event's transaction "
        f"(p90 {statistics.quantiles(inside, n=10)[-1] * 1000:.2f} ms), "
        f"{statistics.median(committed) * 1000:.2f} ms with its own commit"
    )
    started = time.perf_counter()
    for customer_id in ids:
        with transaction.atomic():
            naive_file(customer_id)
    naive = (time.perf_counter() - started) / max(len(ids), 1)
    set_based = full_seconds / max(files, 1)
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
    for name, figure in figures.items():
        started = time.perf_counter()
        figure()
        print(f"bench: analytics {name}: {time.perf_counter() - started:.2f} s")
    print(
        f"bench: peak memory (RSS) {memory_before:.0f} MB before the rebuilds, "
        f"{memory_after:.0f} MB after"
    )
    return 0


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
