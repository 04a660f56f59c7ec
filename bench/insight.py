"""``python -m bench.insight``: synthetic history in Saleor's own tables, then the insight
targets (issue 12) measured on it.

Generator: one real order is placed through Saleor's GraphQL (plugin off) and becomes the
template; customers, orders, lines and payments are then copied from its rows inside PostgreSQL
(``INSERT ... SELECT`` over ``generate_series``: every column Saleor requires comes from the
template, only ids, e-mails, dates, amounts and links change), so no row passes through Python
and any Saleor 2.10 column set works. Orders spread over three years, customers drawn with a
skew (a few order often, most once or twice), ten categories.

Measures: the set-based rebuild of every file, stage, RFM score and segment count (run twice:
the first writes every file, the second is the nightly shape); the per-customer loop (the order
event's update, one customer per transaction) on a slice, with its median (the incremental
update target) and the ratio to the set-based cost per customer; each analytics query; the
process's peak memory before and after the rebuild.

Sizes: ``BENCH_INSIGHT_CUSTOMERS`` (default 1,000,000), ``BENCH_INSIGHT_ORDERS`` (5,000,000),
``BENCH_INSIGHT_SLICE`` (10,000); database ``BENCH_INSIGHT_DATABASE_URL`` (default
``saleor_retention_bench_insight``), filled once and reused while it holds enough orders.
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

CUSTOMERS = int(os.environ.get("BENCH_INSIGHT_CUSTOMERS", "1000000"))
ORDERS = int(os.environ.get("BENCH_INSIGHT_ORDERS", "5000000"))
SLICE = int(os.environ.get("BENCH_INSIGHT_SLICE", "10000"))
DATABASE_URL = os.environ.get(
    "BENCH_INSIGHT_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/saleor_retention_bench_insight",
)
CATEGORIES = 10
EMAIL_PREFIX = "bench-insight-"


def configure() -> str:
    name = urlparse(DATABASE_URL).path.lstrip("/")
    if not name.startswith("saleor_retention_bench"):
        sys.exit(f"bench: refusing to fill database {name!r}; use a dedicated bench database")
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_retention_site.settings"
    os.environ["DEBUG"] = "False"
    os.environ["CELERY_BROKER_URL"] = ""
    return name


def _columns(cursor, table: str) -> list[str]:
    from django.db import connection

    return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def _copy_rows(cursor, table: str, *, source: str, overrides: dict[str, str]) -> int:
    """INSERT every column of ``table`` from ``source`` (a FROM clause aliasing the template row
    as ``t``), taking ``overrides`` (column -> SQL expression) instead; ``id`` from the sequence."""
    columns = [c for c in _columns(cursor, table) if c != "id"]
    values = [overrides.get(c, f"t.{c}") for c in columns]
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    )
    return cursor.rowcount


def generate(driver, store) -> None:
    from django.db import connection, transaction
    from saleor.account.models import User
    from saleor.order.models import Order, OrderLine
    from saleor.payment.models import Payment

    from saleor_retention_site.store import add_product

    variants = [store.variant_id] + [
        add_product(slug=f"bench-item-{i}", category_slug=f"bench-cat-{i}", price=Decimal("20"))
        for i in range(1, CATEGORIES)
    ]
    driver.account_register("bench-template@example.com")
    token = driver.token_create("bench-template@example.com", "customer-password")
    order_gid = driver.buy(email="bench-template@example.com", token=token)["id"]
    from saleor_retention_site.driver import pk_of

    template = Order.objects.get(pk=pk_of(order_gid))
    line = OrderLine.objects.filter(order=template).first()
    payment = Payment.objects.filter(order=template).first()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        users = _copy_rows(
            cursor,
            User._meta.db_table,
            source=f"{User._meta.db_table} t, generate_series(1, {CUSTOMERS}) g "
            f"WHERE t.id = {template.user_id}",
            overrides={
                "email": f"'{EMAIL_PREFIX}' || g || '@example.com'",
                "date_joined": "now() - interval '3 years' - interval '30 days'",
                "default_billing_address_id": "NULL",
                "default_shipping_address_id": "NULL",
                "token": "md5(g::text || random()::text)"
                if "token" in _columns(cursor, User._meta.db_table)
                else "t.token",
            },
        )
        cursor.execute(
            f"""CREATE TEMP TABLE bench_users AS
                SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {User._meta.db_table}
                WHERE email LIKE '{EMAIL_PREFIX}%%'"""
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_users (rn)")
        # skewed customers: 1 + floor(N * r^1.3) puts more orders on the first customers (at
        # 1M customers and 5M orders the first has about 120, the median customer 3)
        orders = _copy_rows(
            cursor,
            Order._meta.db_table,
            source=f"""{Order._meta.db_table} t,
                LATERAL (SELECT g, random() AS r1, random() AS r2, random() AS r3
                         FROM generate_series(1, {ORDERS}) g) s
                JOIN bench_users u ON u.rn = 1 + floor({CUSTOMERS} * power(s.r1, 1.3))::bigint
                WHERE t.id = {template.pk}""",
            overrides={
                "user_id": "u.id",
                "user_email": "''",
                "created": "now() - s.r2 * interval '3 years'",
                "token": "md5(s.g::text || s.r3::text)",
                "total_gross_amount": "round((10 + s.r3 * 290)::numeric, 2)",
                "total_net_amount": "round((10 + s.r3 * 290)::numeric, 2)",
                "voucher_id": "NULL",
                "status": "'unfulfilled'",
            },
        )
        cursor.execute(
            f"""CREATE TEMP TABLE bench_orders AS SELECT id, total_gross_amount,
                    (id % {len(variants)}) AS variant_slot
                FROM {Order._meta.db_table} WHERE id > {template.pk}"""
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_variants (slot int, id int); "
            + "; ".join(
                f"INSERT INTO bench_variants VALUES ({slot}, {vid})"
                for slot, vid in enumerate(variants)
            )
        )
        _copy_rows(
            cursor,
            OrderLine._meta.db_table,
            source=f"""{OrderLine._meta.db_table} t, bench_orders o
                JOIN bench_variants v ON v.slot = o.variant_slot WHERE t.id = {line.pk}""",
            overrides={
                "order_id": "o.id",
                "variant_id": "v.id",
                "quantity": "1",
                "quantity_fulfilled": "0",
                "unit_price_gross_amount": "o.total_gross_amount",
                "unit_price_net_amount": "o.total_gross_amount",
            },
        )
        _copy_rows(
            cursor,
            Payment._meta.db_table,
            source=f"{Payment._meta.db_table} t, bench_orders o WHERE t.id = {payment.pk}",
            overrides={
                "order_id": "o.id",
                "checkout_id": "NULL",
                "total": "o.total_gross_amount",
                "captured_amount": "o.total_gross_amount",
                "charge_status": "'fully-charged'",
            },
        )
        cursor.execute("DROP TABLE bench_users, bench_orders, bench_variants")
    for table in (User, Order, OrderLine, Payment):
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table._meta.db_table}")
    print(
        f"bench: generated {users:,} customers and {orders:,} paid orders "
        f"in {time.perf_counter() - started:.1f} s"
    )


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
        generate(driver, store)
    else:
        print(f"bench: reusing {existing:,} orders in {database}")
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
