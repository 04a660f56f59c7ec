"""Ledger rules on the real database: policies for spent points, refunds out of order, expiry,
lots restored, the drift check."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from saleor_retention import conf
from saleor_retention.adjustments import services as adjustments
from saleor_retention.earning import services as earning
from saleor_retention.errors import RetentionError
from saleor_retention.ledger import selectors, services
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount, PointLot
from saleor_retention.saleor_adapter import OrderFacts
from saleor_retention_site.store import create_customer


def settings_with(**overrides):
    base = {"signup_bonus": "0", "pending_days": "0", "points_per_currency_unit": "USD:1"}
    base.update({k: str(v) for k, v in overrides.items()})
    return conf.parse_configuration([{"name": k, "value": v} for k, v in base.items()])


def order(customer_id, order_id="1", total="100.00", paid=None, shipping="0", currency="USD"):
    total_d = Decimal(total)
    return OrderFacts(
        id=order_id,
        number=order_id,
        token="t" + order_id,
        customer_id=customer_id,
        customer_email="x@example.com",
        currency=currency,
        status="unfulfilled",
        language_code="en",
        channel=None,
        total_gross=total_d,
        total_net=total_d,
        shipping_gross=Decimal(shipping),
        shipping_net=Decimal(shipping),
        tax=Decimal("0"),
        paid_amount=Decimal(paid) if paid is not None else total_d,
        is_fully_paid=True,
        voucher_code=None,
        gift_card_codes=(),
        lines=(),
        created=timezone.now(),
    )


@pytest.fixture
def customer(db):
    return str(create_customer("ledger@example.com").pk)


def account(customer_id):
    return LoyaltyAccount.objects.get(customer_id=customer_id)


def spend(customer_id, points, key="spend"):
    adjustments.points_adjust(
        customer_id=customer_id,
        points=-points,
        reason="spent",
        staff_user_id="0",  # no user: never the customer
        key=key,
        settings=settings_with(),
    )


@pytest.mark.parametrize(
    ("policy", "points_after", "debt_after"),
    [("negative", -60, 60), ("clamp", 0, 0), ("future", 0, 60)],
)
def test_refund_of_spent_points_follows_the_policy(customer, policy, points_after, debt_after):
    # given 100 points earned and 60 of them spent
    settings = settings_with(negative_balance_policy=policy)
    earning.earn_for_order(order(customer), settings)
    spend(customer, 60)

    # when the whole order is refunded
    earning.reverse_for_refund(
        order_id="1",
        customer_id=customer,
        refund_id="r1",
        amount=Decimal("100.00"),
        settings=settings,
    )

    # then
    acc = account(customer)
    assert selectors.spendable_points(acc, policy=policy) == points_after
    assert acc.debt_points == debt_after
    assert services.verify_accounts() == []


def test_debt_is_paid_from_the_next_earnings(customer):
    settings = settings_with(negative_balance_policy="future")
    earning.earn_for_order(order(customer), settings)
    spend(customer, 60)
    earning.reverse_for_cancellation(order_id="1", customer_id=customer, settings=settings)

    earning.earn_for_order(order(customer, order_id="2", total="80.00"), settings)

    acc = account(customer)
    assert (acc.debt_points, acc.available_points) == (0, 20)
    assert services.verify_accounts() == []


@pytest.mark.parametrize("amounts", [("10.00", "5.50", "20.00"), ("20.00", "5.50", "10.00")])
def test_partial_refunds_in_any_order_end_at_the_same_total(customer, amounts):
    settings = settings_with()
    earning.earn_for_order(order(customer, total="55.00"), settings)  # 55 points

    for amount in amounts:
        earning.reverse_for_refund(
            order_id="1",
            customer_id=customer,
            refund_id=f"r{amount}",
            amount=Decimal(amount),
            settings=settings,
        )

    assert account(customer).available_points == 55 - 35  # trunc(55 * 35.5 / 55)
    assert services.verify_accounts() == []


def test_refund_processed_before_the_earn_is_applied_when_the_earn_comes(customer):
    settings = settings_with()
    earning.reverse_for_refund(
        order_id="1",
        customer_id=customer,
        refund_id="r1",
        amount=Decimal("25.00"),
        settings=settings,
    )

    earning.earn_for_order(order(customer), settings)

    assert account(customer).available_points == 75
    assert services.verify_accounts() == []


def test_cancelled_before_paid_processing_earns_nothing(customer):
    settings = settings_with()
    earning.reverse_for_cancellation(order_id="1", customer_id=customer, settings=settings)
    result = earning.earn_for_order(order(customer), settings)
    assert result.points == 0 and result.reason == "order was cancelled"


def test_refund_uses_the_rate_recorded_at_earn_time(customer):
    earning.earn_for_order(order(customer), settings_with(points_per_currency_unit="USD:2"))
    later = settings_with(points_per_currency_unit="USD:10")

    earning.reverse_for_refund(
        order_id="1", customer_id=customer, refund_id="r1", amount=Decimal("50.00"), settings=later
    )

    assert account(customer).available_points == 100  # 200 earned, half reversed


def test_earning_base_excludes_shipping_and_unpaid_share(customer):
    settings = settings_with()
    # 100 total with 10 shipping, 20 of it paid by gift card (not a payment)
    result = earning.earn_for_order(
        order(customer, total="100.00", paid="80.00", shipping="10.00"), settings
    )
    assert result.points == 72  # floor(90 * 0.8)
    with_shipping = settings_with(earn_on_shipping="true")
    other = earning.earn_for_order(
        order(customer, order_id="2", total="100.00", shipping="10.00"), with_shipping
    )
    assert other.points == 100


def test_lots_are_spent_soonest_expiring_first_and_expire_per_lot(customer):
    settings = settings_with(points_expiry_months=12)
    services.credit(
        customer_id=customer, points=30, type="campaign_bonus", key="old", settings=settings
    )
    lot_old = PointLot.objects.get(entry__idempotency_key="old")
    PointLot.objects.filter(pk=lot_old.pk).update(expires_at=timezone.now() + timedelta(days=10))
    services.credit(
        customer_id=customer, points=50, type="campaign_bonus", key="new", settings=settings
    )

    spend(customer, 20)

    lot_old.refresh_from_db()
    assert lot_old.remaining == 10
    assert services.expire_due_lots(timezone.now() + timedelta(days=11)) == 1
    assert account(customer).available_points == 50
    assert services.expire_due_lots(timezone.now() + timedelta(days=11)) == 0  # idempotent
    assert LedgerEntry.objects.get(type="expiry").points == -10
    assert services.verify_accounts() == []


def test_points_never_expire_when_expiry_is_off(customer):
    settings = settings_with(points_expiry_months=0)
    services.credit(
        customer_id=customer, points=30, type="campaign_bonus", key="k", settings=settings
    )
    assert services.expire_due_lots(timezone.now() + timedelta(days=10000)) == 0


def test_staff_deduction_cannot_overdraw(customer):
    services.credit(
        customer_id=customer, points=10, type="campaign_bonus", key="k", settings=settings_with()
    )
    with pytest.raises(RetentionError) as refused:
        spend(customer, 11)
    assert refused.value.code.value == "insufficient_points"
    assert account(customer).available_points == 10


def test_verify_command_reports_drift(customer):
    services.credit(
        customer_id=customer, points=10, type="campaign_bonus", key="k", settings=settings_with()
    )
    call_command("retention_verify_ledger", stdout=StringIO())

    LoyaltyAccount.objects.filter(customer_id=customer).update(available_points=11)

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("retention_verify_ledger", stdout=out)
    assert "available_points cached 11, rebuilt 10" in out.getvalue()


def test_database_refuses_a_negative_lot_or_overheld_account(customer):
    from django.db import IntegrityError, transaction

    services.credit(
        customer_id=customer, points=10, type="campaign_bonus", key="k", settings=settings_with()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PointLot.objects.update(remaining=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoyaltyAccount.objects.update(held_points=11)


def _groups(customer_id):
    account = selectors.account_with_expiring_points(customer_id)
    return [(group.expires_at, group.points) for group in selectors.expiring_points(account)]


def _kept(customer_id):
    return LoyaltyAccount.objects.get(customer_id=customer_id).expiring_points_cache


def test_expiry_groups_are_kept_on_the_account_and_every_move_of_points_empties_them(customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    twelve = settings_with(points_expiry_months=12)
    services.credit(
        customer_id=customer, points=30, type="campaign_bonus", key="a", settings=twelve
    )
    soon = timezone.now() + timedelta(days=10)
    PointLot.objects.filter(entry__idempotency_key="a").update(expires_at=soon)
    assert _groups(customer) == [(soon.date(), 30)]  # read and kept
    services.credit(
        customer_id=customer, points=50, type="campaign_bonus", key="b", settings=twelve
    )
    year_day = timezone.localtime(
        PointLot.objects.get(entry__idempotency_key="b").expires_at
    ).date()
    assert _kept(customer) is None  # the credit emptied what the read above kept

    # the first read groups the lots and keeps the result; the next is the account row alone
    assert _groups(customer) == [(soon.date(), 30), (year_day, 50)]
    assert _kept(customer)["groups"] == [
        {"expiry_date": soon.date().isoformat(), "points": 30},
        {"expiry_date": year_day.isoformat(), "points": 50},
    ]
    with CaptureQueriesContext(connection) as captured:
        assert _groups(customer) == [(soon.date(), 30), (year_day, 50)]
    assert len(captured.captured_queries) == 1

    # every way points move empties the kept groups, and the next read shows the move
    spend(customer, 20)  # soonest first
    assert _kept(customer) is None
    assert _groups(customer) == [(soon.date(), 10), (year_day, 50)]
    services.expire_due_lots(soon + timedelta(days=1))
    assert _kept(customer) is None
    assert _groups(customer) == [(year_day, 50)]
    services.credit(
        customer_id=customer,
        points=7,
        type="earn",
        key="pending",
        settings=twelve,
        pending_days=14,
    )
    assert _groups(customer) == [(year_day, 50)]  # pending points are not spendable yet
    services.release_due_lots(timezone.now() + timedelta(days=15))
    assert _kept(customer) is None
    assert [points for _day, points in _groups(customer)] == [50, 7]
    assert services.verify_accounts() == []


def test_groups_read_in_another_time_zone_are_grouped_again(customer):
    services.credit(
        customer_id=customer,
        points=5,
        type="campaign_bonus",
        key="tz",
        settings=settings_with(points_expiry_months=1),
    )
    midnight_utc = timezone.now().replace(hour=23, minute=30, second=0, microsecond=0)
    PointLot.objects.filter(entry__idempotency_key="tz").update(expires_at=midnight_utc)
    LoyaltyAccount.objects.filter(customer_id=customer).update(expiring_points_cache=None)

    with timezone.override("UTC"):
        assert _groups(customer) == [(midnight_utc.date(), 5)]
    with timezone.override("Asia/Shanghai"):  # 07:30 the next day there
        assert _groups(customer) == [(midnight_utc.date() + timedelta(days=1), 5)]
        assert _kept(customer)["tz"] == "Asia/Shanghai"
