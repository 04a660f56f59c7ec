"""``make bench``: the plugin's performance targets, measured in one run on a dedicated database.

1. Ledger posts per second, single process: ``ledger.services.credit`` with distinct idempotency
   keys on a handful of accounts, then replays of keys already posted.
2. ``orderMarkAsPaid`` through Saleor's whole GraphQL stack with the retention plugin inactive and
   active, alternating blocks in the same run; target: median active / inactive <= 1.10.
3. ``me { loyalty { ... } }`` requests per second for a customer with a long history.

Everything goes to ``BENCH_DATABASE_URL`` (default ``saleor_retention_bench`` on the local
PostgreSQL), created if missing and migrated. Requests go through Django's test client with real
commits; without a broker Celery runs the plugin's tasks eagerly after commit, inside the request.
The results are printed and written to README.md between ``<!-- bench:start -->`` and
``<!-- bench:end -->`` (``BENCH_NO_README=1`` only prints). Each run adds fresh customers, orders
and ledger keys to that database; drop it to start over (its migrations follow the working tree).
"""

from __future__ import annotations

import dataclasses
import os
import platform
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saleor_retention_bench"
)
# The demo's, the tests' and other sessions' databases: never benchmark on them.
FORBIDDEN_DATABASES = {"saleor_retention", "test_saleor_retention", "srlead", "test_srlead"}

LEDGER_POSTS = 2_000
LEDGER_ACCOUNTS = 5
MARK_PAID_PER_STATE = 60
MARK_PAID_BLOCK = 10
MARK_PAID_WARMUP = 5  # per state, not counted
HISTORY_ENTRIES = 500
LOYALTY_SECONDS = 10.0
LOYALTY_MAX_REQUESTS = 3_000
MARK_PAID_TARGET = 1.10

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

LOYALTY_QUERY = "{ me { loyalty { points pendingPoints expiringPoints { points expiresAt } } } }"


def configure_environment() -> str:
    """Point Django at the benchmark's own database, before any settings are read."""
    name = urlparse(BENCH_DATABASE_URL).path.lstrip("/")
    if not name or name in FORBIDDEN_DATABASES:
        sys.exit(f"bench: refusing to run on database {name!r}; use a dedicated one")
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_retention_site.settings"
    os.environ["DEBUG"] = "False"  # no query log, as in production
    # No broker: Celery runs the plugin's tasks eagerly, after Saleor's commit, in the request.
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.pop("CLOUDAMQP_URL", None)
    return name


# --- statistics ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Timings:
    """Durations in seconds of single operations, in the order they ran."""

    samples: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18] * 1000

    @property
    def per_second(self) -> float:
        return len(self.samples) / sum(self.samples)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


# --- 1. ledger posts -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LedgerResult:
    posts: Timings
    replays: Timings
    accounts: int


def bench_ledger(run_id: str) -> LedgerResult:
    from saleor_retention import conf
    from saleor_retention.ledger import services
    from saleor_retention.ledger.models import EntryType, LedgerEntry, LoyaltyAccount
    from saleor_retention_site.store import create_customer

    settings = conf.load_settings()
    customers = [
        str(create_customer(f"bench.ledger.{run_id}.{n}@example.com").pk)
        for n in range(LEDGER_ACCOUNTS)
    ]

    def post(i: int, label: str) -> LedgerEntry:
        return services.credit(
            customer_id=customers[i % len(customers)],
            points=10,
            type=EntryType.CAMPAIGN_BONUS,
            key=f"bench:{run_id}:{label}:{i}",
            settings=settings,
            reason="Benchmark",
        )

    for i in range(20):  # warm-up: accounts created, connection and code paths warm
        post(i, "warmup")
    post_times, entry_ids = [], []
    for i in range(LEDGER_POSTS):
        seconds, entry = timed(lambda i=i: post(i, "post"))
        post_times.append(seconds)
        entry_ids.append(entry.pk)

    balances = dict(
        LoyaltyAccount.objects.filter(customer_id__in=customers).values_list(
            "pk", "available_points"
        )
    )
    replay_times = []
    for i in range(LEDGER_POSTS):
        seconds, entry = timed(lambda i=i: post(i, "post"))
        replay_times.append(seconds)
        if entry.pk != entry_ids[i]:
            raise AssertionError(f"replay {i} posted a new entry")
    after = dict(
        LoyaltyAccount.objects.filter(customer_id__in=customers).values_list(
            "pk", "available_points"
        )
    )
    if after != balances:
        raise AssertionError(f"replays changed balances: {balances} -> {after}")
    return LedgerResult(Timings(post_times), Timings(replay_times), len(customers))


# --- 2. orderMarkAsPaid, plugin inactive vs active -------------------------------------------


class TaskClock:
    """Wall time and queries spent inside the plugin's Celery tasks. Without a broker they run
    eagerly after Saleor's commit, inside the request; Celery's signals mark where each starts
    and ends, so the request's time can be split without touching the plugin."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0
        self._started: dict[str, tuple[float, int]] = {}

    def connect(self) -> None:
        from celery.signals import task_postrun, task_prerun

        task_prerun.connect(self._begin, weak=False)
        task_postrun.connect(self._end, weak=False)

    def reset(self) -> None:
        self.seconds, self.queries = 0.0, 0

    @staticmethod
    def _ours(task: Any) -> bool:
        return getattr(task, "name", "").startswith("saleor_retention.")

    @staticmethod
    def _logged_queries() -> int:
        from django.db import connection

        return len(connection.queries_log)  # grows only while queries are being captured

    def _begin(self, task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        if self._ours(task):
            self._started[task_id] = (time.perf_counter(), self._logged_queries())

    def _end(self, task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        started = self._started.pop(task_id, None)
        if started is not None:
            self.seconds += time.perf_counter() - started[0]
            self.queries += self._logged_queries() - started[1]


@dataclasses.dataclass(frozen=True)
class MarkPaidResult:
    inactive: Timings
    active: Timings
    active_in_tasks: Timings  # the part of each active call spent in the plugin's eager tasks
    block: int
    events_active: int
    queries_inactive: int
    queries_active: int
    queries_active_in_tasks: int

    @property
    def active_outside_tasks(self) -> Timings:
        return Timings(
            [t - k for t, k in zip(self.active.samples, self.active_in_tasks.samples, strict=True)]
        )

    @property
    def median_ratio(self) -> float:
        return self.active.median_ms / self.inactive.median_ms

    @property
    def p95_ratio(self) -> float:
        return self.active.p95_ms / self.inactive.p95_ms

    @property
    def outside_tasks_ratio(self) -> float:
        return self.active_outside_tasks.median_ms / self.inactive.median_ms


def bench_mark_as_paid(driver, run_id: str) -> MarkPaidResult:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from saleor_retention.inbox.models import PluginEvent
    from saleor_retention.ledger.models import LedgerEntry
    from saleor_retention_site.driver import pk_of

    customer = driver.account_register(f"bench.orders.{run_id}@example.com")
    # warm-up and timed calls for each state, plus one per state to count queries
    total = 2 * (MARK_PAID_WARMUP + MARK_PAID_PER_STATE + 1)
    orders = []
    for _ in range(total):
        order_id = driver.draft_order_create(customer_id=customer)
        completed = driver.draft_order_complete(order_id)["order"]
        if completed["isPaid"]:
            raise AssertionError(f"draft order {order_id} is already paid")
        orders.append(order_id)

    current: list[bool] = []
    tasks = TaskClock()
    tasks.connect()

    def mark(active: bool) -> tuple[float, float, str]:
        """Switch the plugin if needed (untimed), then time one orderMarkAsPaid; returns its
        seconds, the seconds spent in the plugin's tasks during it, and the order's pk."""
        if current != [active]:
            driver.plugin_update(active=active)
            current[:] = [active]
        tasks.reset()
        seconds, payload = timed(lambda: driver.order_mark_as_paid(orders.pop()))
        if not payload["order"]["isPaid"]:
            raise AssertionError("orderMarkAsPaid left the order unpaid")
        return seconds, tasks.seconds, pk_of(payload["order"]["id"])

    for _ in range(MARK_PAID_WARMUP):
        mark(False)
        mark(True)
    samples: dict[bool, list[float]] = {True: [], False: []}
    in_tasks: list[float] = []
    marked: dict[bool, list[str]] = {True: [], False: []}
    # ABBA blocks (off, on, on, off, ...): a slow drift over the run weighs on both states alike.
    pattern = [False, True, True, False]
    for n in range(2 * MARK_PAID_PER_STATE // MARK_PAID_BLOCK):
        active = pattern[n % len(pattern)]
        for _ in range(MARK_PAID_BLOCK):
            seconds, task_seconds, order_pk = mark(active)
            samples[active].append(seconds)
            marked[active].append(order_pk)
            if active:
                in_tasks.append(task_seconds)
            elif task_seconds:
                raise AssertionError("the plugin's tasks ran while it was inactive")

    queries: dict[bool, int] = {}
    task_queries: dict[bool, int] = {}
    for active in (False, True):  # untimed: recording queries slows them down
        with CaptureQueriesContext(connection) as captured:
            _, _, order_pk = mark(active)
        queries[active] = len(captured.captured_queries)
        task_queries[active] = tasks.queries
        marked[active].append(order_pk)

    def paid_events(order_pks: list[str]) -> int:
        return PluginEvent.objects.filter(
            kind="order_paid", object_id__in=order_pks, status=PluginEvent.Status.DONE
        ).count()

    events_active, events_inactive = paid_events(marked[True]), paid_events(marked[False])
    earned = LedgerEntry.objects.filter(
        idempotency_key__in=[f"earn:order:{pk}" for pk in marked[True]]
    ).count()
    if events_active != len(marked[True]) or earned != len(marked[True]):
        raise AssertionError(
            f"plugin active: {events_active} order_paid events done and {earned} earn entries "
            f"for {len(marked[True])} orders"
        )
    if events_inactive:
        raise AssertionError(f"plugin inactive, yet {events_inactive} order_paid events")
    driver.plugin_update(active=True)
    return MarkPaidResult(
        inactive=Timings(samples[False]),
        active=Timings(samples[True]),
        active_in_tasks=Timings(in_tasks),
        block=MARK_PAID_BLOCK,
        events_active=events_active,
        queries_inactive=queries[False],
        queries_active=queries[True],
        queries_active_in_tasks=task_queries[True],
    )


# --- 3. me.loyalty ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoyaltyResult:
    requests: Timings
    elapsed: float
    entries: int
    lots: int
    expiry_groups: int

    @property
    def per_second(self) -> float:
        return len(self.requests.samples) / self.elapsed


def bench_loyalty(driver, run_id: str) -> LoyaltyResult:
    from saleor_retention import conf
    from saleor_retention.ledger import services
    from saleor_retention.ledger.models import EntryType, LedgerEntry, PointLot
    from saleor_retention_site.store import CUSTOMER_PASSWORD, create_customer

    email = f"bench.history.{run_id}@example.com"
    customer_id = str(create_customer(email).pk)
    base = conf.load_settings()
    # A long history: every 5th credit still pending (earned on an order), the others available
    # and spread over 12 expiry dates, so expiringPoints has a full list to group.
    available = pending = 0
    for i in range(HISTORY_ENTRIES):
        points = 5 + i % 20
        is_pending = i % 5 == 0
        services.credit(
            customer_id=customer_id,
            points=points,
            type=EntryType.EARN if is_pending else EntryType.CAMPAIGN_BONUS,
            key=f"bench:{run_id}:history:{i}",
            settings=dataclasses.replace(base, points_expiry_months=1 + i % 12),
            pending_days=14 if is_pending else 0,
            reason="Benchmark history",
        )
        pending += points if is_pending else 0
        available += 0 if is_pending else points
    entries = LedgerEntry.objects.filter(account__customer_id=customer_id).count()
    lots = PointLot.objects.filter(account__customer_id=customer_id).count()

    token = driver.token_create(email, CUSTOMER_PASSWORD)
    loyalty = driver.query(LOYALTY_QUERY, token=token)["me"]["loyalty"]
    if (loyalty["points"], loyalty["pendingPoints"]) != (available, pending):
        raise AssertionError(f"me.loyalty answered {loyalty}, expected {available}/{pending}")
    if sum(group["points"] for group in loyalty["expiringPoints"]) != available:
        raise AssertionError(f"expiringPoints do not add up: {loyalty['expiringPoints']}")

    for _ in range(20):  # warm-up
        driver.query(LOYALTY_QUERY, token=token)
    samples: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < LOYALTY_SECONDS and len(samples) < LOYALTY_MAX_REQUESTS:
        seconds, _ = timed(lambda: driver.query(LOYALTY_QUERY, token=token))
        samples.append(seconds)
    elapsed = time.perf_counter() - start
    return LoyaltyResult(
        Timings(samples), elapsed, entries, lots, expiry_groups=len(loyalty["expiringPoints"])
    )


# --- report ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    from importlib.metadata import version

    from django.db import connection

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "python": platform.python_version(),
        "saleor": version("saleor"),
        "postgres": postgres,
    }


def report(
    *,
    database: str,
    ledger: LedgerResult,
    paid: MarkPaidResult,
    loyalty: LoyaltyResult,
    host: dict[str, str],
    duration: float,
) -> str:
    met = paid.median_ratio <= MARK_PAID_TARGET
    verdict = "**met**" if met else "**not met**"
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Last run: {today}, `make bench` (`.venv/bin/python -m bench.run`), {duration:.0f} s, "
        f"on {host['nproc']} cores ({host['cpu']}), Python {host['python']}, "
        f"Saleor {host['saleor']}, PostgreSQL {host['postgres']} on the same machine, "
        f"database `{database}`. One process, one connection, DEBUG off; requests go through "
        "Django's test client (URL conf, middleware, Saleor's GraphQL view; no HTTP server) "
        "with real commits.",
        "",
        "| measure | samples | result | median | p95 |",
        "|---|---:|---:|---:|---:|",
        f"| ledger `credit()`, new idempotency keys, {ledger.accounts} accounts "
        f"| {len(ledger.posts.samples):,} | {ledger.posts.per_second:,.0f} posts/s "
        f"| {ledger.posts.median_ms:.2f} ms | {ledger.posts.p95_ms:.2f} ms |",
        f"| ledger `credit()`, replay of a posted key "
        f"| {len(ledger.replays.samples):,} | {ledger.replays.per_second:,.0f} replays/s "
        f"| {ledger.replays.median_ms:.2f} ms | {ledger.replays.p95_ms:.2f} ms |",
        f"| `orderMarkAsPaid`, plugin inactive | {len(paid.inactive.samples)} "
        f"| {paid.inactive.per_second:.1f} req/s "
        f"| {paid.inactive.median_ms:.1f} ms | {paid.inactive.p95_ms:.1f} ms |",
        f"| `orderMarkAsPaid`, plugin active | {len(paid.active.samples)} "
        f"| {paid.active.per_second:.1f} req/s "
        f"| {paid.active.median_ms:.1f} ms | {paid.active.p95_ms:.1f} ms |",
        f"| `orderMarkAsPaid`, active / inactive | | target ≤ {MARK_PAID_TARGET:.2f}: {verdict} "
        f"| {paid.median_ratio:.2f}× | {paid.p95_ratio:.2f}× |",
        f"| of the active call: the plugin's eager Celery tasks | {len(paid.active.samples)} | "
        f"| {paid.active_in_tasks.median_ms:.1f} ms | {paid.active_in_tasks.p95_ms:.1f} ms |",
        f"| of the active call: the rest (Saleor + the plugin's hooks) "
        f"| {len(paid.active.samples)} | {paid.outside_tasks_ratio:.2f}× inactive (median) "
        f"| {paid.active_outside_tasks.median_ms:.1f} ms "
        f"| {paid.active_outside_tasks.p95_ms:.1f} ms |",
        f"| `me {{ loyalty {{ points pendingPoints expiringPoints }} }}`, "
        f"{loyalty.entries} entries | {len(loyalty.requests.samples):,} "
        f"| {loyalty.per_second:,.1f} req/s "
        f"| {loyalty.requests.median_ms:.1f} ms | {loyalty.requests.p95_ms:.1f} ms |",
        "",
        f"- Ledger: each `credit()` is its own transaction (account row lock, idempotency "
        f"check, entry, lot, balance update) on {ledger.accounts} accounts in turn; the replays "
        "post the same keys again, which only locks the account and finds the entry (balances "
        "are checked unchanged).",
        f"- `orderMarkAsPaid`: staff mark a completed draft order (a registered customer's) as "
        f"paid; {len(paid.inactive.samples)} calls with the plugin inactive and "
        f"{len(paid.active.samples)} active, in alternating blocks of {paid.block} "
        "(off, on, on, off, ...) after a warm-up, switched with `pluginUpdate`. With the plugin "
        "active the time includes the hooks recording `order_paid` in Saleor's transaction "
        "**and** the Celery task, which runs eagerly after commit inside the same request "
        "(no broker here), earning the points: with a broker that part leaves the request. "
        f"Every active call ({paid.events_active}, the counted one included) left a processed "
        "`order_paid` event and an "
        "earn entry; the inactive ones none. Database queries per call (counted on one more "
        f"untimed call each): {paid.queries_inactive} inactive, {paid.queries_active} active, "
        f"of which {paid.queries_active_in_tasks} in the tasks. The split of the active time "
        "comes from Celery's `task_prerun`/`task_postrun` signals around the plugin's tasks; "
        "the target is judged on the whole request as measured, tasks included.",
        f"- `me.loyalty`: one shopper (JWT from `tokenCreate`) with {loyalty.entries} ledger "
        f"entries and {loyalty.lots} lots ({loyalty.expiry_groups} expiry dates), requests "
        f"one after another for {LOYALTY_SECONDS:.0f} s; req/s is sequential throughput of one "
        "process.",
    ]
    return "\n".join(lines)


def write_readme(section: str) -> None:
    """Replace what is between the markers, or add a Benchmarks section at the end."""
    text = README.read_text()
    block = f"{START}\n{section}\n{END}"
    if START in text and END in text:
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        heading = re.search(r"^## Benchmarks[ \t]*\n", text, re.M)
        if heading:  # a hand-written section without markers: replace it up to the next one
            following = re.search(r"^## ", text[heading.end() :], re.M)
            stop = heading.end() + following.start() if following else len(text)
            tail = text[stop:]
            text = text[: heading.end()] + "\n" + block + "\n" + ("\n" + tail if tail else "")
        else:
            text = text.rstrip("\n") + "\n\n## Benchmarks\n\n" + block + "\n"
    README.write_text(text)


def main() -> int:
    database = configure_environment()
    started = time.perf_counter()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from saleor_retention_site.demo import ensure_database
    from saleor_retention_site.driver import SaleorDriver
    from saleor_retention_site.store import build_store

    ensure_database()
    print(f"bench: migrating {database} (the first run takes about half a minute)...")
    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.sites.models import Site

    Site.objects.clear_cache()  # as in demo.py: forget the data migration's historical Site

    store = build_store()
    driver = SaleorDriver(store, client=Client(HTTP_HOST="localhost"))
    driver.plugin_update(
        active=True, signup_bonus="0", pending_days="14", points_per_currency_unit="USD:1"
    )
    run_id = uuid.uuid4().hex[:10]  # fresh customers and keys on every run; old rows stay

    print(f"bench: 1/3 ledger, {LEDGER_POSTS:,} posts and {LEDGER_POSTS:,} replays...")
    ledger = bench_ledger(run_id)
    print(f"bench: 2/3 orderMarkAsPaid, {MARK_PAID_PER_STATE} calls each with the plugin off/on...")
    paid = bench_mark_as_paid(driver, run_id)
    print(f"bench: 3/3 me.loyalty for {LOYALTY_SECONDS:.0f} s, {HISTORY_ENTRIES} entries...")
    loyalty = bench_loyalty(driver, run_id)

    section = report(
        database=database,
        ledger=ledger,
        paid=paid,
        loyalty=loyalty,
        host=machine(),
        duration=time.perf_counter() - started,
    )
    print()
    print(section)
    if os.environ.get("BENCH_NO_README") != "1":
        write_readme(section)
        print(f"\nbench: wrote the Benchmarks section of {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
