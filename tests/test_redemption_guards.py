"""Points at checkout against a hostile shopper (issue 9, #3 and #4), through real Saleor flows.

#3: lines taken away after applying points must not lift the 50 % cap, and no point may vanish.
#4: a points gift card code is not a bearer code: on anyone else's checkout it gives nothing and
never spends its owner's points; her own checkout keeps working.
"""

from decimal import Decimal

import pytest
from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from saleor_retention.inbox.models import PluginEvent
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry, PointHold
from saleor_retention.redemption import services as redemption
from saleor_retention_site.driver import pk_of

ME = "{ me { loyalty { points heldPoints } } }"  # points: spendable now
LOYALTY = """query($t: UUID!) { checkout(token: $t) {
    totalPrice { gross { amount } }
    loyalty { appliedPoints appliedDiscount { amount } redeemablePoints } } }"""
COMPLETE = """mutation($id: ID!) { checkoutComplete(checkoutId: $id) {
    order { id total { gross { amount } } } checkoutErrors { field message code } } }"""


@pytest.fixture
def store_with_points(retention_on):
    """1 point = 0.01 USD, at most 50 % of the goods, at least 100 points, steps of 10; every new
    customer gets 6,000 points. Items cost 25.00, shipping 5.00."""
    retention_on.plugin_update(
        signup_bonus="6000",
        redeem_value_per_point="USD:0.01",
        redeem_min_points="100",
        redeem_step="10",
        redeem_max_share_percent="50",
    )
    return retention_on


def shopper(driver, email):
    user_id = driver.account_register(email)
    return driver.token_create(email, "customer-password"), pk_of(user_id)


def checkout_for(driver, token, email, quantity):
    checkout = driver.checkout_create(email=email, quantity=quantity, token=token)
    driver.checkout_shipping_method_update(checkout["id"], token=token)
    return checkout


def read(driver, checkout, token):
    return driver.query(LOYALTY, {"t": checkout["token"]}, token=token)["checkout"]


def me(driver, token):
    return driver.query(ME, token=token)["me"]["loyalty"]


def pay_and_complete(driver, checkout, token):
    total = read(driver, checkout, token)["totalPrice"]["gross"]["amount"]
    driver.checkout_payment_create(checkout["id"], f"{total:.2f}", token=token)
    return driver.checkout_complete(checkout["id"], token=token)


def test_lines_removed_after_applying_shrink_the_points_to_the_cap(store_with_points):
    # given 5,000 points (50.00, the cap) applied to a 100.00 cart
    driver = store_with_points
    token, _ = shopper(driver, "mei@example.com")
    checkout = checkout_for(driver, token, "mei@example.com", quantity=4)
    applied = driver.loyalty_points_apply(checkout["token"], 5000, token=token)
    assert applied["checkout"]["loyalty"]["appliedDiscount"]["amount"] == 50.0

    # when she cuts the cart to one item (subtotal 25.00)
    updated = driver.checkout_lines_update(checkout["id"], 1, token=token)

    # then Saleor's total already carries only the capped discount: 25.00 + 5.00 - 12.50
    assert updated["totalPrice"]["gross"]["amount"] == 17.5
    assert read(driver, checkout, token)["loyalty"] == {
        "appliedPoints": 1250,
        "appliedDiscount": {"amount": 12.5},
        "redeemablePoints": 1250,
    }
    assert me(driver, token) == {"points": 4750, "heldPoints": 1250}

    # when she pays and completes
    order = pay_and_complete(driver, checkout, token)

    # then the order got 12.50 off, she paid 1,250 points for it and kept every other point
    assert order["total"]["gross"]["amount"] == 17.5
    card = Order.objects.get(pk=pk_of(order["id"])).gift_cards.get()
    assert card.initial_balance_amount - card.current_balance_amount == Decimal("12.50")
    assert LedgerEntry.objects.get(type="redeem").points == -1250
    assert me(driver, token) == {"points": 4750, "heldPoints": 0}
    assert services.verify_accounts() == []


def test_deleting_the_line_takes_the_points_off(store_with_points):
    # given points applied (checkoutLineDelete calls no plugin hook in Saleor 2.10)
    driver = store_with_points
    token, _ = shopper(driver, "mei@example.com")
    checkout = checkout_for(driver, token, "mei@example.com", quantity=4)
    driver.loyalty_points_apply(checkout["token"], 5000, token=token)
    line_id = driver.query(
        "query($t: UUID!) { checkout(token: $t) { lines { id } } }",
        {"t": checkout["token"]},
        token=token,
    )["checkout"]["lines"][0]["id"]

    # when the only line goes
    driver.checkout_line_delete(checkout["id"], line_id, token=token)

    # then nothing is left to discount: the points are back, the card is retired
    assert read(driver, checkout, token)["loyalty"]["appliedPoints"] == 0
    assert me(driver, token) == {"points": 6000, "heldPoints": 0}
    assert PointHold.objects.get().status == "released"
    assert not GiftCard.objects.filter(is_active=True).exists()


@pytest.fixture
def two_shoppers(store_with_points):
    """Mei applied 1,000 points (10.00) to her 55.00 checkout; Li has a 30.00 checkout."""
    driver = store_with_points
    mei, mei_id = shopper(driver, "mei@example.com")
    li, _ = shopper(driver, "li@example.com")
    hers = checkout_for(driver, mei, "mei@example.com", quantity=2)
    driver.loyalty_points_apply(hers["token"], 1000, token=mei)
    his = checkout_for(driver, li, "li@example.com", quantity=1)
    code = PointHold.objects.get().gift_card_code
    return driver, (mei, hers), (li, his), code


def test_another_customers_points_code_gives_nothing(two_shoppers):
    driver, (mei, hers), (li, his), code = two_shoppers

    # when Li adds Mei's points code to his checkout
    promo = driver.checkout_add_promo_code(his["id"], code, token=li)

    # then it takes nothing off his total, and he pays the full 30.00
    assert promo["checkout"]["totalPrice"]["gross"]["amount"] == 30.0
    order = pay_and_complete(driver, his, li)
    assert order["total"]["gross"]["amount"] == 30.0
    assert not Order.objects.get(pk=pk_of(order["id"])).gift_cards.exists()

    # and Mei's points are untouched, her checkout still carries them and completes
    assert PointHold.objects.get().status == "active"
    assert me(driver, mei) == {"points": 5000, "heldPoints": 1000}
    assert read(driver, hers, mei)["totalPrice"]["gross"]["amount"] == 45.0
    her_order = pay_and_complete(driver, hers, mei)
    assert her_order["total"]["gross"]["amount"] == 45.0
    redeem = LedgerEntry.objects.get(type="redeem")
    assert (redeem.points, redeem.order_id) == (-1000, pk_of(her_order["id"]))
    assert me(driver, mei) == {"points": 5000, "heldPoints": 0}
    assert services.verify_accounts() == []


def test_a_foreign_points_code_still_on_a_checkout_refuses_its_completion(
    two_shoppers, monkeypatch
):
    # given the fit could not run (say it failed), so Mei's card stayed on Li's checkout
    driver, (mei, hers), (li, his), code = two_shoppers
    monkeypatch.setattr(redemption, "fit_points_to_checkout", lambda *a, **k: None, raising=False)
    driver.checkout_add_promo_code(his["id"], code, token=li)
    driver.checkout_payment_create(his["id"], "20.00", token=li)

    # when Li completes
    body = driver.execute(COMPLETE, {"id": his["id"]}, token=li)

    # then checkoutComplete refuses with a typed error and nothing is created or spent
    payload = body["data"]["checkoutComplete"]
    assert payload["order"] is None
    assert [(e["field"], e["code"]) for e in payload["checkoutErrors"]] == [
        ("promoCode", "INVALID")
    ]
    assert "another customer" in payload["checkoutErrors"][0]["message"]
    assert not Order.objects.exists()
    assert GiftCard.objects.get(code=code).current_balance_amount == Decimal("10.00")
    assert me(driver, mei) == {"points": 5000, "heldPoints": 1000}


def test_a_card_another_checkout_used_is_never_charged_to_its_owner(two_shoppers, monkeypatch):
    # given both checkout guards were bypassed, and Li's order took 10.00 off Mei's card
    driver, (mei, hers), (li, his), code = two_shoppers
    monkeypatch.setattr(redemption, "fit_points_to_checkout", lambda *a, **k: None, raising=False)
    monkeypatch.setattr(redemption, "points_cards_refusal", lambda *a, **k: None, raising=False)
    driver.checkout_add_promo_code(his["id"], code, token=li)
    driver.checkout_payment_create(his["id"], "20.00", token=li)

    # when his order is created (its order_created settles the hold)
    order = driver.checkout_complete(his["id"], token=li)

    # then Mei spends nothing: her points are all back, the card is retired, the use reported
    assert LedgerEntry.objects.filter(type="redeem").count() == 0
    assert me(driver, mei) == {"points": 6000, "heldPoints": 0}
    assert PointHold.objects.get().status == "released"
    assert GiftCard.objects.get(code=code).is_active is False
    result = PluginEvent.objects.get(kind="order_created", object_id=pk_of(order["id"])).result
    assert result["redemption"]["holds"][0]["taken_by_others"] == "10.00"

    # and her checkout works: the dead card is gone, she applies points afresh and completes
    monkeypatch.undo()
    assert read(driver, hers, mei)["totalPrice"]["gross"]["amount"] == 55.0
    driver.loyalty_points_apply(hers["token"], 1000, token=mei)
    her_order = pay_and_complete(driver, hers, mei)
    assert her_order["total"]["gross"]["amount"] == 45.0
    assert me(driver, mei) == {"points": 5000, "heldPoints": 0}
    assert services.verify_accounts() == []
