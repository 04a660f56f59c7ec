"""A hook's task runs on a real ``celery worker`` process, through Redis, after Saleor commits."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from saleor.celeryconf import app

from saleor_retention.inbox.models import PluginEvent
from saleor_retention_site.driver import SaleorDriver, pk_of
from saleor_retention_site.store import build_store

REDIS_URL = os.environ.get("RETENTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture
def broker():
    """Point this process's Celery at Redis (it is eager elsewhere in the suite).

    Saleor configures Celery from Django settings with the CELERY_ namespace: override those keys.
    The test uses its own Redis database (15 by default) and empties its queue first.
    """
    overrides = {"CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": REDIS_URL}
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    app.control.purge()
    yield app.conf.task_default_queue
    app.close()
    app.conf.update(saved)
    _forget_connections()


def _forget_connections():
    # Celery caches its connection and producer pools on first use (with the settings of then).
    app._pool = None
    app.amqp._producer_pool = None


def _start_worker(queue: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "saleor_retention_site.settings",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
    }
    return subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "saleor.celeryconf:app",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_customer_created_task_runs_on_a_real_worker(broker):
    # given a committed store with the plugin on, and no worker yet
    driver = SaleorDriver(build_store())
    driver.plugin_update(active=True)

    # when a shopper registers (Saleor commits, the hook queues the task to Redis)
    user_pk = pk_of(driver.account_register("worker@example.com"))
    event = PluginEvent.objects.get(kind="customer_created", object_id=user_pk)

    # then nothing ran in this process: the task waits in Redis
    assert event.status == PluginEvent.Status.PENDING

    # when a real worker starts
    worker = _start_worker(broker)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            event.refresh_from_db()
            if event.status != PluginEvent.Status.PENDING:
                break
            time.sleep(0.25)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()

    # then the worker processed it
    assert event.status == PluginEvent.Status.DONE, output[-3000:]
    assert event.attempts == 1
    assert "saleor_retention.dispatch" in output
