"""``make bench``: the plugin's performance targets, measured in one run on a dedicated database.

1. Ledger posts per second, single process: ``ledger.services.credit`` with distinct idempotency
   keys on a handful of accounts, then replays of keys already posted.
2. ``orderMarkAsPaid`` through Saleor's whole GraphQL stack with the retention plugin inactive and
   active, alternating blocks in the same run, in two shapes: the production shape (Celery on a
   Redis broker, ``BENCH_BROKER_URL``, default database 14, purged first, with a real
   ``celery worker --pool=solo`` started here processing the tasks; only the request is timed,
   then every event is awaited and checked) and no broker (eager: the plugin's task runs after
   commit inside the request). Target, judged on the production shape: median active / inactive
   <= 1.10; the eager numbers are reported beside it.
3. ``me { loyalty { ... } }`` requests per second for a customer with a long history, in
   alternating blocks with ``me { email firstName }`` for the same shopper (the baseline: Saleor's
   own stack); target: at least 0.90x the baseline's req/s. The review pages (bench/reviews.py)
   measure the rated category page beside the plain one the same way; target: at most 1.10x.
   ``BENCH_ONLY=loyalty,reviews`` runs only those two and prints their ratios.
6. Customer insight (``bench/insight.py``, in a process of its own on its own database): the
   full and nightly rebuilds, the naive per-customer ORM loop on a slice and the ratio, the
   one-customer update on an order event, each analytics figure, at a default size that takes
   about two minutes (``BENCH_INSIGHT_CUSTOMERS`` / ``_ORDERS`` / ``_SLICE`` /
   ``_DATABASE_URL`` for the issue's 1,000,000 / 5,000,000). ``BENCH_ONLY=insight`` runs it alone.

Everything goes to ``BENCH_DATABASE_URL`` (default ``saleor_retention_bench`` on the local
PostgreSQL), created if missing and migrated. Requests go through Django's test client with real
commits; outside the production shape's block there is no broker and Celery runs the plugin's
tasks eagerly after commit, inside the request.
The results are printed and written to README.md between ``<!-- bench:start -->`` and
``<!-- bench:end -->`` (``BENCH_NO_README=1`` only prints). Each run adds fresh customers, orders
and ledger keys to that database; drop it to start over (its migrations follow the working tree).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.cards import QUEUE_CARDS, SINGLE_CARDS, CardsResult, bench_cards
from bench.insight import report_lines as insight_report_lines
from bench.insight import run_subprocess as bench_insight
from bench.ledger import RawLoop, RawResult, statements_per_credit
from bench.reviews import HISTOGRAM_FIELDS, REVIEWS_TARGET, ReviewsResult, bench_reviews

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saleor_retention_bench"
)
# The demo's, the tests' and other sessions' databases: never benchmark on them.
FORBIDDEN_DATABASES = {"saleor_retention", "test_saleor_retention", "srlead", "test_srlead"}
# The production shape's broker: a Redis database of the bench's own (purged at the start); the
# tests use 15.
BENCH_BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
CELERY = Path(sys.executable).with_name("celery")
WORKER_START_TIMEOUT = 60.0
WORKER_DRAIN_TIMEOUT = 60.0
WORKER_STOP_TIMEOUT = 20.0

LEDGER_POSTS = int(os.environ.get("BENCH_LEDGER_POSTS", "2000"))
LEDGER_ACCOUNTS = 5
LEDGER_BLOCK = 100  # posts per block when credit() and the raw loop alternate
MARK_PAID_PER_STATE = 160  # the difference is a few ms in a noisy VM: many samples per state
MARK_PAID_BLOCK = 10
MARK_PAID_WARMUP = 5  # per state, not counted
HISTORY_ENTRIES = 500
LOYALTY_SECONDS = 10.0
LOYALTY_MAX_REQUESTS = 3_000
MARK_PAID_TARGET = 1.10
# "1": the worker runs beside the timed requests on the same cores (it competes for CPU as the
# events pile up); "0": it starts after the timed part and drains the queue, as when workers run
# on their own machine.
WORKER_DURING_TIMING = os.environ.get("BENCH_WORKER_DURING", "1") == "1"

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

LOYALTY_QUERY = "{ me { loyalty { points pendingPoints expiringPoints { points expiresAt } } } }"
# The same shopper, client and view without the plugin's fields: what Saleor's own stack costs.
ME_BASELINE_QUERY = "{ me { email firstName } }"
# The same number of resolved fields as the loyalty answer (me, loyalty, points, pendingPoints,
# expiringPoints and 12 groups of 2: 29), all of them Saleor's own scalars on ``me``: what
# Saleor's executor charges for a query of that size before the plugin does anything. Aliases, at most 4 of a field (the plugin's query limits allow 10).
SAME_SHAPE_FIELDS = ("email", "firstName", "lastName", "isStaff", "isActive", "dateJoined", "id")
ME_SAME_SHAPE_QUERY = (
    "{ me { "
    + " ".join(f"{name}{i}: {name}" for i in range(4) for name in SAME_SHAPE_FIELDS)
    + " } }"
)
LOYALTY_TARGET = 0.90  # loyalty req/s at least this share of the baseline's
LOYALTY_BLOCK = 25  # requests per block, the two queries alternating block by block


def configure_environment() -> str:
    """Point Django at the benchmark's own database, before any settings are read."""
    name = urlparse(BENCH_DATABASE_URL).path.lstrip("/")
    if not name or name in FORBIDDEN_DATABASES:
        sys.exit(f"bench: refusing to run on database {name!r}; use a dedicated one")
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_retention_site.settings"
    os.environ["DEBUG"] = "False"  # no query log, as in production
    # No broker by default: Celery runs the plugin's tasks eagerly, after Saleor's commit, in the
    # request. The production shape of orderMarkAsPaid switches to BENCH_BROKER_URL for its block.
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
    posts: Timings  # credit() alone: its one statement commits by itself
    replays: Timings
    accounts: int
    statements: list[str]  # what one credit() of a new key sends
    raw: RawResult  # the same statement through psycopg2 alone, in autocommit
    tx_posts: Timings  # credit() inside transaction.atomic(): BEGIN, the statement, COMMIT
    tx_raw: RawResult  # the same statement and commit()

    @property
    def ratio(self) -> float:
        return self.posts.per_second / self.raw.per_second

    @property
    def tx_ratio(self) -> float:
        return self.tx_posts.per_second / self.tx_raw.per_second


def bench_ledger(run_id: str) -> LedgerResult:
    from django.db import transaction

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

    def post_in_transaction(i: int, label: str) -> LedgerEntry:
        with transaction.atomic():
            return post(i, label)

    for i in range(20):  # warm-up: accounts created, connection and code paths warm
        post(i, "warmup")
        post_in_transaction(i, "warmup-tx")
    statements = statements_per_credit(lambda: post(0, "count"))
    raw_loop = RawLoop(run_id, customers, in_transaction=False)
    tx_raw_loop = RawLoop(run_id, customers, in_transaction=True)
    for i in range(20):
        raw_loop.post(i, "warmup")
        tx_raw_loop.post(i, "warmup")
    post_times, tx_post_times, entry_ids = [], [], []
    for i in range(
        LEDGER_POSTS
    ):  # alternating blocks: raw, credit(), raw in a tx, credit() in a tx
        if i % LEDGER_BLOCK == 0:
            block = range(i, min(i + LEDGER_BLOCK, LEDGER_POSTS))
            for j in block:
                raw_loop.timed_post(j)
            for j in block:
                seconds, entry = timed(lambda j=j: post(j, "post"))
                post_times.append(seconds)
                entry_ids.append(entry.pk)
            for j in block:
                tx_raw_loop.timed_post(j)
            for j in block:
                seconds, _entry = timed(lambda j=j: post_in_transaction(j, "post-tx"))
                tx_post_times.append(seconds)
    raw, tx_raw = raw_loop.close(), tx_raw_loop.close()
    for loop in (raw, tx_raw):
        if loop.statements != len(statements):
            raise AssertionError(
                f"the raw loop runs {loop.statements} statements, credit() {len(statements)}:\n"
                + "\n".join(statements)
            )

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
    return LedgerResult(
        Timings(post_times),
        Timings(replay_times),
        len(customers),
        statements,
        raw,
        Timings(tx_post_times),
        tx_raw,
    )


# --- 2. orderMarkAsPaid, plugin inactive vs active, with and without a broker ----------------


class TaskClock:
    """Wall time and queries spent inside the plugin's Celery tasks *in this process*. Without a
    broker they run eagerly after Saleor's commit, inside the request; Celery's signals mark where
    each starts and ends, so the request's time can be split without touching the plugin. With a
    broker they run in the worker and this clock must stay at zero."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0
        self._started: dict[str, tuple[float, int]] = {}

    def connect(self) -> None:
        from celery.signals import task_postrun, task_prerun

        task_prerun.connect(self._begin, weak=False)
        task_postrun.connect(self._end, weak=False)

    def disconnect(self) -> None:
        from celery.signals import task_postrun, task_prerun

        task_prerun.disconnect(self._begin)
        task_postrun.disconnect(self._end)

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


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[str]:
    """Point this process's Celery at a broker for the block; yields the default queue's name.

    Saleor configures Celery from Django settings with the CELERY_ namespace, so those keys are
    overridden; Celery caches its connection and producer pools, so they are dropped on the way
    in and out. The broker's Redis database is the bench's own and is purged first.
    """
    from saleor.celeryconf import app

    def forget_connections() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    overrides = {"CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": url}
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    forget_connections()
    try:
        if app.conf.task_always_eager or app.conf.broker_url != url:
            raise AssertionError(f"Celery still eager or on {app.conf.broker_url!r}")
        app.control.purge()
        yield app.conf.task_default_queue
    finally:
        app.close()
        app.conf.update(saved)
        forget_connections()


TASK_SUCCEEDED = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([0-9.eE+-]+)s")


class CeleryWorker:
    """A real ``celery -A saleor.celeryconf:app worker --pool=solo`` on the bench's database and
    broker, as a store runs one; its log goes to a temporary file (a pipe nobody reads could fill
    up and block it)."""

    def __init__(self, *, queue: str, broker_url: str) -> None:
        self.queue, self.broker_url = queue, broker_url
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self.returncode: int | None = None
        self.stopped_by: str = ""

    def start(self) -> None:
        handle, name = tempfile.mkstemp(prefix="bench-celery-worker-", suffix=".log")
        self.log_path = Path(name)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
            "DATABASE_URL": BENCH_DATABASE_URL,
            "CELERY_BROKER_URL": self.broker_url,
        }
        with os.fdopen(handle, "wb") as log:
            self.process = subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    "saleor.celeryconf:app",
                    "worker",
                    "--pool=solo",
                    "-Q",
                    self.queue,
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while " ready." not in self.log():
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited at start:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery worker not ready in time:\n{self.log()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM (Celery's warm shutdown), then kill if it has not exited in time."""
        if self.process is None or self.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        self.stopped_by = "SIGTERM"
        try:
            self.returncode = self.process.wait(timeout=WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.stopped_by = "SIGKILL after SIGTERM timed out"
            self.returncode = self.process.wait()

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def task_seconds(self) -> list[float]:
        """How long each of the plugin's dispatch tasks took, as the worker logged it."""
        return [
            float(seconds)
            for name, seconds in TASK_SUCCEEDED.findall(self.log())
            if name == "saleor_retention.dispatch"
        ]

    def other_tasks(self) -> dict[str, int]:
        """Tasks that are not the plugin's (Saleor's own), by name: how many succeeded."""
        counts: dict[str, int] = {}
        for name, _ in TASK_SUCCEEDED.findall(self.log()):
            if not name.startswith("saleor_retention."):
                counts[name] = counts.get(name, 0) + 1
        return counts

    def remove_log(self) -> None:
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)


@dataclasses.dataclass(frozen=True)
class WorkerReport:
    """What the worker did in the production shape (its time is not in the requests')."""

    task_seconds: Timings  # each dispatch task, as the worker logged it
    recorded_to_done: Timings  # PluginEvent created_at -> processed_at, the timed active calls
    caught_up_seconds: float  # from the last request until every active call's event was done
    stopped_by: str
    returncode: int | None
    other_tasks: dict[str, int]  # Saleor's own tasks the worker ran, by name


@dataclasses.dataclass(frozen=True)
class MarkPaidResult:
    shape: str  # "broker" (Redis and a real worker) or "eager" (no broker)
    inactive: Timings
    active: Timings
    active_in_tasks: Timings  # the part of each active call spent in the plugin's tasks in-process
    block: int
    events_active: int
    queries_inactive: int
    queries_active: int
    queries_active_in_tasks: int
    worker: WorkerReport | None = None

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


def bench_mark_as_paid(driver, run_id: str, *, broker_url: str | None) -> MarkPaidResult:
    """One shape: ``broker_url`` set is the production shape (Celery on that broker, a real
    worker started here processes the tasks, only the request is timed); ``None`` is eager."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from saleor_retention.inbox.models import PluginEvent
    from saleor_retention.ledger.models import LedgerEntry
    from saleor_retention_site.driver import pk_of

    shape = "broker" if broker_url else "eager"
    customer = driver.account_register(f"bench.orders.{shape}.{run_id}@example.com")
    # warm-up and timed calls for each state, plus one per state to count queries. Made before
    # any broker is used: their own events are processed eagerly here, so the worker starts with
    # an empty queue and only the measured calls' tasks.
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

    def mark(active: bool) -> tuple[float, float, str]:
        """Switch the plugin if needed (untimed), then time one orderMarkAsPaid; returns its
        seconds, the seconds spent in the plugin's tasks in this process, and the order's pk."""
        if current != [active]:
            driver.plugin_update(active=active)
            current[:] = [active]
        tasks.reset()
        seconds, payload = timed(lambda: driver.order_mark_as_paid(orders.pop()))
        if not payload["order"]["isPaid"]:
            raise AssertionError("orderMarkAsPaid left the order unpaid")
        if broker_url and tasks.seconds:
            raise AssertionError("with a broker, a plugin task ran inside the request")
        return seconds, tasks.seconds, pk_of(payload["order"]["id"])

    def paid_events(order_pks: list[str]):
        return PluginEvent.objects.filter(kind="order_paid", object_id__in=order_pks)

    samples: dict[bool, list[float]] = {True: [], False: []}
    in_tasks: list[float] = []
    marked: dict[bool, list[str]] = {True: [], False: []}
    queries: dict[bool, int] = {}
    task_queries: dict[bool, int] = {}
    worker: CeleryWorker | None = None
    worker_report: WorkerReport | None = None
    with contextlib.ExitStack() as stack:
        stack.callback(tasks.disconnect)
        tasks.connect()
        if broker_url:
            queue = stack.enter_context(celery_broker(broker_url))
            worker = CeleryWorker(queue=queue, broker_url=broker_url)
            stack.callback(worker.stop)
            if WORKER_DURING_TIMING:
                worker.start()

        for _ in range(MARK_PAID_WARMUP):
            mark(False)
            mark(True)
        # ABBA blocks (off, on, on, off, ...): a slow drift weighs on both states alike.
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

        for active in (False, True):  # untimed: recording queries slows them down
            if current != [active]:  # switch first: pluginUpdate's queries are not the call's
                driver.plugin_update(active=active)
                current[:] = [active]
            with CaptureQueriesContext(connection) as captured:
                _, _, order_pk = mark(active)
            queries[active] = len(captured.captured_queries)  # the request's own (and eager tasks')
            task_queries[active] = tasks.queries
            marked[active].append(order_pk)
        last_request = time.perf_counter()

        if worker is not None and not WORKER_DURING_TIMING:
            worker.start()  # tasks waited in Redis; the worker drains them now
        if worker is not None:
            # The timed part is over: wait for the worker to process every active call's event.
            deadline = time.monotonic() + WORKER_DRAIN_TIMEOUT
            events = paid_events(marked[True])
            while True:
                failed = events.filter(status=PluginEvent.Status.FAILED).first()
                if failed is not None:
                    raise AssertionError(f"the worker failed an event: {failed.last_error}")
                done = events.filter(status=PluginEvent.Status.DONE).count()
                if done == len(marked[True]):
                    break
                if time.monotonic() > deadline or worker.process.poll() is not None:
                    raise AssertionError(
                        f"{done} order_paid events done for {len(marked[True])} active calls "
                        f"after {WORKER_DRAIN_TIMEOUT:.0f} s; worker log {worker.log_path}:\n"
                        f"{worker.log()[-3000:]}"
                    )
                time.sleep(0.05)
            caught_up = time.perf_counter() - last_request
            timed_pks = set(marked[True][:-1])  # the query-counting call is not timed
            lags = [
                (processed - created).total_seconds()
                for pk, created, processed in events.values_list(
                    "object_id", "created_at", "processed_at"
                )
                if pk in timed_pks
            ]
            worker.stop()
            worker_tasks = worker.task_seconds()
            if len(worker_tasks) < len(marked[True]):
                raise AssertionError(
                    f"the worker logged {len(worker_tasks)} dispatch tasks for "
                    f"{len(marked[True])} active calls:\n{worker.log()[-3000:]}"
                )
            worker_report = WorkerReport(
                task_seconds=Timings(worker_tasks),
                recorded_to_done=Timings(lags),
                caught_up_seconds=caught_up,
                stopped_by=worker.stopped_by,
                returncode=worker.returncode,
                other_tasks=worker.other_tasks(),
            )
            worker.remove_log()

    events_active = paid_events(marked[True]).filter(status=PluginEvent.Status.DONE).count()
    events_inactive = paid_events(marked[False]).count()
    earned = LedgerEntry.objects.filter(
        idempotency_key__in=[f"earn:order:{pk}" for pk in marked[True]]
    ).count()
    if events_active != len(marked[True]) or earned != len(marked[True]):
        raise AssertionError(
            f"plugin active ({shape}): {events_active} order_paid events done and {earned} earn "
            f"entries for {len(marked[True])} orders"
        )
    if events_inactive:
        raise AssertionError(f"plugin inactive ({shape}), yet {events_inactive} order_paid events")
    driver.plugin_update(active=True)
    return MarkPaidResult(
        shape=shape,
        inactive=Timings(samples[False]),
        active=Timings(samples[True]),
        active_in_tasks=Timings(in_tasks),
        block=MARK_PAID_BLOCK,
        events_active=events_active,
        queries_inactive=queries[False],
        queries_active=queries[True],
        queries_active_in_tasks=task_queries[True],
        worker=worker_report,
    )


# --- 3. me.loyalty ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoyaltyResult:
    requests: Timings
    baseline: Timings  # me { email firstName }, interleaved with the loyalty requests
    entries: int
    lots: int
    expiry_groups: int
    # me with 28 of Saleor's own fields (as many resolved fields as the loyalty answer), and the
    # bench process's CPU time of each request (Django, Saleor's view and executor, the plugin;
    # not PostgreSQL's), which the machine's load moves far less than wall time
    same_shape: Timings
    cpu: dict[str, Timings]

    @property
    def per_second(self) -> float:
        return self.requests.per_second

    @property
    def ratio(self) -> float:
        """Loyalty req/s as a share of the baseline's (the target: at least LOYALTY_TARGET)."""
        return self.requests.per_second / self.baseline.per_second

    @property
    def met(self) -> bool:
        return self.ratio >= LOYALTY_TARGET

    @property
    def same_shape_ratio(self) -> float:
        """Loyalty req/s as a share of the same-shape baseline's (shown, not judged)."""
        return self.requests.per_second / self.same_shape.per_second


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
    if driver.query(ME_BASELINE_QUERY, token=token)["me"]["email"] != email:
        raise AssertionError("the baseline query answered for someone else")

    if driver.query(ME_SAME_SHAPE_QUERY, token=token)["me"]["email0"] != email:
        raise AssertionError("the same-shape query answered for someone else")

    queries = (LOYALTY_QUERY, ME_BASELINE_QUERY, ME_SAME_SHAPE_QUERY)
    for _ in range(20):  # warm-up, every query
        for query in queries:
            driver.query(query, token=token)
    measured: dict[str, list[float]] = {query: [] for query in queries}
    cpu: dict[str, list[float]] = {query: [] for query in queries}
    start = time.perf_counter()
    # Alternating blocks, so drift in the machine's load weighs on every side alike.
    while time.perf_counter() - start < 3 * LOYALTY_SECONDS and (
        len(measured[LOYALTY_QUERY]) < LOYALTY_MAX_REQUESTS
    ):
        for query in queries:
            for _ in range(LOYALTY_BLOCK):
                cpu_start = time.process_time()
                seconds, _ = timed(lambda query=query: driver.query(query, token=token))
                cpu[query].append(time.process_time() - cpu_start)
                measured[query].append(seconds)
    return LoyaltyResult(
        Timings(measured[LOYALTY_QUERY]),
        Timings(measured[ME_BASELINE_QUERY]),
        entries,
        lots,
        expiry_groups=len(loyalty["expiringPoints"]),
        same_shape=Timings(measured[ME_SAME_SHAPE_QUERY]),
        cpu={
            "loyalty": Timings(cpu[LOYALTY_QUERY]),
            "baseline": Timings(cpu[ME_BASELINE_QUERY]),
            "same_shape": Timings(cpu[ME_SAME_SHAPE_QUERY]),
        },
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


def summary(paid: MarkPaidResult) -> str:
    line = (
        f"bench:   {paid.shape}: inactive {paid.inactive.median_ms:.1f} ms median "
        f"({paid.queries_inactive} queries/call), active {paid.active.median_ms:.1f} ms "
        f"({paid.queries_active} queries/call"
    )
    if paid.shape == "eager":
        line += f", {paid.queries_active_in_tasks} in the tasks"
    return line + f"), ratio {paid.median_ratio:.2f}x median, {paid.p95_ratio:.2f}x p95"


def ledger_summary(ledger: LedgerResult) -> str:
    return (
        f"bench: credit() {ledger.posts.per_second:,.0f} posts/s "
        f"({len(ledger.statements)} statements), raw psycopg2 {ledger.raw.per_second:,.0f} "
        f"posts/s ({ledger.raw.statements} statements): ratio {ledger.ratio:.2f}; "
        f"in a transaction {ledger.tx_posts.per_second:,.0f} vs "
        f"{ledger.tx_raw.per_second:,.0f} posts/s: ratio {ledger.tx_ratio:.2f}"
    )


def ms(timings: Timings) -> str:
    return f"| {timings.median_ms:.1f} ms | {timings.p95_ms:.1f} ms |"


def report(
    *,
    database: str,
    ledger: LedgerResult,
    broker: MarkPaidResult,
    eager: MarkPaidResult,
    loyalty: LoyaltyResult,
    cards: CardsResult,
    reviews: ReviewsResult,
    host: dict[str, str],
    duration: float,
    insight: dict | None = None,
) -> str:
    """The README section. The ``orderMarkAsPaid`` target is judged on the production shape
    (broker and worker); the eager numbers are reported beside it, not judged."""
    worker = broker.worker
    if worker is None:
        raise ValueError("the production shape ran without a worker")
    met = broker.median_ratio <= MARK_PAID_TARGET
    per_field_us = (
        (reviews.histogram.median_ms - reviews.rated.median_ms)
        * 1000
        / (HISTOGRAM_FIELDS * reviews.products)
    )
    verdict = "**met**" if met else "**not met**"
    eager_side = "within" if eager.median_ratio <= MARK_PAID_TARGET else "above"
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with_broker = "`orderMarkAsPaid`, Redis broker + worker"
    no_broker = "`orderMarkAsPaid`, no broker (eager)"
    lines = [
        f"Last run: {today}, `make bench` (`.venv/bin/python -m bench.run`), {duration:.0f} s, "
        f"on {host['nproc']} cores ({host['cpu']}), Python {host['python']}, "
        f"Saleor {host['saleor']}, PostgreSQL {host['postgres']} and Redis on the same machine, "
        f"database `{database}`. Requests come from one process on one connection, DEBUG off, "
        "through Django's test client (URL conf, middleware, Saleor's GraphQL view; no HTTP "
        "server) with real commits; in the production shape a `celery worker --pool=solo` "
        "process started by the bench runs alongside them on the same cores.",
        "",
        "| measure | samples | result | median | p95 |",
        "|---|---:|---:|---:|---:|",
        f"| ledger `credit()`, new idempotency keys, {ledger.accounts} accounts "
        f"| {len(ledger.posts.samples):,} | {ledger.posts.per_second:,.0f} posts/s "
        f"| {ledger.posts.median_ms:.2f} ms | {ledger.posts.p95_ms:.2f} ms |",
        f"| raw psycopg2 loop, the same {ledger.raw.statements} statement(s), autocommit "
        f"| {len(ledger.raw.samples):,} | {ledger.raw.per_second:,.0f} posts/s "
        f"| {Timings(ledger.raw.samples).median_ms:.2f} ms | {Timings(ledger.raw.samples).p95_ms:.2f} ms |",
        f"| **ledger `credit()` / raw loop (target ≥ 0.80)** | "
        f"| {len(ledger.statements)} statements per post | **{ledger.ratio:.2f}×** | |",
        f"| ledger `credit()` inside `transaction.atomic()` "
        f"| {len(ledger.tx_posts.samples):,} | {ledger.tx_posts.per_second:,.0f} posts/s "
        f"| {ledger.tx_posts.median_ms:.2f} ms | {ledger.tx_posts.p95_ms:.2f} ms |",
        f"| raw psycopg2 loop, the same statement + `commit()` "
        f"| {len(ledger.tx_raw.samples):,} | {ledger.tx_raw.per_second:,.0f} posts/s "
        f"| {Timings(ledger.tx_raw.samples).median_ms:.2f} ms "
        f"| {Timings(ledger.tx_raw.samples).p95_ms:.2f} ms |",
        f"| **in a transaction: `credit()` / raw loop (target ≥ 0.80)** | "
        f"| {len(ledger.statements)} statement + commit | **{ledger.tx_ratio:.2f}×** | |",
        f"| ledger `credit()`, replay of a posted key "
        f"| {len(ledger.replays.samples):,} | {ledger.replays.per_second:,.0f} replays/s "
        f"| {ledger.replays.median_ms:.2f} ms | {ledger.replays.p95_ms:.2f} ms |",
        f"| {with_broker}, plugin inactive | {len(broker.inactive.samples)} "
        f"| {broker.inactive.per_second:.1f} req/s, {broker.queries_inactive} queries/call "
        + ms(broker.inactive),
        f"| {with_broker}, plugin active | {len(broker.active.samples)} "
        f"| {broker.active.per_second:.1f} req/s, {broker.queries_active} queries/call "
        + ms(broker.active),
        f"| **{with_broker}, active / inactive (the target)** | "
        f"| target ≤ {MARK_PAID_TARGET:.2f}: {verdict} "
        f"| **{broker.median_ratio:.2f}×** | {broker.p95_ratio:.2f}× |",
        f"| in the worker: the plugin's `dispatch` task | {len(worker.task_seconds.samples)} "
        "| as the worker logged it " + ms(worker.task_seconds),
        f"| in the worker: `order_paid` recorded → done | {len(worker.recorded_to_done.samples)} "
        f"| caught up {worker.caught_up_seconds:.1f} s after the last request "
        + ms(worker.recorded_to_done),
        f"| {no_broker}, plugin inactive | {len(eager.inactive.samples)} "
        f"| {eager.inactive.per_second:.1f} req/s, {eager.queries_inactive} queries/call "
        + ms(eager.inactive),
        f"| {no_broker}, plugin active | {len(eager.active.samples)} "
        f"| {eager.active.per_second:.1f} req/s, {eager.queries_active} queries/call "
        + ms(eager.active),
        f"| {no_broker}, active / inactive | | not judged ({eager_side} "
        f"{MARK_PAID_TARGET:.2f}) | {eager.median_ratio:.2f}× | {eager.p95_ratio:.2f}× |",
        f"| of the eager active call: the plugin's Celery tasks | {len(eager.active.samples)} "
        f"| {eager.queries_active_in_tasks} queries/call " + ms(eager.active_in_tasks),
        f"| of the eager active call: the rest (Saleor + the plugin's hooks) "
        f"| {len(eager.active.samples)} | {eager.outside_tasks_ratio:.2f}× inactive (median) "
        + ms(eager.active_outside_tasks),
        f"| `me {{ loyalty {{ points pendingPoints expiringPoints }} }}`, "
        f"{loyalty.entries} entries | {len(loyalty.requests.samples):,} "
        f"| {loyalty.per_second:,.1f} req/s " + ms(loyalty.requests),
        f"| the baseline: `me {{ email firstName }}`, same shopper, client and view, interleaved "
        f"| {len(loyalty.baseline.samples):,} | {loyalty.baseline.per_second:,.1f} req/s "
        + ms(loyalty.baseline),
        f"| **`me.loyalty` / baseline req/s (the target)** | "
        f"| target ≥ {LOYALTY_TARGET:.2f}: {'**met**' if loyalty.met else '**not met**'} "
        f"| **{loyalty.ratio:.2f}×** | |",
        f"| the same-shape baseline: `me` with {len(SAME_SHAPE_FIELDS) * 4} of Saleor's own "
        "fields (as many resolved fields as the loyalty answer), interleaved "
        f"| {len(loyalty.same_shape.samples):,} | {loyalty.same_shape.per_second:,.1f} req/s "
        + ms(loyalty.same_shape),
        f"| `me.loyalty` / same-shape baseline req/s (not judged) | | "
        f"| {loyalty.same_shape_ratio:.2f}× | |",
        "| bench process CPU per request: `me.loyalty`, baseline, same-shape (median) | | "
        f"| {loyalty.cpu['loyalty'].median_ms:.2f} / {loyalty.cpu['baseline'].median_ms:.2f} / "
        f"{loyalty.cpu['same_shape'].median_ms:.2f} ms | |",
        f"| loyalty card PDF, one card each (WeasyPrint, QR) | {cards.single_cards} "
        f"| {cards.cards_per_second:.1f} cards/s | {1000 * cards.single_seconds / cards.single_cards:.0f} ms | |",
        f"| print-queue PDF of {cards.queue_cards:,} cards | 1 "
        f"| {cards.queue_seconds:.1f} s, {cards.queue_bytes / 2**20:.1f} MB PDF, "
        f"peak memory +{cards.rss_growth_mb:.0f} MB | | |",
        f"| `products(first: {reviews.products})`, no review fields "
        f"| {len(reviews.plain.samples):,} | {reviews.plain.per_second:,.1f} req/s, "
        f"{reviews.plain.queries} queries " + ms(reviews.plain),
        f"| the same page with `reviewSummary {{ averageRating count }}` on every product "
        f"| {len(reviews.rated.samples):,} | {reviews.rated.per_second:,.1f} req/s, "
        f"{reviews.rated.queries} queries " + ms(reviews.rated),
        f"| **rated / plain page, median (the target)** | "
        f"| target ≤ {REVIEWS_TARGET:.2f}: {'**met**' if reviews.met else '**not met**'} "
        f"| **{reviews.ratio:.2f}×** | |",
        "| the plain page plus 3 of Saleor's own fields per product (`slug seoTitle "
        f"updatedAt`: as many resolved fields as the ratings), interleaved "
        f"| {len(reviews.same_shape.samples):,} | {reviews.same_shape.per_second:,.1f} req/s, "
        f"{reviews.same_shape.queries} queries " + ms(reviews.same_shape),
        "| rated / same-shape page, median (not judged) | | "
        f"| {reviews.same_shape_ratio:.2f}× | |",
        "| bench process CPU per page: plain, rated, same-shape (median) | | "
        f"| {reviews.plain.cpu_median_ms:.1f} / {reviews.rated.cpu_median_ms:.1f} / "
        f"{reviews.same_shape.cpu_median_ms:.1f} ms | |",
        f"| the same page with the stars histogram too (`distribution {{ rating count }}`) "
        f"| {len(reviews.histogram.samples):,} | {reviews.histogram.per_second:,.1f} req/s, "
        f"{reviews.histogram.queries} queries " + ms(reviews.histogram),
        f"| `product.reviews(first: 10, sortBy: {{field: HELPFUL_COUNT, direction: DESC}})` of "
        f"{reviews.reviews_on_product} reviews | {len(reviews.reviews.samples):,} "
        f"| {reviews.reviews.per_second:,.1f} req/s, {reviews.reviews.queries} queries "
        + ms(reviews.reviews),
        "",
        f"- Ledger: each `credit()` is one statement (account row lock, idempotency check, "
        f"entry, lot, balance update as CTEs) on {ledger.accounts} accounts in turn, alone "
        "(it commits by itself) and inside `transaction.atomic()`, each beside the raw loop "
        "running the same statement the same way, in alternating blocks; the replays post the "
        "same keys again, which locks the account, finds the key posted and reads the entry "
        "(balances are checked unchanged).",
        f"- `orderMarkAsPaid`: staff mark a completed draft order (a registered customer's) as "
        "paid, measured in two shapes in the same run, each with "
        f"{len(broker.inactive.samples)} calls with the plugin inactive and "
        f"{len(broker.active.samples)} active, in alternating blocks of {broker.block} "
        "(off, on, on, off, ...) after a warm-up, switched with `pluginUpdate` (untimed). "
        f"**The ≤ {MARK_PAID_TARGET:.2f} target is judged on the production shape**: Celery on a "
        "Redis broker (a database of the bench's own, purged first) with a real worker "
        "processing the tasks, because that is how a Saleor store runs; there the staff request "
        "only records `order_paid` in Saleor's transaction and enqueues the task after commit, "
        "and earning the points happens in the worker. The timed part is the request only; the "
        "worker shares the machine's cores and database with it, so its work (during the active "
        "blocks and just after them) weighs on the timings of both states. "
        f"Result: {broker.median_ratio:.2f}× median, {verdict}. "
        "The no-broker (eager) shape, "
        f"{eager.median_ratio:.2f}× median, is shown beside it: without a broker Celery runs the "
        "task inside the staff request after commit, so that figure is what a store without a "
        "broker pays, not the target's measure.",
        f"- Checks: in both shapes every active call ({broker.events_active} and "
        f"{eager.events_active}, the query-counting one included) left a `done` `order_paid` "
        "event and an earn entry, and the inactive ones no event. With the broker, no plugin "
        "task ran inside a request (Celery's `task_prerun` never fired in the bench process); "
        "after the last request the bench polled `PluginEvent` until the worker had processed "
        "every active call's event, then stopped the worker "
        f"({worker.stopped_by}, exit code {worker.returncode}).",
        "- Queries per call, counted on one more untimed call per state and shape: "
        f"with the broker {broker.queries_inactive} inactive and {broker.queries_active} active "
        "(the request only; the task's queries run in the worker); without a broker "
        f"{eager.queries_inactive} inactive and {eager.queries_active} active, of which "
        f"{eager.queries_active_in_tasks} in the eager tasks. The eager split of the active time "
        "comes from Celery's `task_prerun`/`task_postrun` signals around the plugin's tasks; "
        "the worker's task times are those it logs, and recorded → done runs from the event's "
        "`created_at` (in the request) to its `processed_at` (in the worker).",
        "- With the broker, Saleor's own tasks leave the request too, in both states: over the "
        f"shape's {2 * (MARK_PAID_WARMUP + MARK_PAID_PER_STATE + 1)} calls the worker also ran "
        + (
            ", ".join(f"{n} × `{name}`" for name, n in sorted(worker.other_tasks.items()))
            or "none of them"
        )
        + "; without a broker they run eagerly inside the request, plugin active or not.",
        f"- `me.loyalty`: one shopper (JWT from `tokenCreate`) with {loyalty.entries} ledger "
        f"entries and {loyalty.lots} lots ({loyalty.expiry_groups} expiry dates), requests "
        f"one after another for {3 * LOYALTY_SECONDS:.0f} s in blocks of {LOYALTY_BLOCK}, "
        "alternating with `me { email firstName }` for the same shopper (the baseline: "
        "Saleor's own stack, the same client, token and view) and with `me` asking for "
        f"{len(SAME_SHAPE_FIELDS) * 4} of Saleor's own fields (the same-shape baseline: "
        "what Saleor's executor charges for a query of the loyalty answer's size before the "
        "plugin reads anything); req/s is sequential throughput of one process. CPU is the bench "
        "process's own time per request (`time.process_time`: Django, Saleor's view and "
        "executor, the plugin), PostgreSQL's excluded.",
        f"- Cards: {cards.single_cards} cards rendered one PDF each (what the render task does "
        f"after a shipment), then one print-queue PDF of {cards.queue_cards:,} cards "
        f"({cards.queue_pages:,} pages, checked) as the warehouse's daily run downloads it; "
        "memory is the growth of the process's peak resident size during that render.",
        f"- Reviews: {reviews.products} products each with published reviews imported through "
        "the reviews service (so the rating aggregates moved as in production), one of them "
        f"with {reviews.reviews_on_product}; anonymous requests one after another for "
        "8 s each. The ratings come from one dataloader query for the whole page: the rated "
        f"page costs {reviews.rated.queries - reviews.plain.queries} more quer"
        f"{'y' if reviews.rated.queries - reviews.plain.queries == 1 else 'ies'} than the plain "
        f"one and {reviews.rated.median_ms / reviews.plain.median_ms:.2f}× its median time. The "
        "histogram reads nothing more but resolves "
        f"{HISTOGRAM_FIELDS * reviews.products:,} more fields, each through graphene 2's "
        "executor: about "
        f"{per_field_us:.0f} µs a field here, so a category page should ask for the average and "
        "count and leave the histogram to the product page.",
    ]
    if insight:
        lines += ["", *insight_report_lines(insight)]
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


def run_parts(driver, run_id: str, parts: set[str]) -> int:
    """``BENCH_ONLY=loyalty,reviews``: only the two GraphQL read ratios, each beside its baseline."""
    unknown = parts - {"loyalty", "reviews", "insight"}
    if unknown:
        sys.exit(f"bench: BENCH_ONLY knows loyalty, reviews and insight, not {sorted(unknown)}")
    if "insight" in parts:
        print("\n".join(insight_report_lines(bench_insight())))
    if "loyalty" in parts:
        loyalty = bench_loyalty(driver, run_id)
        print(
            f"bench: me.loyalty {loyalty.requests.per_second:.1f} req/s, baseline me "
            f"{loyalty.baseline.per_second:.1f} req/s: {loyalty.ratio:.2f}x "
            f"(target >= {LOYALTY_TARGET:.2f}: {'met' if loyalty.met else 'not met'}); "
            f"same-shape me {loyalty.same_shape.per_second:.1f} req/s: "
            f"{loyalty.same_shape_ratio:.2f}x; CPU ms loyalty / baseline / same-shape "
            f"{loyalty.cpu['loyalty'].median_ms:.2f} / {loyalty.cpu['baseline'].median_ms:.2f} / "
            f"{loyalty.cpu['same_shape'].median_ms:.2f}"
        )
    if "reviews" in parts:
        reviews = bench_reviews(driver, run_id)
        print(
            f"bench: rated page {reviews.rated.median_ms:.1f} ms ({reviews.rated.queries} "
            f"queries), plain {reviews.plain.median_ms:.1f} ms ({reviews.plain.queries} "
            f"queries): {reviews.ratio:.2f}x (target <= {REVIEWS_TARGET:.2f}: "
            f"{'met' if reviews.met else 'not met'})"
            + f"; same-shape {reviews.same_shape.median_ms:.1f} ms: {reviews.same_shape_ratio:.2f}x; "
            f"CPU ms plain / rated / same-shape {reviews.plain.cpu_median_ms:.1f} / "
            f"{reviews.rated.cpu_median_ms:.1f} / {reviews.same_shape.cpu_median_ms:.1f}"
        )
    return 0


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

    only = {part for part in os.environ.get("BENCH_ONLY", "").split(",") if part}
    if only:  # a quick look at some parts while working: printed, README left alone
        return run_parts(driver, run_id, only)

    print(f"bench: 1/6 ledger, {LEDGER_POSTS:,} posts and {LEDGER_POSTS:,} replays...")
    ledger = bench_ledger(run_id)
    print(ledger_summary(ledger))
    if os.environ.get("BENCH_ONLY_LEDGER") == "1":
        return 0
    print(
        f"bench: 2/6 orderMarkAsPaid, {MARK_PAID_PER_STATE} calls each with the plugin off/on, "
        f"with a Redis broker ({BENCH_BROKER_URL}) and a celery worker..."
    )
    broker = bench_mark_as_paid(driver, run_id, broker_url=BENCH_BROKER_URL)
    print(summary(broker))
    print(f"bench: 2/6 orderMarkAsPaid, {MARK_PAID_PER_STATE} calls each, no broker (eager)...")
    eager = bench_mark_as_paid(driver, run_id, broker_url=None)
    print(summary(eager))
    print(f"bench: 3/6 me.loyalty for {LOYALTY_SECONDS:.0f} s, {HISTORY_ENTRIES} entries...")
    loyalty = bench_loyalty(driver, run_id)
    print("bench: 4/6 review pages (a 100-product category page, a product's reviews)...")
    reviews = bench_reviews(driver, run_id)
    print(
        f"bench: 5/6 card printing, {SINGLE_CARDS} single cards and a {QUEUE_CARDS:,}-card queue..."
    )
    cards = bench_cards(run_id)
    print("bench: 6/6 customer insight (bench/insight.py, its own process and database)...")
    insight = bench_insight()

    section = report(
        database=database,
        ledger=ledger,
        broker=broker,
        eager=eager,
        loyalty=loyalty,
        cards=cards,
        reviews=reviews,
        host=machine(),
        duration=time.perf_counter() - started,
        insight=insight,
    )
    print()
    print(section)
    if os.environ.get("BENCH_NO_README") != "1":
        write_readme(section)
        print(f"\nbench: wrote the Benchmarks section of {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
