"""Settings through Saleor's own pluginUpdate: parsed and validated; a bad value is refused and not saved."""

from decimal import Decimal

import pytest
from saleor.plugins.models import PluginConfiguration

from saleor_retention import conf
from saleor_retention.plugin import RetentionPlugin

SHOP_RETENTION = "{ shop { retention { pluginActive signupBonus pendingDays pointsPerCurrencyUnit { currency points } } } }"


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def stored(name):
    row = PluginConfiguration.objects.get(identifier="saleor.retention")
    return {item["name"]: item["value"] for item in row.configuration}[name]


def test_plugin_is_off_until_switched_on_and_shows_defaults(driver):
    data = driver.query(SHOP_RETENTION)
    assert data["shop"]["retention"] == {
        "pluginActive": False,
        "signupBonus": 0,
        "pendingDays": 14,
        "pointsPerCurrencyUnit": [{"currency": "USD", "points": 1.0}],
    }


def test_valid_settings_are_saved_and_served(driver):
    # when
    payload = driver.plugin_update(
        active=True, signup_bonus="50", pending_days="30", points_per_currency_unit="usd:2, EUR:1.5"
    )

    # then
    assert payload["plugin"]["active"] is True  # (Saleor 2.10 answers with the row id here)
    data = driver.query(SHOP_RETENTION)["shop"]["retention"]
    assert data["pluginActive"] is True
    assert (data["signupBonus"], data["pendingDays"]) == (50, 30)
    assert data["pointsPerCurrencyUnit"] == [
        {"currency": "EUR", "points": 1.5},
        {"currency": "USD", "points": 2.0},
    ]
    assert conf.load_settings().rate_for("eur") == Decimal("1.5")


@pytest.mark.parametrize(
    ("name", "value", "message_part"),
    [
        ("signup_bonus", "-5", "from 0 to"),
        ("signup_bonus", "ten", "whole number"),
        ("pending_days", "400", "from 0 to 365"),
        ("points_per_currency_unit", "USD=1", "CURRENCY:POINTS"),
        ("points_per_currency_unit", "USD:abc", "not a number"),
        ("points_per_currency_unit", "USD:1, USD:2", "given twice"),
    ],
)
def test_bad_value_is_refused_with_a_clear_error_and_not_saved(driver, name, value, message_part):
    # given a saved, valid configuration
    driver.plugin_update(active=True, signup_bonus="7")

    # when
    payload = driver.plugin_update(expect_errors=True, **{name: value})

    # then
    [error] = payload["pluginsErrors"]
    assert error["field"] == _camel(name) and error["code"] == "INVALID"
    assert message_part in error["message"]
    assert payload["plugin"] is None
    assert stored("signup_bonus") == "7"
    assert stored(name) != value


def test_refused_first_update_does_not_leak_into_the_class_defaults(driver):
    # when the very first pluginUpdate carries a bad value (Saleor edits defaults in place)
    driver.plugin_update(expect_errors=True, signup_bonus="-1")

    # then the defaults the next manager hands the plugin are untouched
    assert {i["name"]: i["value"] for i in RetentionPlugin.DEFAULT_CONFIGURATION}[
        "signup_bonus"
    ] == "0"
    assert driver.query(SHOP_RETENTION)["shop"]["retention"]["signupBonus"] == 0


def test_parse_reports_every_bad_field_at_once():
    with pytest.raises(conf.ConfigurationError) as caught:
        conf.parse_configuration(
            [{"name": "signup_bonus", "value": "x"}, {"name": "pending_days", "value": "-1"}]
        )
    assert set(caught.value.errors) == {"signup_bonus", "pending_days"}


def test_settings_are_a_frozen_dataclass():
    settings = conf.parse_configuration(None)
    with pytest.raises(AttributeError):
        settings.signup_bonus = 5  # type: ignore[misc]


def test_a_setting_added_by_a_plugin_upgrade_can_be_set_on_a_store_that_saved_before(driver):
    # given a store that saved its settings before the reviews settings existed
    driver.plugin_update(active=True, signup_bonus="10")
    row = PluginConfiguration.objects.get(identifier="saleor.retention")
    row.configuration = [
        item for item in row.configuration if not item["name"].startswith("review")
    ]
    row.save()

    # when staff set a new setting through Saleor's pluginUpdate
    payload = driver.plugin_update(review_points="25")

    # then it is saved and used, and the settings stored before keep their values
    assert payload["pluginsErrors"] == []
    assert stored("review_points") == "25"
    assert stored("signup_bonus") == "10"
    assert (conf.load_settings().review_points, conf.load_settings().signup_bonus) == (25, 10)
