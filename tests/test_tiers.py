"""Membership tiers: upgrade on payment, multiplier on the next earn, downgrade after the grace
period, rolling window, spend basis, and the GraphQL view."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from saleor_retention.earning import services as earning
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry
from saleor_retention.tiers import services as tiers
from saleor_retention.tiers.models import AccountTier, TierChange
from saleor_retention_site.store import create_customer
from tests.test_ledger_services import order, settings_with

TIERS = "Silver:100:1.5; Gold:300:2"


@pytest.fixture
def customer(db):
    return str(create_customer("tier@example.com").pk)


def account_id(customer_id):
    return LedgerEntry.objects.filter(account__customer_id=customer_id).values_list(
        "account_id", flat=True
    )[0]


def test_upgrade_at_once_and_multiplier_applies_to_later_orders(customer):
    settings = settings_with(tiers=TIERS)
    earning.earn_for_order(order(customer, "1", total="120.00"), settings)
    row = tiers.evaluate(account_id(customer), settings)
    assert row.name == "Silver"

    second = earning.earn_for_order(order(customer, "2", total="200.00"), settings)

    assert second.points == 300  # 200 x 1 x 1.5
    assert LedgerEntry.objects.get(idempotency_key="earn:order:2").details["multiplier"] == "1.5"
    assert tiers.evaluate(account_id(customer), settings).name == "Gold"  # 120 + 300 points
    assert list(TierChange.objects.values_list("from_tier", "to_tier")) == [
        ("Silver", "Gold"),
        ("", "Silver"),
    ]


def test_refund_downgrades_only_after_the_grace_period(customer):
    settings = settings_with(tiers=TIERS, tier_grace_days=30)
    earning.earn_for_order(order(customer, "1", total="120.00"), settings)
    acc = account_id(customer)
    tiers.evaluate(acc, settings)
    earning.reverse_for_refund(
        order_id="1", customer_id=customer, refund_id="r", amount=Decimal("60"), settings=settings
    )

    now = timezone.now()
    row = tiers.evaluate(acc, settings, now=now)
    assert row.name == "Silver" and row.downgrade_due_at == now + timedelta(days=30)

    row = tiers.evaluate(acc, settings, now=now + timedelta(days=31))
    assert row.name == "" and row.downgrade_due_at is None
    assert TierChange.objects.first().reason == "grace period over"


def test_qualifying_again_within_grace_cancels_the_downgrade(customer):
    settings = settings_with(tiers=TIERS, tier_grace_days=30)
    earning.earn_for_order(order(customer, "1", total="120.00"), settings)
    acc = account_id(customer)
    tiers.evaluate(acc, settings)
    earning.reverse_for_cancellation(order_id="1", customer_id=customer, settings=settings)
    assert tiers.evaluate(acc, settings).downgrade_due_at is not None

    earning.earn_for_order(order(customer, "2", total="120.00"), settings)
    row = tiers.evaluate(acc, settings)

    assert (row.name, row.downgrade_due_at) == ("Silver", None)


def test_rolling_window_lets_old_orders_fall_out(customer):
    settings = settings_with(tiers=TIERS, tier_window_months=12, tier_grace_days=0)
    earning.earn_for_order(order(customer, "1", total="120.00"), settings)
    acc = account_id(customer)
    assert tiers.evaluate(acc, settings).name == "Silver"

    a_year_on = timezone.now() + timedelta(days=400)
    assert tiers.evaluate_all(settings, now=a_year_on) == 1
    assert AccountTier.objects.get(account_id=acc).name == ""

    lifetime = settings_with(tiers=TIERS, tier_window_months=0)
    assert tiers.evaluate(acc, lifetime, now=a_year_on).name == "Silver"


def test_spend_basis_counts_money_net_of_refunds(customer):
    settings = settings_with(
        tiers="Silver:100:1.5", tier_basis="spend", points_per_currency_unit="USD:0.5"
    )
    earning.earn_for_order(order(customer, "1", total="110.00"), settings)  # 55 points
    acc = account_id(customer)
    assert tiers.evaluate(acc, settings).name == "Silver"
    earning.reverse_for_refund(
        order_id="1", customer_id=customer, refund_id="r", amount=Decimal("20"), settings=settings
    )
    assert tiers.qualifying_measure(acc, settings, timezone.now()) == Decimal("90.00")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Gold:300:2; Silver:100:1.5", "lowest threshold to the highest"),
        ("Silver:100", "NAME:THRESHOLD:MULTIPLIER"),
        ("Silver:abc:1", "not a number"),
        ("Silver:100:50", "from 0.1 to 10"),
        ("Silver:100:1; silver:200:2", "given twice"),
    ],
)
def test_bad_tier_settings_are_refused(driver, value, message):
    payload = driver.plugin_update(expect_errors=True, tiers=value)
    assert payload["pluginsErrors"][0]["field"] == "tiers"
    assert message in payload["pluginsErrors"][0]["message"]


def test_tiers_through_saleor_flows_and_graphql(retention_on):
    # given Silver at 40 points, Gold at 100
    retention_on.plugin_update(tiers="Silver:40:1.5; Gold:100:2", pending_days="14")
    retention_on.account_register("tia@example.com")
    token = retention_on.token_create("tia@example.com", "customer-password")
    query = "{ me { loyalty { tier { name multiplier } nextTier { name threshold } spendToNextTier { amount currency } pendingPoints } } }"
    before = retention_on.query(query, token=token)["me"]["loyalty"]
    assert before["tier"] is None and before["nextTier"] == {"name": "Silver", "threshold": 40.0}
    assert before["spendToNextTier"] == {"amount": 40.0, "currency": "USD"}

    # when she buys 2 x 25.00 (50 points) and then 1 x 25.00
    retention_on.buy(email="tia@example.com", quantity=2, token=token)
    after_first = retention_on.query(query, token=token)["me"]["loyalty"]
    retention_on.buy(email="tia@example.com", quantity=1, token=token)
    after_second = retention_on.query(query, token=token)["me"]["loyalty"]

    # then the first order made her Silver and the second earned 1.5x
    assert after_first["tier"] == {"name": "Silver", "multiplier": 1.5}
    assert after_first["spendToNextTier"] == {"amount": 50.0, "currency": "USD"}
    assert after_second["pendingPoints"] == 50 + 37  # floor(25 x 1.5)
    assert services.verify_accounts() == []
