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
    from saleor_retention.insight import analytics, services
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
    runs = []
    for label in ("first (writes every file)", "nightly (files exist)"):
        started = time.perf_counter()
        run = services.files_rebuild(settings=settings)
        runs.append(time.perf_counter() - started)
        print(f"bench: rebuild {label}: {runs[-1]:.1f} s, {run.files:,} files")
    memory_after = peak_mb()

    # a slice spread over every customer, light and heavy ones alike (every n-th id, in SQL)
    step = max(1, CustomerFile.objects.count() // SLICE)
    ids = list(
        CustomerFile.objects.annotate(slot=Mod("customer_id", step))
        .filter(slot=0)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:SLICE]
    )
    samples = []
    loop_started = time.perf_counter()
    for customer_id in ids:
        started = time.perf_counter()
        with transaction.atomic():
            services.file_refresh(customer_id=str(customer_id), settings=settings)
        samples.append(time.perf_counter() - started)
    loop = time.perf_counter() - loop_started
    files = CustomerFile.objects.count()
    per_customer_set = runs[-1] / max(files, 1)
    per_customer_loop = loop / max(len(ids), 1)
    print(
        f"bench: per-customer loop on {len(ids):,} customers: {loop:.1f} s, median "
        f"{statistics.median(samples) * 1000:.2f} ms per customer; set-based "
        f"{per_customer_set * 1000:.3f} ms per customer: {per_customer_loop / per_customer_set:.0f}x"
    )
    now = datetime.now(UTC)
    year_ago = now - timedelta(days=365)
    figures = {
        "repeat purchase rate": lambda: analytics.repeat_purchase_rate(),
        "cohort matrix (12 months)": lambda: analytics.cohort_matrix(
            since=year_ago, months=12, time_zone="UTC"
        ),
        "time to second order": lambda: analytics.time_to_second_order(),
        "churn by month": lambda: analytics.churn_by_month(
            since=year_ago, until=now, time_zone="UTC"
        ),
        "top 20% share": lambda: analytics.top_customers_share(
            currency="USD", since=year_ago, until=now
        ),
        "points": lambda: analytics.points_figures({"USD": Decimal("0.01")}),
        "review rate": lambda: analytics.review_rate(since=year_ago, until=now),
    }
    for name, figure in figures.items():
        started = time.perf_counter()
        figure()
        print(f"bench: analytics {name}: {time.perf_counter() - started:.2f} s")
    print(
        f"bench: peak memory {memory_before:.0f} MB before the rebuild, {memory_after:.0f} MB after"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
