"""Ledger posts: ``ledger.services.credit`` against a raw psycopg2 loop running the same
statements and a commit, on tables of the same shape, in one run.

The raw loop works on copies of the ledger's account, entry and lot tables in a schema of its
own (``bench_raw``: ``LIKE ... INCLUDING ALL`` for columns, defaults, checks and indexes, plus the
same deferred foreign keys), on its own connection, with the very SQL text ``credit()`` sends
(``ledger.services.CREDIT_SQL``, the table names swapped) for a new key on an existing account. ``statements_per_credit`` counts what ``credit()`` sends
(``CaptureQueriesContext``), and the bench refuses to compare if the raw loop's list is not as
long, so the two cannot drift apart. The two run in alternating blocks on the same accounts'
customers, so a busy machine weighs on both alike.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

RAW_SCHEMA = "bench_raw"


@dataclasses.dataclass(frozen=True)
class RawResult:
    samples: list[float]
    statements: int  # per post, the commit not counted

    @property
    def per_second(self) -> float:
        return len(self.samples) / sum(self.samples)


def statements_per_credit(post: Callable[[], Any]) -> list[str]:
    """The SQL one ``credit()`` of a new key on an existing account sends (no commit)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        post()
    return [query["sql"] for query in captured.captured_queries]


def _tables() -> dict[str, str]:
    from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount, PointLot

    return {
        "account": LoyaltyAccount._meta.db_table,
        "entry": LedgerEntry._meta.db_table,
        "lot": PointLot._meta.db_table,
    }


def _create_copies(cursor: Any, users_table: str) -> None:
    tables = _tables()
    cursor.execute(f"DROP SCHEMA IF EXISTS {RAW_SCHEMA} CASCADE")
    cursor.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
    for short, table in tables.items():
        cursor.execute(f"CREATE TABLE {RAW_SCHEMA}.{short} (LIKE {table} INCLUDING ALL)")
    deferred = "DEFERRABLE INITIALLY DEFERRED"  # as Django declares its foreign keys
    cursor.execute(
        f"ALTER TABLE {RAW_SCHEMA}.account ADD FOREIGN KEY (customer_id) "
        f"REFERENCES {users_table} (id) {deferred}"
    )
    cursor.execute(
        f"ALTER TABLE {RAW_SCHEMA}.entry ADD FOREIGN KEY (account_id) "
        f"REFERENCES {RAW_SCHEMA}.account (id) {deferred}"
    )
    cursor.execute(
        f"ALTER TABLE {RAW_SCHEMA}.lot ADD FOREIGN KEY (account_id) "
        f"REFERENCES {RAW_SCHEMA}.account (id) {deferred}, ADD FOREIGN KEY (entry_id) "
        f"REFERENCES {RAW_SCHEMA}.entry (id) {deferred}"
    )


def raw_statements() -> dict[str, str]:
    """credit()'s own statements (``ledger.services.CREDIT_SQL``), on the copies."""
    from saleor_retention.ledger.services import CREDIT_SQL

    tables = _tables()
    copies = {}
    for name, sql in CREDIT_SQL.items():
        for short, table in tables.items():
            sql = sql.replace(f'"{table}"', f"{RAW_SCHEMA}.{short}")
        copies[name] = sql
    return copies


class RawLoop:
    """The raw loop on its own psycopg2 connection and the ``bench_raw`` copies."""

    def __init__(self, run_id: str, customers: list[str]) -> None:
        import psycopg2
        from django.contrib.auth import get_user_model
        from django.db import connection

        self.run_id, self.customers = run_id, customers
        self.samples: list[float] = []
        self.raw = psycopg2.connect(**connection.get_connection_params())
        with self.raw.cursor() as cursor:
            _create_copies(cursor, get_user_model()._meta.db_table)
            for customer in customers:
                cursor.execute(
                    f"INSERT INTO {RAW_SCHEMA}.account (customer_id, available_points, "
                    "pending_points, held_points, debt_points, lifetime_points, created_at, "
                    "updated_at) VALUES (%s, 0, 0, 0, 0, 0, now(), now())",
                    [customer],
                )
        self.raw.commit()
        self.details = json.dumps({})
        self.sql = raw_statements()

    def post(self, i: int, label: str) -> None:
        """A new key on an existing account, available at once, as ``credit()`` posts it."""
        sql, points = self.sql, 10
        with self.raw.cursor() as cursor:
            cursor.execute(sql["lock"], [self.customers[i % len(self.customers)]])
            account_id, debt = cursor.fetchone()
            key = f"bench:{self.run_id}:{label}:{i}"
            cursor.execute(sql["posted"], [key])
            if cursor.fetchone() is not None:
                raise AssertionError("raw loop: key already posted")
            now = datetime.now(UTC)
            values = [account_id, "campaign_bonus", points, key, "", "Benchmark", ""]
            cursor.execute(sql["entry"], [*values, self.details, now])
            entry_id = cursor.fetchone()[0]
            settled = min(debt, points)
            cursor.execute(
                sql["lot"],
                [account_id, entry_id, points, points - settled, "available", now]
                + [now + timedelta(days=365), now],
            )
            cursor.execute(sql["balances"], [0, points - settled, points, settled, account_id])
        self.raw.commit()

    def timed_post(self, i: int) -> None:
        started = time.perf_counter()
        self.post(i, "post")
        self.samples.append(time.perf_counter() - started)

    def close(self) -> RawResult:
        with self.raw.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {RAW_SCHEMA} CASCADE")
        self.raw.commit()
        self.raw.close()
        return RawResult(self.samples, len(self.sql))
