"""Real parallel database connections racing on one account: never overdrawn, nothing doubled."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from saleor_retention.adjustments import services as adjustments
from saleor_retention.errors import RetentionError
from saleor_retention.ledger import selectors, services
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount
from saleor_retention_site.store import create_customer
from tests.test_ledger_services import settings_with


def race(workers: int, work) -> list[str]:
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            result = work(index)
        except RetentionError as error:
            result = error.code.value
        finally:
            connections.close_all()  # this thread's own connection
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_32_deductions_racing_exactly_the_affordable_ones_succeed():
    # given 100 spendable points
    customer = str(create_customer("race@example.com").pk)
    staff = str(create_customer("race-staff@example.com").pk)  # never her (SELF_ADJUSTMENT)
    settings = settings_with()
    services.credit(
        customer_id=customer, points=100, type="campaign_bonus", key="seed", settings=settings
    )
    assert connection.vendor == "postgresql"

    # when 32 connections each try to take 7 points at once
    outcomes = race(
        32,
        lambda i: adjustments.points_adjust(
            customer_id=customer,
            points=-7,
            reason="race",
            staff_user_id=staff,
            key=f"race-{i}",
            settings=settings,
        ).idempotency_key,
    )

    # then exactly floor(100 / 7) = 14 succeed and the balance is what is left
    assert sum(o.startswith("adjust:race-") for o in outcomes) == 14
    assert outcomes.count("insufficient_points") == 18
    account = LoyaltyAccount.objects.get(customer_id=customer)
    assert account.available_points == 100 - 14 * 7
    assert services.verify_accounts() == []


@pytest.mark.django_db(transaction=True)
def test_the_same_event_posted_by_32_connections_counts_once():
    customer = str(create_customer("replay@example.com").pk)
    settings = settings_with()

    race(
        32,
        lambda i: services.credit(
            customer_id=customer,
            points=10,
            type="campaign_bonus",
            key="one-event",
            settings=settings,
        ).idempotency_key,
    )

    assert LedgerEntry.objects.filter(idempotency_key="one-event").count() == 1
    assert LoyaltyAccount.objects.get(customer_id=customer).available_points == 10
    assert services.verify_accounts() == []


@pytest.mark.django_db(transaction=True)
def test_32_checkouts_applying_points_at_once_never_overdraw():
    # given 1,000 points and 32 real checkouts of the same shopper
    from saleor.checkout.models import Checkout

    from saleor_retention import saleor_adapter
    from saleor_retention.ledger.models import PointHold
    from saleor_retention.redemption import services as redemption
    from saleor_retention_site.driver import SaleorDriver
    from saleor_retention_site.store import build_store

    driver = SaleorDriver(build_store())
    user = create_customer("holds@example.com")
    settings = settings_with(redeem_min_points=100, redeem_max_share_percent=100)
    services.credit(
        customer_id=str(user.pk), points=1000, type="campaign_bonus", key="seed", settings=settings
    )
    tokens = [driver.checkout_create(email="holds@example.com")["token"] for _ in range(32)]
    Checkout.objects.filter(token__in=tokens).update(user=user)
    facts = [saleor_adapter.checkout_facts(Checkout.objects.get(token=t)) for t in tokens]

    # when each applies 100 points at the same moment
    outcomes = race(
        32,
        lambda i: redemption.apply_points(
            customer_id=str(user.pk), checkout=facts[i], points=100, settings=settings
        ).gift_card_code,
    )

    # then exactly 10 holds exist and the balance is fully held, never beyond
    assert sum(o.startswith("PTS") for o in outcomes) == 10
    assert outcomes.count("insufficient_points") == 22
    account = LoyaltyAccount.objects.get(customer_id=str(user.pk))
    assert (account.available_points, account.held_points) == (1000, 1000)
    assert PointHold.objects.filter(status="active").count() == 10
    assert services.verify_accounts() == []


@pytest.mark.django_db(transaction=True)
def test_32_credits_racing_on_an_account_in_debt_settle_it_exactly_once():
    # given an account that owes 30 points (80 reversed of 50 credited, policy "negative")
    customer = str(create_customer("debtor@example.com").pk)
    settings = settings_with()
    seed = services.credit(
        customer_id=customer, points=50, type="campaign_bonus", key="seed", settings=settings
    )
    services.reverse(
        account_id=seed.account_id, points=80, key="refund", reason="refund", policy="negative"
    )
    assert LoyaltyAccount.objects.get(customer_id=customer).debt_points == 30

    # when 32 connections each credit 5 points under their own key at once
    race(
        32,
        lambda i: services.credit(
            customer_id=customer,
            points=5,
            type="campaign_bonus",
            key=f"credit-{i}",
            settings=settings,
        ).idempotency_key,
    )

    # then the debt is paid once, from the first credits, and every balance rebuilds
    account = LoyaltyAccount.objects.get(customer_id=customer)
    assert (account.debt_points, account.available_points) == (0, 32 * 5 - 30)
    assert LedgerEntry.objects.filter(idempotency_key__startswith="credit-").count() == 32
    assert services.verify_accounts() == []


@pytest.mark.django_db(transaction=True)
def test_16_first_credits_of_a_new_customer_racing_make_one_account():
    # given a customer with no loyalty account yet
    customer = str(create_customer("newcomer@example.com").pk)
    settings = settings_with()

    # when 16 connections credit her at once, each under its own key
    race(
        16,
        lambda i: services.credit(
            customer_id=customer,
            points=3,
            type="campaign_bonus",
            key=f"first-{i}",
            settings=settings,
            pending_days=i % 2,  # half pending, half available at once
        ).idempotency_key,
    )

    # then she has one account holding all 16 credits
    account = LoyaltyAccount.objects.get(customer_id=customer)
    assert account.entries.count() == 16
    assert (account.pending_points, account.available_points) == (8 * 3, 8 * 3)
    assert services.verify_accounts() == []


def _expiring_total(customer_id):
    account = selectors.account_with_expiring_points(customer_id)
    return sum(group.points for group in selectors.expiring_points(account))


def _credit(customer_id, points, key):
    services.credit(
        customer_id=customer_id,
        points=points,
        type="campaign_bonus",
        key=key,
        settings=settings_with(points_expiry_months=3),
    )


@pytest.mark.django_db(transaction=True)
def test_expiry_groups_made_before_a_committed_write_are_not_kept_over_it():
    customer = str(create_customer("groups-stale@example.com").pk)
    _credit(customer, 5, "first")
    # a read takes the row's version, then a write moves points before the read keeps its groups
    columns = tuple(field.column for field in LoyaltyAccount._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(selectors._account_sql(columns), [customer])
        version = cursor.fetchone()[-1]
    account_id = LoyaltyAccount.objects.get(customer_id=customer).pk
    _credit(customer, 9, "second")
    stale = {"tz": "UTC", "groups": [{"expiry_date": "2000-01-01", "points": 5}]}

    assert selectors._keep_groups(account_id, version, stale) is False
    assert LoyaltyAccount.objects.get(pk=account_id).expiring_points_cache is None
    assert _expiring_total(customer) == 14


@pytest.mark.django_db(transaction=True)
def test_a_read_beside_an_open_write_neither_waits_nor_keeps_what_it_saw():
    customer = str(create_customer("groups-open@example.com").pk)
    _credit(customer, 5, "first")
    written, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                _credit(customer, 9, "open")
                written.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(10)
        started = time.monotonic()
        # the committed state, at once: the open write's row lock is skipped, not waited for
        assert _expiring_total(customer) == 5
        assert time.monotonic() - started < 2
        assert LoyaltyAccount.objects.get(customer_id=customer).expiring_points_cache is None
    finally:
        release.set()
        thread.join()
    assert _expiring_total(customer) == 14
    assert LoyaltyAccount.objects.get(customer_id=customer).expiring_points_cache is not None
