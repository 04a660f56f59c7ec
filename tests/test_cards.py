"""Loyalty cards in parcels (issue 4): programs, the decision on an order's first parcel with a
deterministic sample draw and a control group, real Saleor vouchers behind the cards, void on
cancellation, redemption through Saleor's own ``checkoutAddPromoCode``. Driven through Saleor's
GraphQL like the dashboard and a storefront."""

from decimal import Decimal

import pytest
from saleor.discount.models import Voucher
from saleor.order.models import Fulfillment

from saleor_retention.cards import services
from saleor_retention.cards.models import (
    CARD_CODE_ALPHABET,
    CardDecision,
    CardProgram,
    LoyaltyCard,
)
from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.inbox.models import PluginEvent
from saleor_retention.inbox.services import process_event
from saleor_retention_site.driver import gid, pk_of
from saleor_retention_site.store import create_customer
from tests.connections import nodes
from tests.replay import replay_everything
from tests.test_ledger_services import settings_with

PROGRAM_FIELDS = """id name kind value currency minSpend validityDays eligibility minPaidOrders
    sampleRate priority isActive templateName cardsIssued controlOrders"""
CREATE = f"""mutation($input: LoyaltyCardProgramInput!) {{
  loyaltyCardProgramCreate(input: $input) {{
    program {{ {PROGRAM_FIELDS} }} errors {{ field code message }}
  }}
}}"""
UPDATE = f"""mutation($id: ID!, $input: LoyaltyCardProgramInput!) {{
  loyaltyCardProgramUpdate(id: $id, input: $input) {{
    program {{ {PROGRAM_FIELDS} }} errors {{ field code message }}
  }}
}}"""
DEACTIVATE = """mutation($id: ID!) {
  loyaltyCardProgramDeactivate(id: $id) { program { id isActive } errors { field code message } }
}"""
VOID = """mutation($id: ID!) {
  loyaltyCardVoid(id: $id) { card { id status } errors { field code message } }
}"""
MY_CARDS = (
    "{ me { loyaltyCards { edges { node { code kind value minSpend expiresAt status } } } } }"
)
CARDS = """query($filter: LoyaltyCardFilterInput) {
  loyaltyCards(filter: $filter) { edges { node { id code status program { name } orderId fulfillmentId } } }
}"""
FULFILLMENT_CARDS = """query($id: ID!) {
  order(id: $id) { fulfillments { id loyaltyCards { edges { node { code status } } } } }
}"""

TEN_OFF = {
    "name": "Ten off fifty",
    "kind": "FIXED",
    "value": "10",
    "minSpend": "50",
    "validityDays": 30,
    "sampleRate": "100",
    "templateName": "fixed.html",
}


def create_program(driver, **overrides):
    payload = driver.mutate(
        "loyaltyCardProgramCreate",
        CREATE,
        {"input": {**TEN_OFF, **overrides}},
        token=driver.staff_token(),
        expect_errors=True,
    )
    return payload


def register(driver, email):
    customer = pk_of(driver.account_register(email))
    return customer, driver.token_create(email, "customer-password")


def ship(driver, order_id):
    return driver.order_fulfill(order_id)["fulfillments"][0]["id"]


def state():
    return (
        list(CardDecision.objects.order_by("pk").values_list("program_id", "order_id", "outcome")),
        list(LoyaltyCard.objects.order_by("pk").values_list("code", "status", "redeemed_order_id")),
        Voucher.objects.count(),
    )


# --- programs --------------------------------------------------------------------------------


def test_staff_create_update_deactivate_and_list_programs(retention_on):
    driver = retention_on

    # when staff create a program
    payload = create_program(driver)

    # then it is stored with the given terms
    assert payload["errors"] == []
    program = payload["program"]
    assert program["kind"] == "FIXED"
    assert (program["value"], program["minSpend"], program["currency"]) == (10.0, 50.0, "USD")
    assert (program["eligibility"], program["sampleRate"], program["isActive"]) == (
        "ANY",
        100.0,
        True,
    )

    # when they change it, only the given fields change
    updated = driver.mutate(
        "loyaltyCardProgramUpdate",
        UPDATE,
        {"id": program["id"], "input": {"sampleRate": "12.5", "priority": 5}},
        token=driver.staff_token(),
    )["program"]
    assert (updated["sampleRate"], updated["priority"], updated["value"]) == (12.5, 5, 10.0)

    # when they deactivate it
    deactivated = driver.mutate(
        "loyaltyCardProgramDeactivate",
        DEACTIVATE,
        {"id": program["id"]},
        token=driver.staff_token(),
    )
    assert deactivated == {"program": {"id": program["id"], "isActive": False}, "errors": []}
    listed = driver.query(
        "{ loyaltyCardPrograms { edges { node { id isActive } } } }", token=driver.staff_token()
    )
    assert nodes(listed["loyaltyCardPrograms"]) == [{"id": program["id"], "isActive": False}]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"kind": "BONUS_POINTS", "value": "0", "minSpend": None}, "value", "INVALID"),
        ({"kind": "BONUS_POINTS", "value": "12.5", "minSpend": None}, "value", "INVALID"),
        ({"kind": "BONUS_POINTS", "value": "1000001", "minSpend": None}, "value", "INVALID"),
        ({"eligibility": "TIER"}, "eligibleTiers", "INVALID"),
        ({"eligibility": "TIER", "eligibleTiers": [" "]}, "eligibleTiers", "INVALID"),
        ({"eligibleTiers": ["Gold"]}, "eligibleTiers", "INVALID"),
        ({"kind": "PERCENTAGE", "value": "120"}, "value", "INVALID"),
        ({"minSpend": None}, "minSpend", "REQUIRED"),
        ({"minSpend": "5"}, "minSpend", "INVALID"),
        ({"sampleRate": "100.5"}, "sampleRate", "INVALID"),
        ({"sampleRate": "-1"}, "sampleRate", "INVALID"),
        ({"validityDays": 0}, "validityDays", "INVALID"),
        ({"eligibility": "REPEAT", "minPaidOrders": 0}, "minPaidOrders", "INVALID"),
        ({"minPaidOrders": 2}, "minPaidOrders", "INVALID"),
        ({"name": "  "}, "name", "INVALID"),
        ({"templateName": "../etc/passwd"}, "templateName", "INVALID"),
        ({"currency": "dollars"}, "currency", "INVALID"),
    ],
)
def test_bad_program_input_is_refused_and_changes_nothing(retention_on, overrides, field, code):
    # given one good program
    good = create_program(retention_on)["program"]
    before = list(CardProgram.objects.values())

    # when a bad one is created, or the good one is changed badly
    created = create_program(retention_on, **overrides)
    updated = retention_on.mutate(
        "loyaltyCardProgramUpdate",
        UPDATE,
        {"id": good["id"], "input": {**TEN_OFF, **overrides}},
        token=retention_on.staff_token(),
        expect_errors=True,
    )

    # then both are refused with a typed error and nothing changed
    for payload in (created, updated):
        assert payload["program"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert list(CardProgram.objects.values()) == before


def test_shoppers_may_not_manage_programs_or_read_cards(retention_on):
    _customer, token = register(retention_on, "eve@example.com")
    payload = retention_on.mutate(
        "loyaltyCardProgramCreate", CREATE, {"input": TEN_OFF}, token=token, expect_errors=True
    )
    assert payload["errors"][0]["code"] == "PERMISSION_DENIED"
    assert CardProgram.objects.count() == 0
    body = retention_on.execute("{ loyaltyCardPrograms { edges { node { id } } } }", token=token)
    assert body["errors"] and body["data"] == {"loyaltyCardPrograms": None}


# --- the whole flow --------------------------------------------------------------------------


def test_shipping_issues_a_real_voucher_that_a_second_checkout_redeems(retention_on):
    driver = retention_on
    program = create_program(driver)["program"]
    customer, token = register(driver, "ann@example.com")

    # given Ann's paid order of two items (50.00 + 5.00 shipping)
    first = driver.buy(email="ann@example.com", quantity=2, token=token)
    assert LoyaltyCard.objects.count() == 0

    # when staff ship it
    fulfillment = ship(driver, first["id"])

    # then one card is issued for the first parcel, backed by a real single-use voucher
    card = LoyaltyCard.objects.get()
    assert (card.order_id, card.fulfillment_id, str(card.customer_id)) == (
        pk_of(first["id"]),
        pk_of(fulfillment),
        customer,
    )
    assert len(card.code) == 12 and set(card.code) <= set(CARD_CODE_ALPHABET)
    voucher = Voucher.objects.get(code=card.code)
    assert (voucher.type, voucher.discount_value_type, voucher.discount_value) == (
        "entire_order",
        "fixed",
        Decimal("10.00"),
    )
    assert (voucher.usage_limit, voucher.used, voucher.min_spent_amount) == (1, 0, Decimal("50"))
    assert voucher.end_date == card.expires_at
    assert (card.expires_at - card.issued_at).days == 30
    assert CardDecision.objects.get().outcome == "issued"

    # and the shopper and staff see it
    mine = nodes(driver.query(MY_CARDS, token=token)["me"]["loyaltyCards"])
    assert mine == [
        {
            "code": card.code,
            "kind": "FIXED",
            "value": 10.0,
            "minSpend": 50.0,
            "expiresAt": card.expires_at.isoformat(),
            "status": "ISSUED",
        }
    ]
    staff = driver.query(FULFILLMENT_CARDS, {"id": first["id"]}, token=driver.staff_token())
    assert staff["order"]["fulfillments"] == [
        {
            "id": fulfillment,
            "loyaltyCards": {"edges": [{"node": {"code": card.code, "status": "ISSUED"}}]},
        }
    ]
    listed = driver.query(
        CARDS,
        {"filter": {"status": ["ISSUED"], "programs": [program["id"]]}},
        token=driver.staff_token(),
    )["loyaltyCards"]
    listed = nodes(listed)
    assert [(c["code"], c["program"]["name"]) for c in listed] == [(card.code, "Ten off fifty")]

    # when a checkout under the minimum spend tries the code, Saleor refuses it
    small = driver.checkout_create(email="guest@example.com", quantity=1)
    driver.checkout_shipping_method_update(small["id"])
    refused = driver.checkout_add_promo_code(small["id"], card.code, expect_errors=True)
    assert refused["errors"]

    # when a big enough checkout adds it through Saleor's checkoutAddPromoCode and completes
    checkout = driver.checkout_create(email="ann@example.com", quantity=2, token=token)
    driver.checkout_shipping_method_update(checkout["id"], token=token)
    added = driver.checkout_add_promo_code(checkout["id"], card.code, token=token)
    assert added["checkout"]["totalPrice"]["gross"]["amount"] == 45.0  # 55.00 - 10.00
    driver.checkout_payment_create(checkout["id"], "45.00", token=token)
    second = driver.checkout_complete(checkout["id"], token=token)

    # then the card is redeemed, linked to that order, and the voucher used up
    card.refresh_from_db()
    assert (card.status, card.redeemed_order_id) == ("redeemed", pk_of(second["id"]))
    assert Voucher.objects.get(code=card.code).used == 1
    assert (
        nodes(driver.query(MY_CARDS, token=token)["me"]["loyaltyCards"])[0]["status"] == "REDEEMED"
    )

    # and the code cannot be used a second time
    third = driver.checkout_create(email="ann@example.com", quantity=2, token=token)
    again = driver.checkout_add_promo_code(third["id"], card.code, token=token, expect_errors=True)
    assert again["errors"]

    # when every hook and event is replayed, nothing is issued or redeemed twice
    before = state()
    replay_everything()
    assert state() == before


def test_second_parcel_of_the_same_order_issues_nothing(retention_on):
    driver = retention_on
    create_program(driver, kind="PERCENTAGE", value="15", minSpend=None)
    _customer, token = register(driver, "bo@example.com")
    order = driver.buy(email="bo@example.com", quantity=2, token=token)

    # when the order ships in two parcels
    lines = driver.query(
        "query($id: ID!) { order(id: $id) { lines { id } } }",
        {"id": order["id"]},
        token=driver.staff_token(),
    )["order"]["lines"]
    for _parcel in range(2):
        driver.mutate(
            "orderFulfill",
            """mutation($order: ID, $input: OrderFulfillInput!) {
                orderFulfill(order: $order, input: $input) { errors { field message } }
            }""",
            {
                "order": order["id"],
                "input": {
                    "lines": [
                        {
                            "orderLineId": lines[0]["id"],
                            "stocks": [
                                {
                                    "quantity": 1,
                                    "warehouse": gid("Warehouse", driver.store.warehouse_id),
                                }
                            ],
                        }
                    ]
                },
            },
            token=driver.staff_token(),
        )

    # then only the first parcel carries a card
    assert Fulfillment.objects.filter(order_id=pk_of(order["id"])).count() == 2
    card = LoyaltyCard.objects.get()
    first_parcel = Fulfillment.objects.get(order_id=pk_of(order["id"]), fulfillment_order=1)
    assert card.fulfillment_id == str(first_parcel.pk)
    voucher = Voucher.objects.get(code=card.code)
    assert (voucher.discount_value_type, voucher.discount_value) == ("percentage", Decimal("15"))
    second = PluginEvent.objects.get(
        kind="fulfillment_created",
        object_id=str(Fulfillment.objects.get(order_id=pk_of(order["id"]), fulfillment_order=2).pk),
    )
    assert second.result["cards"] == {"skipped": "not the order's first parcel"}


def test_cancelling_the_fulfillment_voids_the_card_and_its_voucher(retention_on):
    driver = retention_on
    create_program(driver, kind="FREE_SHIPPING", value="0", minSpend=None)
    _customer, token = register(driver, "cy@example.com")
    order = driver.buy(email="cy@example.com", token=token)
    fulfillment = ship(driver, order["id"])
    card = LoyaltyCard.objects.get()
    voucher = Voucher.objects.get(code=card.code)
    assert (voucher.type, voucher.discount_value_type, voucher.discount_value) == (
        "shipping",
        "percentage",
        Decimal("100"),
    )
    checkout = driver.checkout_create(email="cy@example.com", token=token)
    driver.checkout_shipping_method_update(checkout["id"], token=token)

    # when staff cancel the fulfillment (Saleor 2.10 fires only order_updated)
    driver.order_fulfillment_cancel(fulfillment)

    # then the card is void and Saleor refuses its code
    card.refresh_from_db()
    assert card.status == "void" and card.void_reason == "fulfillment cancelled"
    refused = driver.checkout_add_promo_code(
        checkout["id"], card.code, token=token, expect_errors=True
    )
    assert refused["errors"]
    cancelled = PluginEvent.objects.get(kind="fulfillment_cancelled")
    assert cancelled.result["cards"] == {"voided": 1}
    assert nodes(driver.query(MY_CARDS, token=token)["me"]["loyaltyCards"])[0]["status"] == "VOID"

    # and shipping the order again issues nothing new; replays change nothing
    ship(driver, order["id"])
    before = state()
    replay_everything()
    assert state() == before
    assert LoyaltyCard.objects.count() == 1


def test_cancelling_the_order_voids_its_card_and_staff_void_refuses_twice(retention_on):
    # Saleor 2.10 cancels only an order without live fulfillments, so a card is first voided by
    # its fulfillment's cancellation; the order_cancelled path is the second guard (and the
    # path on versions that cancel shipped orders). Here the card is decided for the order
    # directly, then the order is cancelled through Saleor.
    driver = retention_on
    create_program(driver)
    customer, token = register(driver, "di@example.com")
    order = driver.buy(email="di@example.com", quantity=2, token=token)
    services.decide_for_parcel(
        services.ParcelFacts(pk_of(order["id"]), "999", customer, "USD", 0), settings_with()
    )
    card = LoyaltyCard.objects.get()

    # when staff cancel the order
    driver.order_cancel(order["id"])

    # then its card is void and Saleor refuses the code
    card.refresh_from_db()
    assert (card.status, card.void_reason) == ("void", "order cancelled")
    assert Voucher.objects.get(code=card.code).end_date <= card.voided_at
    checkout = driver.checkout_create(email="di@example.com", quantity=2, token=token)
    refused = driver.checkout_add_promo_code(
        checkout["id"], card.code, token=token, expect_errors=True
    )
    assert refused["errors"]

    # and staff voiding it again are told it is done, nothing changes
    before = state()
    payload = driver.mutate(
        "loyaltyCardVoid",
        VOID,
        {"id": gid("LoyaltyCard", card.pk)},
        token=driver.staff_token(),
        expect_errors=True,
    )
    assert [e["code"] for e in payload["errors"]] == ["ALREADY_DONE"]
    assert state() == before


def test_staff_void_a_card(retention_on):
    driver = retention_on
    create_program(driver)
    _customer, token = register(driver, "ed@example.com")
    order = driver.buy(email="ed@example.com", quantity=2, token=token)
    ship(driver, order["id"])
    card = LoyaltyCard.objects.get()

    payload = driver.mutate(
        "loyaltyCardVoid", VOID, {"id": gid("LoyaltyCard", card.pk)}, token=driver.staff_token()
    )

    assert payload == {"card": {"id": gid("LoyaltyCard", card.pk), "status": "VOID"}, "errors": []}
    checkout = driver.checkout_create(email="ed@example.com", quantity=2, token=token)
    refused = driver.checkout_add_promo_code(
        checkout["id"], card.code, token=token, expect_errors=True
    )
    assert refused["errors"]


def test_eligibility_first_order_and_repeat_customers(retention_on):
    driver = retention_on
    first_only = create_program(driver, name="Welcome", eligibility="FIRST_ORDER", priority=10)
    repeat = create_program(driver, name="Loyal", eligibility="REPEAT", minPaidOrders=1)
    assert first_only["errors"] == [] and repeat["errors"] == []
    _customer, token = register(driver, "fa@example.com")

    # the first order gets the first-order card
    one = driver.buy(email="fa@example.com", quantity=2, token=token)
    ship(driver, one["id"])
    # the second order (one earlier paid order) gets the repeat card
    two = driver.buy(email="fa@example.com", quantity=2, token=token)
    ship(driver, two["id"])

    cards = dict(LoyaltyCard.objects.values_list("order_id", "program__name"))
    assert cards == {pk_of(one["id"]): "Welcome", pk_of(two["id"]): "Loyal"}


# --- the sample draw -------------------------------------------------------------------------


def test_the_sample_rate_is_honoured_and_the_rest_is_the_control_group(db):
    # given a 10 % program, and a second one below it in priority
    program = services.program_create(
        values={
            "name": "Ten percent",
            "kind": "percentage",
            "value": Decimal("10"),
            "currency": "USD",
            "validity_days": 60,
            "sample_rate": Decimal("10"),
            "priority": 1,
        }
    )
    settings = settings_with()
    orders = [f"synthetic-{n}" for n in range(2000)]

    # when 2,000 eligible orders are decided
    for order_id in orders:
        services.decide_for_parcel(
            services.ParcelFacts(
                order_id=order_id,
                fulfillment_id=f"f-{order_id}",
                customer_id=None,
                currency="USD",
                earlier_paid_orders=0,
            ),
            settings,
        )

    # then about 10 % got a card (binomial sd ~0.67 points: 8-12 % is 3 sd) and every other
    # eligible order is recorded as control
    decisions = CardDecision.objects.filter(program=program)
    issued = decisions.filter(outcome="issued").count()
    assert decisions.count() == 2000
    assert 160 <= issued <= 240, issued
    assert decisions.filter(outcome="control").count() == 2000 - issued
    assert LoyaltyCard.objects.count() == issued == Voucher.objects.count()
    assert len(set(LoyaltyCard.objects.values_list("code", flat=True))) == issued

    # and the draw is deterministic: deciding again changes nothing and gives the same answers
    before = state()
    for order_id in orders[:200]:
        services.decide_for_parcel(
            services.ParcelFacts(order_id, f"f-{order_id}", None, "USD", 0), settings
        )
    assert state() == before
    for order_id in orders[:50]:
        expected = "issued" if services.draw(program.pk, order_id) < 10 else "control"
        assert decisions.get(order_id=order_id).outcome == expected


def test_one_card_per_parcel_and_ineligible_orders_record_nothing(db):
    values = {"kind": "percentage", "value": 5, "currency": "USD", "validity_days": 30}
    high = services.program_create(
        values={**values, "name": "high", "sample_rate": 100, "priority": 2}
    )
    low = services.program_create(
        values={**values, "name": "low", "sample_rate": 100, "priority": 1}
    )
    euro = services.program_create(
        values={**values, "name": "euro", "currency": "EUR", "sample_rate": 100, "priority": 3}
    )
    settings = settings_with()

    decisions = services.decide_for_parcel(
        services.ParcelFacts("o1", "f1", None, "USD", 0), settings
    )

    assert [(d.program_id, d.outcome) for d in decisions] == [(high.pk, "issued")]
    assert not CardDecision.objects.filter(program__in=[low, euro]).exists()
    two = services.decide_for_parcel(
        services.ParcelFacts("o2", "f2", None, "USD", 0), settings_with(cards_per_parcel=2)
    )
    assert [d.program_id for d in two] == [high.pk, low.pk]


def test_bonus_points_programs_take_whole_points_at_the_service(db):
    # given a bonus-points program with a fractional value
    values = {"name": "pts", "kind": "bonus_points", "validity_days": 30, "sample_rate": 10}
    with pytest.raises(RetentionError) as refused:
        services.program_create(values={**values, "value": "100.50"})
    assert (refused.value.code, refused.value.field) == (RetentionErrorCode.INVALID, "value")
    assert CardProgram.objects.count() == 0

    # when the value is whole points, it is created as given
    program = services.program_create(values={**values, "value": 100})
    assert (program.kind, program.value) == ("bonus_points", 100)


def test_card_lists_cost_a_fixed_number_of_queries(retention_on):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    driver = retention_on
    values = {"kind": "percentage", "value": 5, "currency": "USD", "validity_days": 30}
    settings = settings_with(cards_per_parcel=3)
    query = """{ loyaltyCardPrograms { edges { node { name cardsIssued controlOrders } } }
      loyaltyCards(first: 100) { edges { node { code status program { name } } } } }"""

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            driver.query(query, token=driver.staff_token())
        return len(captured.captured_queries)

    def add(programs: int, orders: int, start: int) -> None:
        for n in range(programs):
            services.program_create(values={**values, "name": f"p{start}{n}", "sample_rate": 50})
        for n in range(orders):
            order_id = f"q{start}-{n}"
            services.decide_for_parcel(
                services.ParcelFacts(order_id, order_id, None, "USD", 0), settings
            )

    add(1, 3, 1)
    driver.query(query, token=driver.staff_token())  # warm the token and permission caches
    short = count_queries()
    add(3, 40, 2)
    long = count_queries()

    assert LoyaltyCard.objects.count() > 10
    assert long == short, (short, long)


def test_only_programs_active_now_decide(db):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    values = {
        "kind": "percentage",
        "value": 5,
        "currency": "USD",
        "validity_days": 30,
        "sample_rate": 100,
    }
    services.program_create(
        values={**values, "name": "later", "active_from": now + timedelta(days=1)}
    )
    services.program_create(
        values={**values, "name": "over", "active_until": now - timedelta(days=1)}
    )
    services.program_create(values={**values, "name": "off", "is_active": False})
    current = services.program_create(
        values={
            **values,
            "name": "now",
            "active_from": now - timedelta(days=1),
            "active_until": now + timedelta(days=1),
        }
    )

    customer = str(create_customer("parcel-seven@example.com").pk)
    decisions = services.decide_for_parcel(
        services.ParcelFacts("o1", "f1", customer, "USD", 0), settings_with(), now=now
    )

    assert [(d.program_id, d.outcome, str(d.customer_id)) for d in decisions] == [
        (current.pk, "issued", customer)
    ]
    assert str(LoyaltyCard.objects.get().customer_id) == customer


def test_a_parcel_cancelled_before_the_decision_gets_no_card(retention_on):
    driver = retention_on
    create_program(driver)
    _customer, token = register(driver, "gu@example.com")
    order = driver.buy(email="gu@example.com", quantity=2, token=token)
    fulfillment = ship(driver, order["id"])
    LoyaltyCard.objects.all().delete()
    CardDecision.objects.all().delete()
    Voucher.objects.all().delete()
    driver.order_fulfillment_cancel(fulfillment)

    # when the fulfillment_created event is processed only now (a slow worker)
    event = PluginEvent.objects.get(kind="fulfillment_created")
    PluginEvent.objects.filter(pk=event.pk).update(status="pending")
    process_event(event.pk)

    # then no card is issued for it
    event.refresh_from_db()
    assert event.result["cards"] == {"skipped": "the parcel was cancelled before the decision"}
    assert state() == ([], [], 0)


# --- bonus-points cards ----------------------------------------------------------------------

BONUS_CARD = {"kind": "BONUS_POINTS", "value": "200", "minSpend": None}


def points_of(customer_id):
    from saleor_retention.ledger.models import LedgerEntry

    return list(
        LedgerEntry.objects.filter(account__customer_id=customer_id)
        .order_by("pk")
        .values_list("type", "points")
    )


def test_a_bonus_points_card_earns_its_points_on_the_order_that_uses_it(retention_on):
    driver = retention_on
    driver.plugin_update(pending_days="14")
    program = create_program(driver, **BONUS_CARD)
    assert program["errors"] == []
    assert (program["program"]["kind"], program["program"]["value"]) == ("BONUS_POINTS", 200.0)
    customer, token = register(driver, "di@example.com")

    # given Di's first order shipped with a bonus-points card: a real 0 % Saleor voucher
    first = driver.buy(email="di@example.com", quantity=2, token=token)
    ship(driver, first["id"])
    card = LoyaltyCard.objects.get()
    voucher = Voucher.objects.get(code=card.code)
    assert (voucher.type, voucher.discount_value_type, voucher.discount_value) == (
        "entire_order",
        "percentage",
        Decimal("0"),
    )
    assert points_of(customer) == [("earn", 50)]

    # when her next checkout takes the code through Saleor's promo-code flow and is paid
    checkout = driver.checkout_create(email="di@example.com", quantity=2, token=token)
    driver.checkout_shipping_method_update(checkout["id"], token=token)
    added = driver.checkout_add_promo_code(checkout["id"], card.code, token=token)
    assert added["checkout"]["totalPrice"]["gross"]["amount"] == 55.0  # nothing off
    driver.checkout_payment_create(checkout["id"], "55.00", token=token)
    second = driver.checkout_complete(checkout["id"], token=token)

    # then the card is redeemed by that order and its 200 points are pending with the earn
    card.refresh_from_db()
    assert (card.status, card.redeemed_order_id) == ("redeemed", pk_of(second["id"]))
    assert sorted(points_of(customer)) == [("card_bonus", 200), ("earn", 50), ("earn", 50)]
    bonus = driver.query("{ me { loyalty { pendingPoints } } }", token=token)
    assert bonus["me"]["loyalty"]["pendingPoints"] == 300

    # and replaying every hook and event credits nothing twice
    replay_everything()
    assert sorted(points_of(customer)) == [("card_bonus", 200), ("earn", 50), ("earn", 50)]

    # when that order is cancelled, the bonus goes with its earn
    driver.order_cancel(second["id"])
    replay_everything()
    history = points_of(customer)
    assert sorted(history[:3]) == [("card_bonus", 200), ("earn", 50), ("earn", 50)]
    assert sorted(history[3:]) == [("reversal", -200), ("reversal", -50)]
    assert (
        driver.query("{ me { loyalty { pendingPoints } } }", token=token)["me"]["loyalty"][
            "pendingPoints"
        ]
        == 50
    )


def test_a_bonus_card_order_refunded_in_full_loses_the_bonus_but_a_partial_refund_keeps_it(
    retention_on,
):
    driver = retention_on
    create_program(driver, **BONUS_CARD)
    customer, token = register(driver, "ed@example.com")
    ship(driver, driver.buy(email="ed@example.com", quantity=2, token=token)["id"])
    code = LoyaltyCard.objects.get().code
    checkout = driver.checkout_create(email="ed@example.com", quantity=2, token=token)
    driver.checkout_shipping_method_update(checkout["id"], token=token)
    driver.checkout_add_promo_code(checkout["id"], code, token=token)
    driver.checkout_payment_create(checkout["id"], "55.00", token=token)
    second = driver.checkout_complete(checkout["id"], token=token)
    assert ("card_bonus", 200) in points_of(customer)

    # when staff refund part of it, the bonus stays
    driver.order_refund(second["id"], "20.00")
    assert ("reversal", -200) not in points_of(customer)

    # when they refund the rest, it is taken back once
    driver.order_refund(second["id"], "35.00")
    replay_everything()
    assert points_of(customer).count(("reversal", -200)) == 1


def test_a_guest_order_using_a_bonus_card_earns_nothing_and_breaks_nothing(retention_on):
    driver = retention_on
    create_program(driver, **BONUS_CARD)
    _customer, token = register(driver, "fa@example.com")
    ship(driver, driver.buy(email="fa@example.com", quantity=2, token=token)["id"])
    card = LoyaltyCard.objects.get()

    # when a guest's checkout uses the code
    checkout = driver.checkout_create(email="friend@example.com", quantity=2)
    driver.checkout_shipping_method_update(checkout["id"])
    driver.checkout_add_promo_code(checkout["id"], card.code)
    driver.checkout_payment_create(checkout["id"], "55.00")
    order = driver.checkout_complete(checkout["id"])

    # then the card is redeemed (the merchant sees it worked) but no account earns its bonus
    card.refresh_from_db()
    assert (card.status, card.redeemed_order_id) == ("redeemed", pk_of(order["id"]))
    from saleor_retention.ledger.models import LedgerEntry

    assert not LedgerEntry.objects.filter(type="card_bonus").exists()
    event = PluginEvent.objects.get(kind="order_paid", object_id=pk_of(order["id"]))
    assert event.status == "done"


# --- eligibility by tier ---------------------------------------------------------------------


def test_a_tier_program_gives_cards_only_to_customers_in_its_tiers(retention_on):
    driver = retention_on
    # items cost 25.00: four reach Gold (100 points), two reach Silver (50)
    driver.plugin_update(tiers="Silver:40:1; Gold:100:1")
    created = create_program(
        driver, name="Gold thanks", eligibility="TIER", eligibleTiers=["Gold", "Gold", "Vip"]
    )
    assert created["errors"] == []
    assert created["program"]["eligibility"] == "TIER"
    program = CardProgram.objects.get()
    assert program.eligible_tiers == ["Gold", "Vip"]
    gold, gold_token = register(driver, "gold@example.com")
    silver, silver_token = register(driver, "silver@example.com")

    # when both customers' orders ship
    gold_order = driver.buy(email="gold@example.com", quantity=4, token=gold_token)
    silver_order = driver.buy(email="silver@example.com", quantity=2, token=silver_token)
    from saleor_retention.tiers.selectors import tier_name_for

    assert (tier_name_for(gold), tier_name_for(silver)) == ("Gold", "Silver")
    ship(driver, gold_order["id"])
    ship(driver, silver_order["id"])

    # then only the Gold customer's parcel gets the card; the Silver order is not even control
    assert list(LoyaltyCard.objects.values_list("customer_id", flat=True)) == [int(gold)]
    assert list(CardDecision.objects.values_list("order_id", "outcome")) == [
        (pk_of(gold_order["id"]), "issued")
    ]


# --- expiry ----------------------------------------------------------------------------------


def test_the_daily_run_marks_unredeemed_cards_past_their_end_expired(retention_on):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    driver = retention_on
    create_program(driver, kind="PERCENTAGE", value="10", minSpend=None, validityDays=5)
    _customer, token = register(driver, "gi@example.com")
    ship(driver, driver.buy(email="gi@example.com", token=token)["id"])
    card = LoyaltyCard.objects.get()
    redeemed = LoyaltyCard.objects.filter(pk=card.pk)

    # when the daily run happens before the end date, nothing changes
    call_command("retention_cards_daily")
    assert redeemed.get().status == "issued"

    # when it runs after the end date, the card is expired for good
    redeemed.update(expires_at=timezone.now() - timedelta(minutes=1))
    call_command("retention_cards_daily")
    assert redeemed.get().status == "expired"
    assert (
        nodes(driver.query(MY_CARDS, token=token)["me"]["loyaltyCards"])[0]["status"] == "EXPIRED"
    )

    # and a void or redeemed card is never marked expired
    card.refresh_from_db()
    LoyaltyCard.objects.filter(pk=card.pk).update(status="redeemed")
    call_command("retention_cards_daily")
    assert redeemed.get().status == "redeemed"
