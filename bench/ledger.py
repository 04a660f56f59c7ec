"""Ledger posts: ``ledger.services.credit`` against a raw psycopg2 loop running the same
statement and commit, on tables of the same shape, in one run.

The raw loop works on copies of the ledger's account, entry, lot and lot-movement tables in a
schema of its own (``bench_raw``: ``LIKE ... INCLUDING ALL`` for columns, defaults, checks and
indexes, the unique idempotency key among them, plus the same deferred foreign keys), on its own
connection, with the very SQL text ``credit()`` sends (``ledger.services.CREDIT_SQL``, the table
names swapped) and the same parameters (``ledger.services.credit_parameters``) for a new key on
an existing account. ``statements_per_credit`` counts what ``credit()`` sends
(``CaptureQueriesContext``), and the bench refuses to compare if the raw loop's list is not as
long, so the two cannot drift apart.

Two shapes, each compared with the raw loop doing the same:

- ``alone``: ``credit()`` called outside any transaction (its one statement commits by itself, as
  in Django's autocommit); the raw connection in autocommit runs the statement.
- ``in a transaction``: ``credit()`` inside the caller's ``transaction.atomic()`` (as the inbox's
  handlers call it): BEGIN, the statement, COMMIT; the raw loop runs the statement and
  ``commit()``.

All four run in alternating blocks on the same accounts' customers, so a busy machine weighs on
each alike.
"""

from __future__ import annotations

import dataclasses
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
    from saleor_retention.ledger.models import LedgerEntry, LotMovement, LoyaltyAccount, PointLot

    return {
        "account": LoyaltyAccount._meta.db_table,
        "entry": LedgerEntry._meta.db_table,
        "lot": PointLot._meta.db_table,
        "movement": LotMovement._meta.db_table,
    }


def _create_copies(cursor: Any, users_table: str, schema: str) -> None:
    tables = _tables()
    cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    cursor.execute(f"CREATE SCHEMA {schema}")
    for short, table in tables.items():
        cursor.execute(f"CREATE TABLE {schema}.{short} (LIKE {table} INCLUDING ALL)")
    deferred = "DEFERRABLE INITIALLY DEFERRED"  # as Django declares its foreign keys
    cursor.execute(
        f"ALTER TABLE {schema}.account ADD FOREIGN KEY (customer_id) "
        f"REFERENCES {users_table} (id) {deferred}"
    )
    cursor.execute(
        f"ALTER TABLE {schema}.entry ADD FOREIGN KEY (account_id) "
        f"REFERENCES {schema}.account (id) {deferred}"
    )
    cursor.execute(
        f"ALTER TABLE {schema}.lot ADD FOREIGN KEY (account_id) "
        f"REFERENCES {schema}.account (id) {deferred}, ADD FOREIGN KEY (entry_id) "
        f"REFERENCES {schema}.entry (id) {deferred}"
    )
    cursor.execute(
        f"ALTER TABLE {schema}.movement ADD FOREIGN KEY (entry_id) "
        f"REFERENCES {schema}.entry (id) {deferred}, ADD FOREIGN KEY (lot_id) "
        f"REFERENCES {schema}.lot (id) {deferred}"
    )


def raw_statement(schema: str = RAW_SCHEMA) -> str:
    """credit()'s own statement (``ledger.services.CREDIT_SQL``), on the copies."""
    from saleor_retention.ledger.services import CREDIT_SQL

    sql = CREDIT_SQL
    for short, table in _tables().items():
        sql = sql.replace(f'"{table}"', f"{schema}.{short}")
    if '"' in sql:
        raise AssertionError(f"a table of credit() has no copy:\n{sql}")
    return sql


class RawLoop:
    """The raw loop on its own psycopg2 connection and the ``bench_raw`` copies; with
    ``in_transaction`` it commits explicitly, else its connection is in autocommit."""

    def __init__(self, run_id: str, customers: list[str], *, in_transaction: bool) -> None:
        import psycopg2
        from django.contrib.auth import get_user_model
        from django.db import connection

        self.run_id, self.customers, self.in_transaction = run_id, customers, in_transaction
        self.label = "tx" if in_transaction else "alone"
        self.schema = f"{RAW_SCHEMA}_{self.label}"
        self.samples: list[float] = []
        self.statements = 0  # executed by the timed posts
        self.raw = psycopg2.connect(**connection.get_connection_params())
        with self.raw.cursor() as cursor:
            _create_copies(cursor, get_user_model()._meta.db_table, self.schema)
            for customer in customers:
                cursor.execute(
                    f"INSERT INTO {self.schema}.account (customer_id, available_points, "
                    "pending_points, held_points, debt_points, lifetime_points, created_at, "
                    "updated_at) VALUES (%s, 0, 0, 0, 0, 0, now(), now())",
                    [customer],
                )
        self.raw.commit()
        self.raw.autocommit = not in_transaction
        self.sql = raw_statement(self.schema)

    def post(self, i: int, label: str) -> int:
        """A new key on an existing account, available at once, as ``credit()`` posts it."""
        from saleor_retention.ledger.services import credit_parameters

        now = datetime.now(UTC)
        parameters = credit_parameters(
            customer_id=self.customers[i % len(self.customers)],
            points=10,
            type="campaign_bonus",
            key=f"bench:{self.run_id}:{self.label}:{label}:{i}",
            now=now,
            expires_at=now + timedelta(days=365),
            reason="Benchmark",
        )
        with self.raw.cursor() as cursor:
            cursor.execute(self.sql, parameters)
            account_id, entry_id = cursor.fetchone()
        if account_id is None or entry_id is None:
            raise AssertionError("raw loop: the account is missing or the key already posted")
        if self.in_transaction:
            self.raw.commit()
        return 1  # statements sent, the commit not counted

    def timed_post(self, i: int) -> None:
        started = time.perf_counter()
        self.statements += self.post(i, "post")
        self.samples.append(time.perf_counter() - started)

    def close(self) -> RawResult:
        self.raw.autocommit = True
        with self.raw.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.raw.close()
        return RawResult(self.samples, self.statements // max(1, len(self.samples)))
