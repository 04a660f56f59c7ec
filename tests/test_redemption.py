"""Points at checkout through real Saleor flows: apply, pay the rest, order spends the hold;
remove, replace, abandon; refusals; a card's code on another checkout gives nothing;
cancellation returns points."""

from datetime import timedelta

import pytest
from django.utils import timezone
from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from saleor_retention.conf import load_settings
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount, PointHold, PointLot
from saleor_retention.redemption import services as redemption
from saleor_retention_site.driver import pk_of

ME = "{ me { loyalty { points heldPoints pendingPoints } } }"


@pytest.fixture
def shopper(retention_on):
    """A signed-in shopper with 1,000 spendable points (welcome bonus); 1 point = 0.01 USD."""
    retention_on.plugin_update(
        signup_bonus="1000",
        redeem_value_per_point="USD:0.01",
        redeem_min_points="100",
        redeem_step="10",
        redeem_max_share_percent="50",
        pending_days="14",
    )
    user_id = retention_on.account_register("pia@example.com")
    token = retention_on.token_create("pia@example.com", "customer-password")
    return retention_on, token, pk_of(user_id)


def me(driver, token):
    return driver.query(ME, token=token)["me"]["loyalty"]


def new_checkout(driver, token, quantity=2):
    checkout = driver.checkout_create(email="pia@example.com", quantity=quantity, token=token)
    driver.checkout_shipping_method_update(checkout["id"], token=token)
    return checkout


def test_apply_pay_and_complete_spends_the_held_points(shopper):
    driver, token, customer = shopper
    checkout = new_checkout(driver, token)  # 2 x 25.00 + 5.00 shipping = 55.00

    # when 200 points (2.00) are applied
    applied = driver.loyalty_points_apply(checkout["token"], 200, token=token)

    # then Saleor's own total shows the discount and the points are held
    assert applied["errors"] == []
    assert applied["checkout"]["totalPrice"]["gross"]["amount"] == 53.0
    assert applied["checkout"]["loyalty"]["appliedPoints"] == 200
    assert applied["checkout"]["loyalty"]["appliedDiscount"] == {"amount": 2.0, "currency": "USD"}
    assert me(driver, token) == {"points": 800, "heldPoints": 200, "pendingPoints": 0}

    # when she pays the rest and completes
    driver.checkout_payment_create(checkout["id"], "53.00", token=token)
    order = driver.checkout_complete(checkout["id"], token=token)

    # then the hold became a spend, and the part paid with points earns nothing
    assert me(driver, token) == {"points": 800, "heldPoints": 0, "pendingPoints": 48}
    redeem = LedgerEntry.objects.get(type="redeem")
    assert (redeem.points, redeem.order_id) == (-200, pk_of(order["id"]))
    assert PointHold.objects.get().status == "spent"
    assert Order.objects.get(pk=pk_of(order["id"])).gift_cards.count() == 1
    staff_view = driver.query(
        "query($id: ID!) { order(id: $id) { loyalty { pointsRedeemed pointsEarned } } }",
        {"id": order["id"]},
        token=driver.staff_token(),
    )
    assert staff_view["order"]["loyalty"] == {"pointsRedeemed": 200, "pointsEarned": 48}
    assert services.verify_accounts() == []


def test_remove_and_replace_give_points_back_and_retire_the_card(shopper):
    driver, token, _ = shopper
    checkout = new_checkout(driver, token)
    driver.loyalty_points_apply(checkout["token"], 200, token=token)
    first_card = PointHold.objects.get().gift_card_code

    # when she applies 300 instead
    replaced = driver.loyalty_points_apply(checkout["token"], 300, token=token)

    # then one hold is active, the first card is off the checkout and inactive
    assert replaced["checkout"]["totalPrice"]["gross"]["amount"] == 52.0
    assert PointHold.objects.filter(status="active").count() == 1
    assert GiftCard.objects.get(code=first_card).is_active is False
    assert me(driver, token)["heldPoints"] == 300

    # when she removes the points
    removed = driver.loyalty_points_remove(checkout["token"], token=token)

    # then
    assert removed["checkout"]["totalPrice"]["gross"]["amount"] == 55.0
    assert removed["checkout"]["loyalty"]["appliedPoints"] == 0
    assert me(driver, token) == {"points": 1000, "heldPoints": 0, "pendingPoints": 0}
    assert not GiftCard.objects.filter(is_active=True).exists()
    assert services.verify_accounts() == []


@pytest.mark.parametrize(
    ("points", "code", "field"),
    [
        (50, "BELOW_MINIMUM", "points"),
        (105, "WRONG_STEP", "points"),
        (2800, "ABOVE_CAP", "points"),  # 28.00 > 50% of the 50.00 subtotal
    ],
)
def test_refusals_are_typed_and_change_nothing(shopper, points, code, field):
    driver, token, _ = shopper
    checkout = new_checkout(driver, token)

    result = driver.loyalty_points_apply(checkout["token"], points, token=token, expect_errors=True)

    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert result["checkout"] is None
    assert not PointHold.objects.exists() and not GiftCard.objects.exists()
    assert me(driver, token)["heldPoints"] == 0


def test_cannot_hold_more_than_the_balance(shopper):
    driver, token, _ = shopper
    big = new_checkout(driver, token, quantity=50)  # 1,250.00: the cap is not the limit
    result = driver.loyalty_points_apply(big["token"], 1010, token=token, expect_errors=True)
    assert result["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert result["errors"][0]["message"] == "You have 1000 points to spend."


def test_only_the_checkout_owner_signed_in_can_apply(shopper):
    driver, token, _ = shopper
    checkout = new_checkout(driver, token)
    driver.account_register("other@example.com")
    other = driver.token_create("other@example.com", "customer-password")

    not_yours = driver.loyalty_points_apply(checkout["token"], 200, token=other, expect_errors=True)
    anonymous = driver.loyalty_points_apply(checkout["token"], 200, token=None, expect_errors=True)
    unknown = driver.loyalty_points_apply(
        "00000000-0000-0000-0000-000000000000", 200, token=token, expect_errors=True
    )

    assert not_yours["errors"][0]["code"] == "NOT_YOUR_CHECKOUT"
    assert anonymous["errors"][0]["code"] == "NOT_SIGNED_IN"
    assert unknown["errors"][0]["code"] == "NOT_FOUND"
    assert not PointHold.objects.exists()


def test_abandoned_checkout_gives_points_back(shopper):
    driver, token, _ = shopper
    checkout = new_checkout(driver, token)
    driver.loyalty_points_apply(checkout["token"], 200, token=token)

    assert (
        redemption.release_stale_holds(load_settings(), timezone.now() + timedelta(minutes=30)) == 0
    )
    assert redemption.release_stale_holds(load_settings(), timezone.now() + timedelta(days=2)) == 1

    assert me(driver, token) == {"points": 1000, "heldPoints": 0, "pendingPoints": 0}
    assert PointHold.objects.get().status == "released"


def test_card_code_on_another_checkout_gives_nothing_there(shopper):
    # given points applied to checkout A
    driver, token, _ = shopper
    first = new_checkout(driver, token)
    driver.loyalty_points_apply(first["token"], 200, token=token)
    code = PointHold.objects.get().gift_card_code

    # when the card's code is added to another (anonymous) checkout, which is completed
    second = driver.checkout_create(email="pia@example.com", quantity=2)
    driver.checkout_shipping_method_update(second["id"])
    promo = driver.checkout_add_promo_code(second["id"], code)
    driver.checkout_payment_create(second["id"], "55.00")
    order = driver.checkout_complete(second["id"])

    # then the card was taken off that checkout: full price, no points spent on it
    assert promo["checkout"]["totalPrice"]["gross"]["amount"] == 55.0
    assert order["total"]["gross"]["amount"] == 55.0
    assert not LedgerEntry.objects.filter(type="redeem").exists()
    # and checkout A still has its points; abandoning it gives them back
    assert me(driver, token)["heldPoints"] == 200
    assert redemption.release_stale_holds(load_settings(), timezone.now() + timedelta(days=2)) == 1
    assert me(driver, token)["points"] == 1000
    assert services.verify_accounts() == []


def test_cancelled_order_returns_spent_points_to_the_same_lots(shopper):
    driver, token, customer = shopper
    checkout = new_checkout(driver, token)
    driver.loyalty_points_apply(checkout["token"], 300, token=token)
    driver.checkout_payment_create(checkout["id"], "52.00", token=token)
    order = driver.checkout_complete(checkout["id"], token=token)
    bonus_lot = PointLot.objects.get(entry__type="signup_bonus")
    assert bonus_lot.remaining == 700

    driver.order_cancel(order["id"])

    bonus_lot.refresh_from_db()
    assert bonus_lot.remaining == 1000
    assert me(driver, token) == {"points": 1000, "heldPoints": 0, "pendingPoints": 0}
    assert LedgerEntry.objects.get(type="redeem_release").points == 300
    assert services.verify_accounts() == []


def test_partial_refund_returns_the_refunded_share_of_spent_points(shopper):
    driver, token, _ = shopper
    checkout = new_checkout(driver, token)
    driver.loyalty_points_apply(checkout["token"], 500, token=token)  # 5.00 off 55.00
    driver.checkout_payment_create(checkout["id"], "50.00", token=token)
    order = driver.checkout_complete(checkout["id"], token=token)

    driver.order_refund(order["id"], "25.00")  # half of what was paid

    assert LedgerEntry.objects.get(type="redeem_release").points == 250
    assert LoyaltyAccount.objects.get().available_points == 750
    assert services.verify_accounts() == []


def test_checkout_loyalty_quote(shopper):
    driver, token, _ = shopper
    checkout = new_checkout(driver, token)
    data = driver.query(
        "query($t: UUID!) { checkout(token: $t) { loyalty { pointsToEarn redeemablePoints "
        "appliedPoints valuePerPoint { amount currency } } } }",
        {"t": checkout["token"]},
        token=token,
    )["checkout"]["loyalty"]
    # 50% of the 50.00 subtotal is 25.00 = 2,500 points, but she has 1,000
    assert data == {
        "pointsToEarn": 50,
        "redeemablePoints": 1000,
        "appliedPoints": 0,
        "valuePerPoint": {"amount": 0.01, "currency": "USD"},
    }
