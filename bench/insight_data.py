"""Synthetic order history written straight into Saleor 2.10's own tables with COPY.

One real order placed through Saleor's GraphQL is the template: its rows (customer, order, line,
payment) are read back in COPY's text format, and every generated row is that row with a few
columns replaced (ids, e-mail, dates, amounts, links). Rows are produced in chunks and each chunk
is streamed into ``COPY ... FROM STDIN``, so memory stays flat whatever the size and every column
Saleor requires holds a value Saleor wrote itself.

Ids are assigned here (after the table's current maximum) and the sequences moved past them, so
nothing has to be read back. Orders are spread over three years with ids rising with time, as a
real store's are; customers are drawn with a skew (a few order often, most once or twice, many
never: they stay potential), one line per order on one of ``CATEGORIES`` products.
"""

from __future__ import annotations

import dataclasses
import io
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from saleor_retention.saleor_adapter import tables

CATEGORIES = 10
EMAIL_PREFIX = "bench-insight-"
CHUNK = 20_000
YEARS = 3
# what a bench variant cost the store (Saleor 2.10's ProductVariant.cost_price_amount): margins
COST_PRICE = Decimal("8.00")


@dataclasses.dataclass(frozen=True)
class Generated:
    customers: int
    orders: int
    first_customer_id: int
    first_order_id: int
    revenue: Decimal  # every generated order's total, summed
    seconds: float


class _Template:
    """One row of a table as COPY text fields, and the COPY statement that takes rows back."""

    def __init__(self, cursor: Any, table: str, pk: int) -> None:
        cursor.execute(f"SELECT * FROM {table} WHERE false")
        self.columns = [d.name for d in cursor.description]
        buffer = io.StringIO()
        names = ", ".join(f'"{c}"' for c in self.columns)
        cursor.copy_expert(
            f"COPY (SELECT {names} FROM {table} WHERE id = {int(pk)}) TO STDOUT", buffer
        )
        self.fields = buffer.getvalue().rstrip("\n").split("\t")
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        self.table = table

    def slots(self, *names: str) -> list[int]:
        """Positions of ``names`` that this Saleor has (a missing one is skipped)."""
        return [self.columns.index(n) if n in self.columns else -1 for n in names]


def _row(fields: list[str], slots: list[int], values: tuple[str, ...]) -> str:
    for slot, value in zip(slots, values, strict=True):
        if slot >= 0:
            fields[slot] = value
    return "\t".join(fields)


def _copy(cursor: Any, template: _Template, lines: Iterator[str]) -> None:
    buffer = io.StringIO()
    count = 0
    for line in lines:
        buffer.write(line)
        buffer.write("\n")
        count += 1
        if count == CHUNK:
            buffer.seek(0)
            cursor.copy_expert(template.copy_sql, buffer)
            buffer = io.StringIO()
            count = 0
    if count:
        buffer.seek(0)
        cursor.copy_expert(template.copy_sql, buffer)


def _next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return int(cursor.fetchone()[0])


def _move_sequence(cursor: Any, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
    )


def _skewed_customer(rng: random.Random, customers: int) -> int:
    # 1 + floor(N * r^1.3): more orders on the first customers (at 1M customers and 5M orders
    # the first has about 120, the median customer 3)
    return min(customers - 1, int(customers * rng.random() ** 1.3))


def write_history(
    cursor: Any,
    *,
    customer_pk: int,
    order_pk: int,
    line_pk: int,
    payment_pk: int,
    variant_ids: list[int],
    customers: int,
    orders: int,
    seed: int = 12,
) -> Generated:
    """``customers`` accounts and ``orders`` paid orders (one line, one fully charged payment
    each) copied from the template rows; ``cursor`` is a psycopg2 cursor inside the caller's
    transaction."""
    started = time.perf_counter()
    rng = random.Random(seed)
    users = tables.db_table(tables.CUSTOMER)
    order_table = tables.db_table(tables.ORDER)
    user = _Template(cursor, users, customer_pk)
    order = _Template(cursor, order_table, order_pk)
    line = _Template(cursor, tables.db_table(tables.ORDER_LINE), line_pk)
    payment = _Template(cursor, tables.db_table(tables.PAYMENT), payment_pk)

    first_user = _next_id(cursor, users)
    now = datetime.now(UTC)
    joined = (now - timedelta(days=365 * YEARS + 30)).isoformat()
    user_slots = user.slots(
        "id",
        "email",
        "date_joined",
        "default_billing_address_id",
        "default_shipping_address_id",
        "token",
        "jwt_token_key",
    )
    _copy(
        cursor,
        user,
        (
            _row(
                user.fields,
                user_slots,
                (
                    str(first_user + n),
                    f"{EMAIL_PREFIX}{n}@example.com",
                    joined,
                    r"\N",
                    r"\N",
                    uuid.UUID(int=rng.getrandbits(128)).hex,
                    uuid.UUID(int=rng.getrandbits(128)).hex[:12],
                ),
            )
            for n in range(customers)
        ),
    )

    first_order = _next_id(cursor, order_table)
    first_line = _next_id(cursor, line.table)
    first_payment = _next_id(cursor, payment.table)
    order_slots = order.slots(
        "id",
        "user_id",
        "user_email",
        "created",
        "token",
        "total_gross_amount",
        "total_net_amount",
        "voucher_id",
        "status",
    )
    line_slots = line.slots(
        "id",
        "order_id",
        "variant_id",
        "quantity",
        "quantity_fulfilled",
        "unit_price_gross_amount",
        "unit_price_net_amount",
    )
    payment_slots = payment.slots(
        "id",
        "order_id",
        "checkout_id",
        "total",
        "captured_amount",
        "charge_status",
        "token",
        "created",
        "modified",
    )
    span = YEARS * 365 * 86400.0
    start = now.timestamp() - span
    revenue = Decimal(0)
    done = 0
    while done < orders:
        size = min(CHUNK, orders - done)
        order_rows, line_rows, payment_rows = [], [], []
        for n in range(done, done + size):
            # ids rise with time (jitter of an hour keeps them from being exact)
            created = start + span * n / orders + rng.random() * 3600
            when = datetime.fromtimestamp(min(created, now.timestamp() - 60), UTC).isoformat()
            cents = 1000 + int(rng.random() * 29000)
            total = f"{cents // 100}.{cents % 100:02d}"
            revenue += Decimal(cents) / 100
            order_id = str(first_order + n)
            order_rows.append(
                _row(
                    order.fields,
                    order_slots,
                    (
                        order_id,
                        str(first_user + _skewed_customer(rng, customers)),
                        "",
                        when,
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        total,
                        total,
                        r"\N",
                        "unfulfilled",
                    ),
                )
            )
            line_rows.append(
                _row(
                    line.fields,
                    line_slots,
                    (
                        str(first_line + n),
                        order_id,
                        str(variant_ids[n % len(variant_ids)]),
                        "1",
                        "0",
                        total,
                        total,
                    ),
                )
            )
            payment_rows.append(
                _row(
                    payment.fields,
                    payment_slots,
                    (
                        str(first_payment + n),
                        order_id,
                        r"\N",
                        total,
                        total,
                        "fully-charged",
                        f"bench-{order_id}",
                        when,  # paid when placed, not when the template was
                        when,
                    ),
                )
            )
        for template, rows in ((order, order_rows), (line, line_rows), (payment, payment_rows)):
            _copy(cursor, template, iter(rows))
        done += size
    for table in (users, order_table, line.table, payment.table):
        _move_sequence(cursor, table)
    return Generated(
        customers=customers,
        orders=orders,
        first_customer_id=first_user,
        first_order_id=first_order,
        revenue=revenue,
        seconds=time.perf_counter() - started,
    )


def generate(driver: Any, store: Any, *, customers: int, orders: int, seed: int = 12) -> Generated:
    """Place the template order through Saleor's GraphQL, then write the history after it (in
    one transaction) and ANALYZE the tables it filled."""
    from django.db import connection, transaction
    from saleor.order.models import Order, OrderLine
    from saleor.payment.models import Payment
    from saleor.product.models import ProductVariant

    from saleor_retention_site.driver import pk_of
    from saleor_retention_site.store import add_product

    variants = [store.variant_id] + [
        add_product(slug=f"bench-item-{i}", category_slug=f"bench-cat-{i}", price=Decimal("20"))
        for i in range(1, CATEGORIES)
    ]
    # the first half of the products have a cost price (margins), the others none
    ProductVariant.objects.filter(pk__in=variants[: CATEGORIES // 2]).update(
        cost_price_amount=COST_PRICE
    )
    email = "bench-template@example.com"
    driver.account_register(email)
    token = driver.token_create(email, "customer-password")
    template = Order.objects.get(pk=pk_of(driver.buy(email=email, token=token)["id"]))
    line = OrderLine.objects.filter(order=template).order_by("pk").first()
    payment = Payment.objects.filter(order=template).order_by("pk").first()
    assert line is not None and payment is not None and template.user_id is not None
    with transaction.atomic(), connection.cursor() as cursor:
        # Django's foreign keys are checked at commit, one lookup per row and key: tens of
        # millions at the full size, longer than writing the rows. The rows reference only the
        # template's rows and the ids assigned here (the test reads them back through the ORM),
        # so the bench skips those checks for the copy alone (needs a superuser, as the bench's
        # own database has).
        cursor.execute("SET LOCAL session_replication_role = replica")
        generated = write_history(
            cursor.cursor,
            customer_pk=template.user_id,
            order_pk=template.pk,
            line_pk=line.pk,
            payment_pk=payment.pk,
            variant_ids=variants,
            customers=customers,
            orders=orders,
            seed=seed,
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    with connection.cursor() as cursor:
        for model in (tables.CUSTOMER, tables.ORDER, tables.ORDER_LINE, tables.PAYMENT):
            cursor.execute(f"ANALYZE {tables.db_table(model)}")
    return generated
