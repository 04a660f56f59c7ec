"""Saleor 3.x's refund rule (``saleor_adapter.transaction_refunds``) on plain rows: reverses under
a PSP reference, negative manual adjustments, chargebacks; each fact named by a Saleor row, the
same facts whatever order the rows come in and however often they are read, and a fact once
seen never renamed as more events arrive."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from saleor_retention.saleor_adapter.facts import CHARGEBACK, REFUND
from saleor_retention.saleor_adapter.transaction_refunds import (
    CHARGE_BACK,
    REFUND_FAILURE,
    REFUND_REVERSE,
    REFUND_SUCCESS,
    RefundEventRow,
    merge_refunds,
    refunded_amount,
    voided_refunds,
)

START = datetime(2026, 12, 1, tzinfo=UTC)


def event(pk, kind=REFUND_SUCCESS, amount="10.00", psp="", txn="t1", minute=None):
    return RefundEventRow(
        pk=pk,
        transaction_id=txn,
        type=kind,
        psp_reference=psp,
        amount=Decimal(amount),
        currency="USD",
        created=START + timedelta(minutes=pk if minute is None else minute),
    )


def refunds_of(events):
    return [
        (r.refund_id, str(r.amount), r.cause)
        for r in merge_refunds("o1", events=events, granted=[])
    ]


def voids_of(events):
    return [
        (v.refund_id, v.void_id, str(v.amount), v.cause)
        for v in voided_refunds("o1", events=events)
    ]


def te(pk):
    return f"transaction-event-{pk}"


# --- REFUND_REVERSE under a PSP reference ----------------------------------------------------------


def test_a_full_reverse_takes_the_whole_refund_back_and_a_partial_one_its_amount():
    # given a PSP refund of 30.00, then (two stores) a reverse of all of it or of 10.00
    full = [event(1, amount="30.00", psp="r-1"), event(2, REFUND_REVERSE, "30.00", psp="r-1")]
    part = [event(1, amount="30.00", psp="r-1"), event(2, REFUND_REVERSE, "10.00", psp="r-1")]

    # then the refund stays named by its success, and the reverse takes its amount back from it
    assert refunds_of(full) == [(te(1), "30.00", REFUND)]
    assert voids_of(full) == [(te(1), te(2), "30.00", "reverse")]
    assert voids_of(part) == [(te(1), te(2), "10.00", "reverse")]
    assert refunded_amount(
        merge_refunds("o1", events=part, granted=[]), voided_refunds("o1", events=part)
    ) == Decimal("20.00")


def test_a_reverse_never_takes_back_more_than_its_refund():
    events = [event(1, amount="30.00", psp="r-1"), event(2, REFUND_REVERSE, "50.00", psp="r-1")]

    assert voids_of(events) == [(te(1), te(2), "30.00", "reverse")]


def test_saleor_keeps_one_reverse_per_reference_so_a_larger_one_adds_the_difference():
    # given reverses of 10, then 25 (Saleor counts the last: 25), then 5 (Saleor: 5)
    events = [
        event(1, amount="30.00", psp="r-1"),
        event(2, REFUND_REVERSE, "10.00", psp="r-1"),
        event(3, REFUND_REVERSE, "10.00", psp="r-1"),  # the same reported again
        event(4, REFUND_REVERSE, "25.00", psp="r-1"),
        event(5, REFUND_REVERSE, "5.00", psp="r-1"),
    ]

    # then 10 and 15 come back, each named by its event; the smaller last one takes nothing
    # again (the ledger never reverses points a second time for one refund)
    assert voids_of(events) == [
        (te(1), te(2), "10.00", "reverse"),
        (te(1), te(4), "15.00", "reverse"),
    ]


def test_a_reverse_reported_before_its_success_applies_when_the_refund_stands():
    # given a reverse whose time (transactionEventReport's ``time``) is before the success
    events = [event(2, REFUND_REVERSE, "10.00", psp="r-1"), event(3, amount="30.00", psp="r-1")]

    assert refunds_of(events) == [(te(3), "30.00", REFUND)]
    assert voids_of(events) == [(te(3), te(2), "10.00", "reverse")]


def test_a_reverse_counts_for_a_retried_refund_under_the_same_reference_as_saleor_counts_it():
    # given success 30, reverse 10, failure, success 30 again (Saleor: 30 - 10 = 20 refunded)
    events = [
        event(1, amount="30.00", psp="r-1"),
        event(2, REFUND_REVERSE, "10.00", psp="r-1"),
        event(3, REFUND_FAILURE, "30.00", psp="r-1"),
        event(4, amount="30.00", psp="r-1"),
    ]

    # then the first refund is void whole, and the reverse takes 10 from the retry as well
    assert refunds_of(events) == [(te(4), "30.00", REFUND)]
    assert voids_of(events) == [
        (te(1), te(2), "10.00", "reverse"),
        (te(1), "", "30.00", "failure"),
        (te(4), te(2), "10.00", "reverse"),
    ]
    refunds = merge_refunds("o1", events=events, granted=[])
    assert refunded_amount(refunds, voided_refunds("o1", events=events)) == Decimal("20.00")


def test_a_reverse_without_reference_or_on_another_transaction_takes_nothing_back():
    # Saleor: a REFUND_REVERSE without a PSP reference raises charged, not refunded; references
    # are per transaction
    events = [
        event(1, amount="30.00", psp="r-1"),
        event(2, REFUND_REVERSE, "10.00"),
        event(3, REFUND_REVERSE, "10.00", psp="r-1", txn="t2"),
    ]

    assert voids_of(events) == []


# --- negative manual adjustments (transactionUpdate lowering amountRefunded) -----------------------


def test_a_lowered_manual_amount_is_taken_from_the_latest_manual_refunds_first():
    # given manual refunds of 10 and 20, then amountRefunded lowered by 25, then raised by 5
    events = [
        event(1, amount="10.00"),
        event(2, amount="20.00"),
        event(3, amount="-25.00"),
        event(4, amount="5.00"),
    ]

    # then 20 come back from the second and 5 from the first, named by the adjustment; the
    # later raise is a refund of its own
    assert refunds_of(events) == [
        (te(1), "10.00", REFUND),
        (te(2), "20.00", REFUND),
        (te(4), "5.00", REFUND),
    ]
    assert voids_of(events) == [
        (te(1), te(3), "5.00", "adjustment"),
        (te(2), te(3), "20.00", "adjustment"),
    ]
    refunds = merge_refunds("o1", events=events, granted=[])
    assert refunded_amount(refunds, voided_refunds("o1", events=events)) == Decimal("10.00")


def test_a_lowered_amount_beyond_the_manual_refunds_comes_from_the_psp_refunds_of_the_transaction():
    # given a PSP refund of 30 and a manual one of 5 on one transaction, one of 40 on another;
    # then staff set amountRefunded to 10 on the first (Saleor writes -25 without reference)
    events = [
        event(1, amount="30.00", psp="r-1"),
        event(2, amount="5.00"),
        event(3, amount="40.00", psp="r-9", txn="t2"),
        event(4, amount="-25.00"),
        event(5, amount="-50.00"),  # more than is left on the transaction: the rest is nothing
    ]

    assert voids_of(events) == [
        (te(1), te(4), "20.00", "adjustment"),
        (te(2), te(4), "5.00", "adjustment"),
        (te(1), te(5), "10.00", "adjustment"),
    ]


# --- CHARGE_BACK ------------------------------------------------------------------------------------


def test_chargebacks_are_refunds_of_their_amount():
    # given chargebacks without a reference (each counts) and under one (the last counts)
    events = [
        event(1, CHARGE_BACK, "7.00"),
        event(2, CHARGE_BACK, "3.00"),
        event(3, CHARGE_BACK, "20.00", psp="cb-1"),
        event(4, CHARGE_BACK, "20.00", psp="cb-1"),  # the same reported again
        event(5, CHARGE_BACK, "26.00", psp="cb-1"),  # now 26: 6 more
        event(6, CHARGE_BACK, "15.00", psp="cb-1"),  # now 15: 11 back
        event(7, "charge_failure", "100.00", psp="cb-1"),  # undoes no chargeback in Saleor
    ]

    assert refunds_of(events) == [
        (te(1), "7.00", CHARGEBACK),
        (te(2), "3.00", CHARGEBACK),
        (te(3), "20.00", CHARGEBACK),
        (te(5), "6.00", CHARGEBACK),
    ]
    assert voids_of(events) == [
        (te(3), te(6), "5.00", "chargeback"),
        (te(5), te(6), "6.00", "chargeback"),
    ]
    refunds = merge_refunds("o1", events=events, granted=[])
    assert refunded_amount(refunds, voided_refunds("o1", events=events)) == Decimal("25.00")


def test_a_lowered_manual_amount_never_takes_from_a_chargeback():
    events = [event(1, CHARGE_BACK, "20.00"), event(2, amount="-5.00")]

    assert voids_of(events) == []


# --- every case at once: row order, replays, growth ----------------------------------------------


def _story():
    return [
        event(1, amount="10.00"),  # manual refund
        event(2, amount="30.00", psp="r-1"),  # PSP refund
        event(3, REFUND_REVERSE, "12.00", psp="r-1"),
        event(4, amount="-4.00"),  # manual lowered
        event(5, amount="8.00", psp="r-2"),
        event(6, REFUND_FAILURE, "8.00", psp="r-2"),
        event(7, CHARGE_BACK, "20.00", psp="cb-1"),
        event(8, amount="-15.00"),  # beyond the manual: from r-1
        event(9, REFUND_REVERSE, "30.00", psp="r-1"),  # capped by what is left of r-1
    ]


def test_the_facts_do_not_depend_on_the_order_of_the_rows_or_on_reading_twice():
    story = _story()

    once = (refunds_of(story), voids_of(story))

    assert (refunds_of(reversed(story)), voids_of(reversed(story))) == once
    assert (refunds_of(story), voids_of(story)) == once  # read again: the same
    assert (refunds_of(story + story), voids_of(story + story)) == once  # a row given twice
    assert voids_of(story) == [
        (te(2), te(3), "12.00", "reverse"),
        (te(1), te(4), "4.00", "adjustment"),
        (te(5), "", "8.00", "failure"),
        (te(1), te(8), "6.00", "adjustment"),
        (te(2), te(8), "9.00", "adjustment"),
        (te(2), te(9), "9.00", "reverse"),
    ]


def test_a_fact_once_read_keeps_its_name_and_amount_as_more_events_arrive():
    # Each read of a growing history yields a superset: what the intake recorded at one hook
    # is never renamed or resized at the next (a refund voided whole moves to the voids).
    story = _story()
    full_refunds, full_voids = set(refunds_of(story)), set(voids_of(story))
    whole = {refund for refund, void_id, _amount, _cause in full_voids if not void_id}
    for end in range(1, len(story) + 1):
        refunds, voids = refunds_of(story[:end]), voids_of(story[:end])
        assert {r for r in refunds if r[0] not in whole} <= full_refunds
        assert set(voids) <= full_voids
