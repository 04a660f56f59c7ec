"""Where the points fit runs: Saleor 3.x's ``checkout_updated``, Saleor 2.10's total hook.

Saleor 3.x calls a plugin's ``calculate_checkout_total`` only on a channel whose taxes a plugin
computes (never on FLAT_RATES), but every checkout mutation calls ``checkout_updated``; 2.10 has
no ``checkout_updated`` and always asks for the total. The adapter says which line runs
(``CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED``); here the 3.x value is switched on in Saleor 2.10 to
check the plugin's side of it, on real 2.10 checkouts changed behind Saleor's back (the ORM), so
no hook has fitted them yet.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.checkout.models import Checkout, CheckoutLine
from saleor.giftcard.models import GiftCard

from saleor_retention import saleor_adapter
from saleor_retention.ledger import services
from saleor_retention.ledger.models import PointHold
from saleor_retention.plugin import RetentionPlugin

from .test_redemption_guards import checkout_for, me, shopper, store_with_points  # noqa: F401


@pytest.fixture
def over_the_cap(store_with_points):  # noqa: F811 - the fixture imported above
    """Mei applied 5,000 points (50.00, the cap) to a 100.00 cart, then the cart was cut to one
    item (25.00) without Saleor hearing of it: her card is worth more than the cap allows."""
    driver = store_with_points
    token, _ = shopper(driver, "mei@example.com")
    checkout = checkout_for(driver, token, "mei@example.com", quantity=4)
    driver.loyalty_points_apply(checkout["token"], 5000, token=token)
    CheckoutLine.objects.filter(checkout__token=checkout["token"]).update(quantity=1)
    hold = PointHold.objects.get()
    assert GiftCard.objects.get(code=hold.gift_card_code).current_balance_amount == Decimal("50")
    return driver, token, checkout, hold.gift_card_code


def plugin():
    return RetentionPlugin(configuration=[], active=True)


def card_balance(code):
    return GiftCard.objects.get(code=code).current_balance_amount


def test_checkout_updated_fits_a_points_card_over_the_cap(over_the_cap):
    driver, token, checkout, code = over_the_cap

    # when Saleor reports the checkout changed (3.x, after the mutation committed)
    result = plugin().checkout_updated(
        Checkout.objects.get(token=checkout["token"]), previous_value=None, webhooks=set()
    )

    # then the card holds only what the cap allows on 25.00 (12.50), the rest is spendable again
    assert result is None
    assert card_balance(code) == Decimal("12.50")
    assert PointHold.objects.get().points == 1250
    assert me(driver, token) == {"points": 4750, "heldPoints": 1250}
    assert services.verify_accounts() == []


def test_checkout_updated_takes_a_points_card_off_another_customers_checkout(over_the_cap):
    # given Li's checkout carrying Mei's points card (added behind Saleor's back)
    driver, mei, hers, code = over_the_cap
    li, _ = shopper(driver, "li@example.com")
    his = checkout_for(driver, li, "li@example.com", quantity=1)
    saleor_adapter.attach_gift_card(his["token"], code)

    # when Saleor reports Li's checkout changed
    plugin().checkout_updated(Checkout.objects.get(token=his["token"]), previous_value=None)

    # then the card is off his checkout only: still on hers, her hold and points untouched
    assert not Checkout.objects.get(token=his["token"]).gift_cards.exists()
    assert list(
        Checkout.objects.get(token=hers["token"]).gift_cards.values_list("code", flat=True)
    ) == [code]
    assert card_balance(code) == Decimal("50")
    assert PointHold.objects.get().status == "active"
    assert me(driver, mei) == {"points": 1000, "heldPoints": 5000}


def test_checkout_updated_costs_a_checkout_without_points_one_read(retention_on):
    checkout = Checkout.objects.get(
        token=retention_on.checkout_create(email="q@example.com")["token"]
    )

    with CaptureQueriesContext(connection) as captured:
        plugin().checkout_updated(checkout, previous_value=None)

    # the read of its gift card codes, no savepoint, no settings row
    assert len(captured.captured_queries) == 1
    assert "giftcard" in captured.captured_queries[0]["sql"]


def test_on_saleor_3_the_total_hook_costs_nothing_and_checkout_updated_fits(
    over_the_cap, monkeypatch
):
    # given the adapter's answer on Saleor 3.x
    _driver, _token, checkout, code = over_the_cap
    monkeypatch.setattr(saleor_adapter, "CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED", True)
    row = Checkout.objects.get(token=checkout["token"])

    # when Saleor asks for the total
    with CaptureQueriesContext(connection) as captured:
        assert plugin().calculate_checkout_total(row, previous_value="total") == "total"

    # then the hook made no query and fitted nothing
    assert captured.captured_queries == []
    assert card_balance(code) == Decimal("50")

    # and checkout_updated fits the card
    plugin().checkout_updated(row, previous_value=None)
    assert card_balance(code) == Decimal("12.50")


def test_on_saleor_2_the_total_hook_fits(over_the_cap):
    # Saleor 2.10's real answer: the fit runs from the total hook
    _driver, _token, checkout, code = over_the_cap
    assert saleor_adapter.CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED is False

    plugin().calculate_checkout_total(
        Checkout.objects.get(token=checkout["token"]), previous_value="total"
    )

    assert card_balance(code) == Decimal("12.50")


def test_a_failing_fit_in_checkout_updated_never_fails_saleor(over_the_cap, monkeypatch, caplog):
    # given a fault inside the fit
    _driver, _token, checkout, code = over_the_cap
    from saleor_retention.redemption import services as redemption

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(redemption, "fit_points_to_checkout", broken)

    # when Saleor reports the change, then the hook returns as usual and logs the error
    row = Checkout.objects.get(token=checkout["token"])
    assert plugin().checkout_updated(row, previous_value="as-was") == "as-was"
    assert "fitting points to a checkout failed" in caplog.text
    assert card_balance(code) == Decimal("50")


def test_an_inactive_plugin_does_nothing_on_checkout_updated(over_the_cap):
    _driver, _token, checkout, code = over_the_cap
    row = Checkout.objects.get(token=checkout["token"])

    with CaptureQueriesContext(connection) as captured:
        RetentionPlugin(configuration=[], active=False).checkout_updated(row, previous_value=7)

    assert captured.captured_queries == []
    assert card_balance(code) == Decimal("50")
