"""The merchant's settings: read at most once per request and per task, defaults written once,
and every change seen by the next request or task."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.celeryconf import app
from saleor.plugins.models import PluginConfiguration

from saleor_retention import conf


@app.task(name="tests.settings_loading.signup_bonus_seen")
def signup_bonus_seen() -> int:
    return conf.load_settings().signup_bonus


def _set_row(**values):
    row = PluginConfiguration.objects.get(identifier=conf.PLUGIN_ID)
    row.configuration = [
        {"name": item["name"], "value": str(values.get(item["name"], item["value"]))}
        for item in row.configuration
    ]
    row.save()


@pytest.fixture
def scope():
    conf.open_request_scope()
    yield
    conf.close_request_scope()


def test_every_setting_has_its_default_in_the_settings_list_alone():
    # given the dataclass's fields and the declared settings
    fields = dataclasses.fields(conf.RetentionSettings)

    # then each field is declared once, and none carries a second default
    names = [setting.name for setting in conf.SETTINGS]
    assert sorted(field.name for field in fields) == sorted(names) and len(set(names)) == len(names)
    assert all(field.default is dataclasses.MISSING for field in fields)
    assert all(field.default_factory is dataclasses.MISSING for field in fields)
    assert conf.parse_configuration(None).review_max_photos == 5


def test_a_scope_reads_the_row_once(retention_on, scope):
    # when the settings are loaded three times in one request's scope
    with CaptureQueriesContext(connection) as queries:
        first = conf.load_settings()
        conf.load_settings()
        active, again = conf.load_state()

    # then one query read them, and every caller got the same object
    assert len(queries) == 1
    assert again is first and active is True


def test_outside_a_scope_each_load_reads_the_row_but_parses_it_once(retention_on):
    with CaptureQueriesContext(connection) as queries:
        first = conf.load_settings()
        second = conf.load_settings()
    assert len(queries) == 2
    assert second is first  # same content: parsed once


def test_a_change_to_the_row_is_seen_by_the_next_scope_and_task(retention_on, scope):
    # given a scope that has read the settings
    assert conf.load_settings().signup_bonus == 0

    # when the row changes behind the scope's back (another process saved it)
    _set_row(signup_bonus=30)

    # then a task sees the new value at once, and the next request too
    assert signup_bonus_seen.apply().get() == 30
    conf.close_request_scope()
    conf.open_request_scope()
    assert conf.load_settings().signup_bonus == 30


def test_a_task_run_inside_a_request_leaves_the_request_its_scope(retention_on, scope):
    settings = conf.load_settings()
    signup_bonus_seen.apply().get()
    with CaptureQueriesContext(connection) as queries:
        assert conf.load_settings() is settings
    assert len(queries) == 0


def test_saving_through_plugin_update_drops_what_the_scope_loaded(retention_on, scope):
    # given a scope that has read the settings
    assert conf.load_settings().signup_bonus == 0

    # when Saleor saves new settings through the plugin (as pluginUpdate does)
    from saleor_retention.plugin import RetentionPlugin

    row = PluginConfiguration.objects.get(identifier=conf.PLUGIN_ID)
    RetentionPlugin.save_plugin_configuration(
        row, {"configuration": [{"name": "signup_bonus", "value": "12"}]}
    )

    # then the same scope reads the new value
    assert conf.load_settings().signup_bonus == 12


def test_settings_changed_through_graphql_are_served_by_the_next_request(retention_on):
    retention_on.plugin_update(signup_bonus="40")
    data = retention_on.query("{ shop { retention { signupBonus } } }")
    assert data["shop"]["retention"]["signupBonus"] == 40
    assert conf.load_settings().signup_bonus == 40
