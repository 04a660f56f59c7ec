"""Ledger entries are written once, complete: no path updates an entry row after its insert.

A trigger installed for the test (inside its transaction, so it goes with the rollback) refuses
any UPDATE of an entry's amount, type, order, reason or details; every write path of the ledger
and its siblings then runs. Only erasure may touch an entry, and only its idempotency key.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from saleor_retention.adjustments import services as adjustments
from saleor_retention.earning import services as earning
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount
from saleor_retention_site.store import create_customer
from tests.test_ledger_services import order, settings_with

IMMUTABLE = ("account_id", "type", "points", "order_id", "reason", "staff_user_id", "details")


@pytest.fixture
def customer(db):
    return str(create_customer("immutable@example.com").pk)


@pytest.fixture
def entries_refuse_updates(db):
    table = LedgerEntry._meta.db_table
    changed = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in IMMUTABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE FUNCTION retention_test_entry_immutable() RETURNS trigger AS $$
                BEGIN
                    IF {changed} THEN
                        RAISE EXCEPTION 'ledger entry % (%) updated after its insert',
                            OLD.id, OLD.idempotency_key;
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql"""
        )
        cursor.execute(
            f"""CREATE TRIGGER retention_test_entry_immutable BEFORE UPDATE ON {table}
                FOR EACH ROW EXECUTE FUNCTION retention_test_entry_immutable()"""
        )


def test_the_trigger_refuses_an_update(entries_refuse_updates, customer):
    # given an entry, when its points are changed afterwards, then the database refuses
    entry = services.credit(
        customer_id=customer, points=5, type="campaign_bonus", key="k", settings=settings_with()
    )
    with pytest.raises(Exception, match="updated after its insert"):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=6)


def test_every_write_path_inserts_each_entry_once(entries_refuse_updates, customer):
    # given expiring points, a debt-making policy and a pending return window
    settings = settings_with(points_expiry_months=1, negative_balance_policy="negative")
    later = timezone.now() + timedelta(days=40)

    # when every kind of entry is posted
    services.credit(
        customer_id=customer, points=100, type="campaign_bonus", key="bonus", settings=settings
    )
    earning.earn_for_order(order(customer, "1", total="100.00"), settings)
    earning.reverse_for_refund(
        order_id="1", customer_id=customer, refund_id="r1", amount=Decimal("40"), settings=settings
    )
    adjustments.points_adjust(
        customer_id=customer, points=-150, reason="spent", staff_user_id="0", settings=settings
    )
    earning.reverse_for_cancellation(order_id="1", customer_id=customer, settings=settings)
    services.take_back_credit(credit_key="bonus", key="bonus-back", reason="x", policy="negative")
    services.credit(
        customer_id=customer,
        points=500,
        type="campaign_bonus",
        key="pending",
        settings=settings,
        pending_days=1,
    )
    services.release_due_lots(timezone.now() + timedelta(days=2))
    account = LoyaltyAccount.objects.get(customer_id=customer)
    with_hold(account, settings)
    services.expire_due_lots(later)

    # then each was inserted with its final values (the trigger refused none) and adds up
    assert set(LedgerEntry.objects.values_list("type", flat=True)) == {
        "campaign_bonus",
        "earn",
        "reversal",
        "adjustment",
        "release",
        "redeem",
        "redeem_release",
        "expiry",
    }
    assert services.verify_accounts() == []


def with_hold(account, settings):
    """Hold 100 points, spend 60 of them on an order, then return half of them."""
    from saleor_retention import lock_objects

    hold = services.hold(
        account=lock_objects.account(account.pk),
        checkout_token="c1",
        gift_card_code="PTSTEST",
        points=100,
        amount=Decimal("1.00"),
        currency="USD",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    services.spend(
        lock_objects.account(account.pk),
        lock_objects.hold(hold.pk),
        order_id="2",
        points=60,
        details={"hold": hold.pk},
    )
    services.return_spent(order_id="2", share=Decimal("0.5"), key="give-back")
