"""Faults with a real ``celery worker``, a real Redis broker and the real database (issue 9).

Each test runs the same customer story twice on one worker: once with no fault (the baseline) and
once with a fault injected at the worst moment, and then requires the second customer's points,
ledger entries, cards and review requests to be exactly the first one's. The faults:

- the worker process is killed with SIGKILL while it is inside an event's transaction;
- the broker is stopped during a checkout (and comes back empty, as a Redis without persistence);
- the worker's database connection is terminated (``pg_terminate_backend``) mid-transaction.

The broker is a private ``redis-server`` started here (other sessions share the machine's Redis);
only it and the workers started here are ever stopped. "Mid-transaction" is made deterministic by
holding a lock the worker's transaction needs (``LOCK TABLE`` on the ledger's entries, from a
second database connection) and acting once PostgreSQL shows the worker waiting for it.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from saleor.celeryconf import app
from saleor.order.models import Fulfillment, Order

from saleor_retention.cards.models import LoyaltyCard
from saleor_retention.inbox.models import PluginEvent
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount
from saleor_retention.reviews.models import ReviewRequest
from saleor_retention_site.driver import SaleorDriver, SaleorFlowError, gid, pk_of
from saleor_retention_site.store import build_store
from tests.test_cards import TEN_OFF, create_program

CELERY = Path(sys.executable).with_name("celery")
REDIS_SERVER = shutil.which("redis-server")
QUEUE = "celery"
# A killed worker's unacknowledged message goes back to the queue after this many seconds (the
# site's default is an hour; the test cannot wait that long).
VISIBILITY_TIMEOUT = 3

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server binary"),
]


# --- the private broker ----------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of this test only, without persistence: stopping it loses its queue."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def idle(self) -> bool:
        """No message waiting and none delivered but unacknowledged."""
        client = self.client()
        return client.llen(QUEUE) == 0 and client.hlen("unacked") == 0


@pytest.fixture
def broker(tmp_path) -> Iterator[PrivateRedis]:
    """Point this process's Celery at the private Redis (it is eager elsewhere in the suite)."""
    server = PrivateRedis(tmp_path)
    server.start()
    overrides = {
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_BROKER_URL": server.url,
        "CELERY_BROKER_TRANSPORT_OPTIONS": app.conf.broker_transport_options,
    }
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    yield server
    app.close()
    app.conf.update(saved)
    _forget_connections()
    server.stop()


def _forget_connections() -> None:
    # Celery caches its connection and producer pools on first use (with the settings of then).
    app._pool = None
    app.amqp._producer_pool = None


# --- workers ---------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    log_file: Any

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while "ready." not in self.output():
            assert self.process.poll() is None, self.output()[-3000:]
            assert time.monotonic() < deadline, self.output()[-3000:]
            time.sleep(0.1)


@dataclass
class Workers:
    broker: PrivateRedis
    workdir: Path
    started: list[Worker] = field(default_factory=list)

    def start(self) -> Worker:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "saleor_retention_site.settings",
            "DATABASE_URL": (
                f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}"
                f":{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CELERY_BROKER_URL": self.broker.url,
            "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        log = self.workdir / f"worker-{len(self.started) + 1}.log"
        log_file = log.open("w")
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "saleor.celeryconf:app",
                "worker",
                "--pool=solo",
                "-Q",
                QUEUE,
                "-n",
                f"faults-{len(self.started) + 1}@%h",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        worker = Worker(process, log, log_file)
        self.started.append(worker)
        worker.wait_ready()
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
                try:
                    worker.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait()
            worker.log_file.close()

    def logs(self) -> str:
        return "\n".join(worker.output()[-2500:] for worker in self.started)


@pytest.fixture
def workers(broker, tmp_path) -> Iterator[Workers]:
    started = Workers(broker, tmp_path)
    yield started
    started.stop_all()


# --- the database, seen from outside the worker ------------------------------------------------


def _connect() -> Any:
    db = connection.settings_dict
    raw = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    raw.autocommit = True
    return raw


@pytest.fixture
def admin() -> Iterator[Any]:
    raw = _connect()
    yield raw
    raw.close()


@pytest.fixture
def ledger_lock() -> Iterator[Callable[[], Any]]:
    """Hold ``LOCK TABLE <ledger entries> IN SHARE MODE`` from a second connection: reads go on,
    any transaction that would write a ledger entry waits at that statement. Released on exit."""
    raw = _connect()
    raw.autocommit = False

    class Lock:
        def __enter__(self):
            with raw.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {LedgerEntry._meta.db_table} IN SHARE MODE")

        def __exit__(self, *exc):
            raw.rollback()

    # The test's own requests must never wait for it: fail fast instead of hanging.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '10s'")
    yield Lock
    raw.rollback()
    raw.close()
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


def backend_waiting_for_a_lock(admin, timeout: float = 30) -> int:
    """The pid of the (worker's) backend blocked on a lock, once there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            rows = cursor.fetchall()
        if rows:
            [(pid,)] = rows
            return pid
        time.sleep(0.05)
    raise AssertionError("no worker transaction waited for the ledger lock")


def backend_gone(admin, pid: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
        time.sleep(0.05)
    raise AssertionError(f"backend {pid} still there")


# --- one customer's story, and what it leaves behind ----------------------------------------


@dataclass
class Story:
    email: str
    customer_id: str = ""
    token: str = ""
    order_id: str = ""

    def register(self, driver: SaleorDriver) -> None:
        self.customer_id = pk_of(driver.account_register(self.email))
        self.token = driver.token_create(self.email, "customer-password")

    def buy(self, driver: SaleorDriver, **kwargs: Any) -> None:
        self.order_id = driver.buy(email=self.email, token=self.token, quantity=2, **kwargs)["id"]

    def ship(self, driver: SaleorDriver) -> None:
        driver.order_fulfill(self.order_id)

    def events(self):
        orders = [
            str(pk)
            for pk in Order.objects.filter(user_id=self.customer_id).values_list("pk", flat=True)
        ]
        fulfillments = [
            str(pk)
            for pk in Fulfillment.objects.filter(order_id__in=orders).values_list("pk", flat=True)
        ]
        # ids of different kinds can be equal (a fresh database numbers each from 1): match pairs
        mine = (
            Q(object_type="customer", object_id=self.customer_id)
            | Q(object_type="order", object_id__in=orders)
            | Q(object_type="fulfillment", object_id__in=fulfillments)
        )
        return PluginEvent.objects.filter(mine).exclude(key__contains="hook-failed")

    def state(self) -> dict[str, Any]:
        """Everything the plugin keeps for this customer, with their ids replaced by names, so
        two customers who lived the same story compare equal."""
        orders = list(Order.objects.filter(user_id=self.customer_id).order_by("pk"))
        names = {("customer", self.customer_id): "<customer>"}
        for n, order in enumerate(orders):
            names["order", str(order.pk)] = f"<order{n}>"
            for m, fulfillment in enumerate(order.fulfillments.order_by("pk")):
                names["fulfillment", str(fulfillment.pk)] = f"<fulfillment{n}.{m}>"

        def named(key: str) -> str:
            # keys read "<what>:<object type>:<id>[:...]": name each id after its type
            parts = key.split(":")
            return ":".join(
                names.get((parts[i - 1], part), part) if i else part for i, part in enumerate(parts)
            )

        account = LoyaltyAccount.objects.filter(customer_id=self.customer_id).first()
        order_ids = [str(o.pk) for o in orders]
        return {
            "balances": None
            if account is None
            else {
                "available": account.available_points,
                "pending": account.pending_points,
                "held": account.held_points,
                "debt": account.debt_points,
                "lifetime": account.lifetime_points,
            },
            "entries": sorted(
                (entry.type, entry.points, named(entry.idempotency_key))
                for entry in LedgerEntry.objects.filter(account=account)
            ),
            "cards": sorted(
                (
                    card.kind,
                    str(card.value),
                    card.status,
                    names.get(("fulfillment", card.fulfillment_id), "?"),
                )
                for card in LoyaltyCard.objects.filter(order_id__in=order_ids)
            ),
            "review_requests": sorted(
                (request.status, request.drop_reason, names.get(("order", request.order_id), "?"))
                for request in ReviewRequest.objects.filter(order_id__in=order_ids)
            ),
            "events": sorted((named(e.key), e.status) for e in self.events()),
        }


def settle(broker: PrivateRedis, story: Story, timeout: float = 30) -> None:
    """Wait until the broker holds nothing for the worker and the story's events are all done
    (three quiet looks in a row: a task may queue another as it finishes)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3 and time.monotonic() < deadline:
        busy = story.events().exclude(status=PluginEvent.Status.DONE).exists()
        quiet = 0 if busy or not broker.idle() else quiet + 1
        time.sleep(0.2)


@pytest.fixture
def shop(broker) -> SaleorDriver:
    return open_shop()


def open_shop() -> SaleorDriver:
    """A committed store with the plugin on, a signup bonus, and a card in every first parcel.

    The database is flushed first, as pytest-django does after each transactional test: a run
    killed half-way leaves committed rows behind, which would otherwise fail the next run."""
    call_command("flush", interactive=False, verbosity=0)
    driver = SaleorDriver(build_store())
    driver.plugin_update(active=True, signup_bonus="50")
    assert create_program(driver, **{**TEN_OFF, "minSpend": "10"})["errors"] == []
    return driver


def live_the_calm_story(shop, broker) -> dict[str, Any]:
    calm = Story("calm@example.com")
    calm.register(shop)
    settle(broker, calm)
    calm.buy(shop)
    settle(broker, calm)
    calm.ship(shop)
    settle(broker, calm)
    baseline = calm.state()
    # the story touches every part compared: a signup bonus, points earned, a card, a request
    assert baseline["balances"]["available"] == 50 and baseline["balances"]["pending"] > 0
    assert len(baseline["cards"]) == 1 and len(baseline["review_requests"]) == 1
    assert all(status == "done" for _key, status in baseline["events"])
    return baseline


# --- the faults ------------------------------------------------------------------------------


def test_worker_killed_mid_task_redelivers_and_processes_once(
    shop, broker, workers, admin, ledger_lock
):
    # given a worker, and the story as it goes with no fault
    first = workers.start()
    baseline = live_the_calm_story(shop, broker)
    faulty = Story("killed@example.com")
    faulty.register(shop)
    settle(broker, faulty)

    # when the worker is inside the paid order's transaction (the earn waits for the ledger)
    with ledger_lock():
        faulty.buy(shop)
        backend = backend_waiting_for_a_lock(admin)
        # ... and is killed outright
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
    backend_gone(admin, backend)

    # then nothing of the half-done transaction is left: the paid event is still pending
    paid = PluginEvent.objects.get(key=f"order_paid:order:{pk_of(faulty.order_id)}")
    assert paid.status == PluginEvent.Status.PENDING and paid.attempts == 0
    assert not LedgerEntry.objects.filter(order_id=paid.object_id).exists()

    # when a worker runs again (after the broker's visibility timeout)
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    workers.start()
    settle(broker, faulty)
    faulty.ship(shop)
    settle(broker, faulty)

    # then the killed task was delivered again and everything happened exactly once
    assert faulty.state() == baseline, workers.logs()
    paid.refresh_from_db()
    assert paid.attempts == 1


def test_broker_down_during_checkout_commits_and_the_sweep_dispatches_once(
    settings, broker, workers, caplog
):
    # given a store without Saleor's WebhookPlugin: that plugin queues a Celery task inside the
    # order's transaction, so with it Saleor itself cannot complete a checkout while the broker
    # is down (the whole order rolls back, the plugin's rows with it)
    settings.PLUGINS = [path for path in settings.PLUGINS if "WebhookPlugin" not in path]
    shop = open_shop()
    # and a worker, and the story as it goes with no fault
    workers.start()
    baseline = live_the_calm_story(shop, broker)
    faulty = Story("offline@example.com")
    faulty.register(shop)
    settle(broker, faulty)

    # when the broker stops in the middle of the checkout
    with caplog.at_level(logging.ERROR, logger="saleor_retention"):
        try:
            faulty.buy(shop, before_payment=lambda checkout: broker.stop())
        except SaleorFlowError as error:
            # Saleor queues its confirmation e-mails after commit too, and reports that failure
            assert str(error).startswith("checkoutComplete"), error

    # then the order is committed, the plugin's events wait, pending, and the failure is logged
    [order] = Order.objects.filter(user_id=faulty.customer_id)
    faulty.order_id = gid("Order", order.pk)
    paid = PluginEvent.objects.get(key=f"order_paid:order:{order.pk}")
    assert paid.status == PluginEvent.Status.PENDING
    assert "left for the retry sweep" in caplog.text

    # when the broker comes back (empty: it kept nothing) and the retry sweep runs
    broker.start()
    call_command("retention_retry_events", stale=0)
    settle(broker, faulty)
    faulty.ship(shop)
    settle(broker, faulty)

    # then every event was dispatched and processed exactly once
    assert faulty.state() == baseline, workers.logs()


def test_database_connection_killed_mid_transaction_rolls_back_and_retries_once(
    shop, broker, workers, admin, ledger_lock
):
    # given a worker, and the story as it goes with no fault
    workers.start()
    baseline = live_the_calm_story(shop, broker)
    faulty = Story("terminated@example.com")
    faulty.register(shop)
    settle(broker, faulty)

    # when the worker's connection is terminated inside the paid order's transaction
    with ledger_lock():
        faulty.buy(shop)
        backend = backend_waiting_for_a_lock(admin)
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    backend_gone(admin, backend)
    settle(broker, faulty)
    faulty.ship(shop)
    settle(broker, faulty)

    # then the transaction was rolled back, and Celery's retry redid it once
    assert faulty.state() == baseline, workers.logs()
    assert "retry: Retry in" in workers.started[0].output()
    paid = PluginEvent.objects.get(key=f"order_paid:order:{pk_of(faulty.order_id)}")
    assert paid.attempts == 1


def test_a_dead_broker_costs_the_request_a_second_not_forever(broker):
    # given Celery's transport options as a store may leave them (kombu 4.6 then retries
    # opening a channel for ever), a connection made while the broker was up, and then no broker
    from saleor_retention.inbox import dispatch

    app.conf.update({"CELERY_BROKER_TRANSPORT_OPTIONS": {}})
    _forget_connections()
    dispatch.after_commit(event_id=1)
    assert broker.client().llen(QUEUE) == 1
    broker.stop()
    finished = threading.Event()

    def publish_twice():
        # the first publish finds the connection broken, the second had to open a new one
        dispatch.after_commit(event_id=2)
        dispatch.after_commit(event_id=3)
        finished.set()

    # when requests hand their work to Celery after commit (autocommit: at once)
    started = time.monotonic()
    threading.Thread(target=publish_twice, daemon=True).start()

    # then they return within seconds, the failure logged and left for the retry sweep
    assert finished.wait(timeout=20), "publishing to a dead broker hung"
    assert time.monotonic() - started < 20


def test_the_retry_sweep_is_scheduled_for_celery_beat():
    # the sweep that redoes what a lost message or a dead broker left pending runs on its own
    entries = app.conf.beat_schedule.values()
    sweep = [entry for entry in entries if entry["task"] == "saleor_retention.retry_events"]
    assert len(sweep) == 1 and "saleor_retention.retry_events" in app.tasks
    assert sweep[0]["schedule"] <= 10 * 60
