"""Money of a refund that came back to the merchant (Saleor 3.x: a reverse under the refund's PSP
reference, a lowered manual amount), and chargebacks, through the real ledger: the facts of
``transaction_refunds`` are posted by earning's services in every order a worker may run them,
replayed, and end at the same balance, in proportion to what was earned (rate and multiplier
recorded at earning)."""

import itertools
import random
from decimal import Decimal

import pytest

from saleor_retention.earning import services as earning
from saleor_retention.ledger import selectors, services
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount
from saleor_retention.saleor_adapter.facts import RefundFacts
from saleor_retention.saleor_adapter.transaction_refunds import (
    CHARGE_BACK,
    REFUND_FAILURE,
    REFUND_REVERSE,
    merge_refunds,
    voided_refunds,
)
from saleor_retention.tiers import services as tiers
from saleor_retention_site.store import create_customer

from .test_ledger_services import order, settings_with, spend
from .test_transaction_refund_rule import event


@pytest.fixture
def customer(db):
    return str(create_customer("takebacks@example.com").pk)


def facts_of(events):
    """(refunds, voids) the intake records over the story: read after each event, as a hook
    fires after each (a refund voided whole later was recorded while it stood)."""
    refunds, voids = {}, {}
    for end in range(1, len(events) + 1):
        for refund in merge_refunds("o1", events=events[:end], granted=[]):
            refunds.setdefault(refund.refund_id, refund)
        for void in voided_refunds("o1", events=events[:end]):
            voids.setdefault((void.refund_id, void.void_id), void)
    return list(refunds.values()), list(voids.values())


def post(fact, order_id, customer_id, settings):
    """What earning's handler does with the business event the intake records for ``fact``."""
    if isinstance(fact, RefundFacts):
        return earning.reverse_for_refund(
            order_id=order_id,
            customer_id=customer_id,
            refund_id=fact.refund_id,
            amount=fact.amount,
            settings=settings,
            cause=fact.cause,
        )
    return earning.restore_for_voided_refund(
        order_id=order_id,
        customer_id=customer_id,
        refund_id=fact.refund_id,
        amount=fact.amount,
        settings=settings,
        void_id=fact.void_id,
        cause=fact.cause,
    )


def available(customer_id):
    return LoyaltyAccount.objects.get(customer_id=customer_id).available_points


def order_points(order_id):
    return sum(LedgerEntry.objects.filter(order_id=order_id).values_list("points", flat=True))


def run_in_orders(customer_id, events, orders, settings, *, total="100.00"):
    """Earn on a fresh order per run and post its facts (and the earn) in the given order;
    (points the order holds after each run, after a replay of everything)."""
    refunds, voids = facts_of(events)
    facts = ["earn", *refunds, *voids]
    results = []
    for run, order_of in enumerate(orders):
        order_id = f"run-{run}"
        for index in order_of:
            if facts[index] == "earn":
                earning.earn_for_order(order(customer_id, order_id, total=total), settings)
            else:
                post(facts[index], order_id, customer_id, settings)
        held = order_points(order_id)
        for fact in facts[1:]:  # every business event processed again
            post(fact, order_id, customer_id, settings)
        earning.earn_for_order(order(customer_id, order_id, total=total), settings)
        results.append((held, order_points(order_id)))
    return results


def some_orders(count, samples=12, seed=7):
    """The natural order, its reverse, the earn last, and a fixed sample of the others."""
    natural = list(range(count))
    every = list(itertools.permutations(natural))
    picked = [tuple(natural), tuple(reversed(natural)), tuple(natural[1:] + [0])]
    return picked + random.Random(seed).sample(every, min(samples, len(every)))


def test_a_partial_reverse_gives_its_share_back_once_whatever_runs_first(customer):
    # given 100 points on a 100.00 order, a PSP refund of 30.00 and a reverse of 10.00 of it
    settings = settings_with()
    events = [event(1, amount="30.00", psp="r-1"), event(2, REFUND_REVERSE, "10.00", psp="r-1")]

    # when the earn, the refund and the reverse run in every order, then all again
    results = run_in_orders(customer, events, itertools.permutations(range(3)), settings)

    # then each run holds 80 (100 - 30 + 10), and the replays changed nothing
    assert results == [(80, 80)] * 6
    assert services.verify_accounts() == []


def test_the_reverse_run_before_its_refund_leaves_a_marker_and_the_refund_takes_the_rest(customer):
    settings = settings_with()
    earning.earn_for_order(order(customer), settings)
    (refund,), (reverse,) = facts_of(
        [event(1, amount="30.00", psp="r-1"), event(2, REFUND_REVERSE, "10.00", psp="r-1")]
    )

    marker = post(reverse, "1", customer, settings)
    reversal = post(refund, "1", customer, settings)

    assert marker.points == 0
    assert marker.idempotency_key == ("refund-void:order:1:transaction-event-1:transaction-event-2")
    assert (reversal.points, reversal.details["refund_amount"]) == (-20, "20.00")
    assert available(customer) == 80


def test_a_reverse_larger_than_its_refund_gives_back_only_that_refunds_points(customer):
    # given two refunds, 30.00 under r-1 and 20.00 manual, and a reverse of 50.00 under r-1
    settings = settings_with()
    earning.earn_for_order(order(customer), settings)
    refunds, voids = facts_of(
        [
            event(1, amount="30.00", psp="r-1"),
            event(2, amount="20.00"),
            event(3, REFUND_REVERSE, "50.00", psp="r-1"),
        ]
    )
    for fact in refunds:
        post(fact, "1", customer, settings)
    assert available(customer) == 50

    # when the reverse is posted, also with an amount the rule would never send
    (void,) = voids
    given = post(void, "1", customer, settings)
    overdone = earning.restore_for_voided_refund(
        order_id="1",
        customer_id=customer,
        refund_id="transaction-event-1",
        amount=Decimal("50.00"),
        settings=settings,
        void_id="transaction-event-99",
    )

    # then the 30 points of r-1 came back, not the manual refund's 20
    assert given.points == 30
    assert overdone.points == 0
    assert available(customer) == 80
    assert services.verify_accounts() == []


def test_a_failure_after_a_partial_reverse_gives_back_the_rest_of_the_refund(customer):
    settings = settings_with()
    events = [
        event(1, amount="30.00", psp="r-1"),
        event(2, REFUND_REVERSE, "10.00", psp="r-1"),
        event(3, REFUND_FAILURE, "30.00", psp="r-1"),
    ]

    results = run_in_orders(customer, events, itertools.permutations(range(4)), settings)

    assert results == [(100, 100)] * 24


def test_a_lowered_manual_amount_gives_back_its_share_in_any_order(customer):
    # given manual refunds 10.00 and 20.00, amountRefunded lowered by 25.00, raised by 5.00:
    # 10.00 refunded in the end
    settings = settings_with()
    events = [
        event(1, amount="10.00"),
        event(2, amount="20.00"),
        event(3, amount="-25.00"),
        event(4, amount="5.00"),
    ]
    refunds, voids = facts_of(events)
    assert (len(refunds), len(voids)) == (3, 2)

    results = run_in_orders(customer, events, some_orders(6), settings)

    assert set(results) == {(90, 90)}
    assert services.verify_accounts() == []


def test_the_give_back_follows_the_rate_and_multiplier_recorded_at_earning(customer):
    # given a Silver member (x1.5) earning 2 points per USD: 100.00 earns 300 points
    tiered = settings_with(tiers="Silver:100:1.5", points_per_currency_unit="USD:2")
    earning.earn_for_order(order(customer, "first", total="120.00"), tiered)
    tiers.evaluate(LoyaltyAccount.objects.get(customer_id=customer).pk, tiered)
    earning.earn_for_order(order(customer, "1"), tiered)
    assert order_points("1") == 300
    refunds, voids = facts_of(
        [event(1, amount="30.00", psp="r-1"), event(2, REFUND_REVERSE, "10.00", psp="r-1")]
    )

    # when the rate and the tiers change, then the refund and its reverse are processed
    changed = settings_with(points_per_currency_unit="USD:5")
    reversal = post(refunds[0], "1", customer, changed)
    given = post(voids[0], "1", customer, changed)

    # then both follow what was earned: 30% of 300, then 10% of it back
    assert (reversal.points, given.points) == (-90, 30)
    assert order_points("1") == 240
    assert services.verify_accounts() == []


def test_a_chargeback_takes_back_its_share_like_a_refund(customer):
    # given chargebacks: 20.00 without a reference, 20.00 under cb-1 later named 15.00
    settings = settings_with()
    events = [
        event(1, CHARGE_BACK, "20.00"),
        event(2, CHARGE_BACK, "20.00", psp="cb-1"),
        event(3, CHARGE_BACK, "15.00", psp="cb-1"),
    ]

    results = run_in_orders(customer, events, itertools.permutations(range(4)), settings)

    # then 35.00 charged back in the end: 65 points held
    assert set(results) == {(65, 65)}
    reasons = set(
        LedgerEntry.objects.filter(order_id="run-0")
        .exclude(type="earn")
        .values_list("reason", flat=True)
    )
    assert reasons == {"Payment charged back", "Chargeback lowered by the payment provider"}
    assert services.verify_accounts() == []


def test_every_kind_at_once_ends_at_the_same_balance_in_any_order(customer):
    # given the rule test's story: 20.00 of the 100.00 order refunded or charged back in the end
    from .test_transaction_refund_rule import _story

    settings = settings_with()
    refunds, voids = facts_of(_story())
    count = 1 + len(refunds) + len(voids)

    results = run_in_orders(customer, _story(), some_orders(count, samples=10), settings)

    assert set(results) == {(80, 80)}
    assert services.verify_accounts() == []


@pytest.mark.parametrize(("policy", "debt_after"), [("negative", 10), ("future", 10)])
def test_points_given_back_pay_the_debt_a_refund_left(customer, policy, debt_after):
    # given 100 points earned, 60 spent, the whole order refunded (a debt of 60)
    settings = settings_with(negative_balance_policy=policy)
    earning.earn_for_order(order(customer), settings)
    spend(customer, 60)
    (refund,), (reverse,) = facts_of(
        [event(1, amount="100.00", psp="r-1"), event(2, REFUND_REVERSE, "50.00", psp="r-1")]
    )
    post(refund, "1", customer, settings)
    assert LoyaltyAccount.objects.get(customer_id=customer).debt_points == 60

    # when half the refund is reversed
    post(reverse, "1", customer, settings)

    # then its 50 points first pay the debt, as any credit does under that policy
    account = LoyaltyAccount.objects.get(customer_id=customer)
    assert account.debt_points == debt_after
    assert selectors.spendable_points(account, policy=policy) == (
        -10 if policy == "negative" else 0
    )
    assert services.verify_accounts() == []
