"""A refund the payment provider takes back (Saleor 3.x: a ``refund_failure`` after the
``refund_success`` under the same PSP reference) gives the reversed points back, once, whatever
order the two events are processed in; later refunds are measured without it."""

from decimal import Decimal

import pytest

from saleor_retention.earning import services as earning
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount, PointLot
from saleor_retention_site.store import create_customer

from .test_ledger_services import order, settings_with


@pytest.fixture
def customer(db):
    return str(create_customer("voids@example.com").pk)


def refund(customer_id, refund_id, amount, settings):
    return earning.reverse_for_refund(
        order_id="1",
        customer_id=customer_id,
        refund_id=refund_id,
        amount=Decimal(amount),
        settings=settings,
    )


def void(customer_id, refund_id, amount, settings):
    return earning.restore_for_voided_refund(
        order_id="1",
        customer_id=customer_id,
        refund_id=refund_id,
        amount=Decimal(amount),
        settings=settings,
    )


def available(customer_id):
    return LoyaltyAccount.objects.get(customer_id=customer_id).available_points


def test_a_voided_refund_gives_its_points_back_once(customer):
    # given 100 points earned and a refund of 40.00 that reversed 40
    settings = settings_with()
    earning.earn_for_order(order(customer), settings)
    refund(customer, "transaction-event-6", "40.00", settings)
    assert available(customer) == 60

    # when the provider's failure arrives, and its event is processed twice
    first = void(customer, "transaction-event-6", "40.00", settings)
    second = void(customer, "transaction-event-6", "40.00", settings)

    # then the 40 points came back once, as one entry under the void's key
    assert first.pk == second.pk
    assert first.points == 40
    assert first.idempotency_key == "refund-void:order:1:transaction-event-6"
    assert first.details["reversal_points"] == -40
    assert available(customer) == 100
    assert LedgerEntry.objects.filter(idempotency_key__startswith="refund-void:").count() == 1
    assert services.verify_accounts() == []


def test_refunds_after_a_void_are_measured_without_it(customer):
    # given 100 points on a 100.00 order; a 40.00 refund reversed, then voided
    settings = settings_with()
    earning.earn_for_order(order(customer), settings)
    refund(customer, "transaction-event-6", "40.00", settings)
    void(customer, "transaction-event-6", "40.00", settings)

    # when the whole order is refunded afterwards
    refund(customer, "transaction-event-9", "100.00", settings)

    # then all 100 points are gone, not 100 - 40 (the voided refund no longer counts)
    assert available(customer) == 0
    assert services.verify_accounts() == []


def test_a_refund_voided_before_its_reversal_ran_is_never_reversed(customer):
    # given 100 points; the void's task runs before the refund's (tasks may run out of order)
    settings = settings_with()
    earning.earn_for_order(order(customer), settings)
    marker = void(customer, "transaction-event-6", "40.00", settings)

    # when the refund's own task runs afterwards
    late = refund(customer, "transaction-event-6", "40.00", settings)

    # then nothing was taken, and nothing given: the points are as earned
    assert marker.points == 0
    assert late is None
    assert available(customer) == 100
    assert services.verify_accounts() == []


def test_points_given_back_stay_pending_while_the_order_points_are(customer):
    # given 100 points pending for 14 days, 40 of them reversed by a refund
    settings = settings_with(pending_days=14)
    earning.earn_for_order(order(customer), settings)
    refund(customer, "transaction-event-6", "40.00", settings)

    # when the refund is voided
    entry = void(customer, "transaction-event-6", "40.00", settings)

    # then the 40 points are pending too, not spendable at once
    lot = PointLot.objects.get(entry=entry)
    assert lot.status == PointLot.Status.PENDING
    account = LoyaltyAccount.objects.get(customer_id=customer)
    assert (account.pending_points, account.available_points) == (100, 0)
    assert services.verify_accounts() == []
