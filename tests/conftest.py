"""Shared fixtures: a real Saleor store and a GraphQL driver.

Later features add their flows to ``saleor_retention_site.driver`` and use these fixtures; nothing
here is a stand-in for Saleor.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import TestCase

from saleor_retention_site.driver import SaleorDriver
from saleor_retention_site.store import Store, build_store


@contextlib.contextmanager
def run_on_commit() -> Iterator[None]:
    """Run ``transaction.on_commit`` callbacks at the end of the block, as a real commit would,
    including callbacks that those callbacks register (Django 3.2 drops those)."""
    with TestCase.captureOnCommitCallbacks() as callbacks:
        yield
    while callbacks:
        pending = list(callbacks)
        with TestCase.captureOnCommitCallbacks() as callbacks:
            for callback in pending:
                callback()


@pytest.fixture
def store(db) -> Store:
    return build_store()


@pytest.fixture
def driver(store) -> SaleorDriver:
    return SaleorDriver(store, commit_scope=run_on_commit)


@pytest.fixture
def retention_on(driver) -> SaleorDriver:
    """The store with the retention plugin switched on through Saleor's ``pluginUpdate``."""
    driver.plugin_update(active=True)
    return driver


@pytest.fixture
def hook_calls(monkeypatch) -> list[tuple[str, str, dict[str, Any]]]:
    """Records every retention hook Saleor calls: (hook, object id, extra keywords)."""
    from saleor_retention.plugin import RetentionPlugin

    calls: list[tuple[str, str, dict[str, Any]]] = []
    hooks = [
        "customer_created",
        "order_created",
        "order_fully_paid",
        "order_updated",
        "order_cancelled",
        "order_fulfilled",
        "fulfillment_created",
    ]
    for name in hooks:
        original = getattr(RetentionPlugin, name)

        def spy(self, obj, previous_value=None, __name=name, __original=original, **kwargs):
            calls.append((__name, str(obj.pk), dict(kwargs)))
            return __original(self, obj, previous_value, **kwargs)

        monkeypatch.setattr(RetentionPlugin, name, spy)
    return calls


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Files the plugin writes (card PDFs) go to a per-test folder, not the working tree."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
