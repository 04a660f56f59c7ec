"""Stateful property test of points at checkout, through real Saleor flows (issue 9).

Two signed-in shoppers, each with a checkout, do random sequences of: apply points, change the
lines, set the shipping method again, add the *other* shopper's points code to their own
checkout, remove the points, pay and complete, and staff refunds part of an order; every run
ends with both shoppers completing their checkouts. After every step and at the end:

* every order's points spend equals the discount it received from points cards / value per
  point, that discount is within the cap, and the order's total is what is left to pay;
* no order uses a points card made for another checkout;
* no points vanish: per shopper, spendable + held + spent - returned = earned (every other
  entry), the held points are exactly her active holds, and the lots agree (verify_accounts).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from saleor_retention.ledger import services
from saleor_retention.ledger.models import EntryType, LedgerEntry, LoyaltyAccount, PointHold
from saleor_retention_site.driver import pk_of

VALUE_PER_POINT = Decimal("0.01")
CAP_PERCENT = 50
EMAILS = itertools.count(1)
SHOPPERS = st.sampled_from([0, 1])
TOTAL = "query($t: UUID!) { checkout(token: $t) { totalPrice { gross { amount } } } }"


def make_machine(driver):
    class RedemptionMachine(RuleBasedStateMachine):
        @initialize()
        def two_shoppers(self):
            self.shoppers = []
            for _ in range(2):
                email = f"shopper{next(EMAILS)}@example.com"
                user_id = driver.account_register(email)
                token = driver.token_create(email, "customer-password")
                shopper = {"email": email, "token": token, "customer_id": pk_of(user_id)}
                self._new_checkout(shopper)
                self.shoppers.append(shopper)
                # every run starts with points on both checkouts (40.00 of the 50.00 cap)
                driver.loyalty_points_apply(shopper["checkout"]["token"], 2000, token=token)
            self.orders: list[str] = []

        def _new_checkout(self, shopper, quantity=4):
            checkout = driver.checkout_create(
                email=shopper["email"], quantity=quantity, token=shopper["token"]
            )
            driver.checkout_shipping_method_update(checkout["id"], token=shopper["token"])
            shopper["checkout"] = checkout

        # --- what a shopper can do -------------------------------------------------------------
        # Hypothesis runs its first, simplest examples on the first rule (by name): a read.

        @rule(who=SHOPPERS)
        def a_storefront_reads_the_checkout(self, who):
            shopper = self.shoppers[who]
            driver.query(TOTAL, {"t": shopper["checkout"]["token"]}, token=shopper["token"])

        @rule(who=SHOPPERS, points=st.integers(min_value=5, max_value=300).map(lambda n: n * 10))
        def apply_points(self, who, points):
            shopper = self.shoppers[who]
            result = driver.loyalty_points_apply(
                shopper["checkout"]["token"], points, token=shopper["token"], expect_errors=True
            )
            codes = {e["code"] for e in result["errors"]}
            assert codes <= {"BELOW_MINIMUM", "ABOVE_CAP", "INSUFFICIENT_POINTS"}

        @rule(who=SHOPPERS, quantity=st.integers(min_value=1, max_value=6))
        def change_lines(self, who, quantity):
            shopper = self.shoppers[who]
            driver.checkout_lines_update(
                shopper["checkout"]["id"], quantity, token=shopper["token"]
            )

        @rule(who=SHOPPERS)
        def change_shipping(self, who):
            shopper = self.shoppers[who]
            driver.checkout_shipping_method_update(
                shopper["checkout"]["id"], token=shopper["token"]
            )

        @rule(who=SHOPPERS)
        def add_the_other_shoppers_points_code(self, who):
            shopper, other = self.shoppers[who], self.shoppers[1 - who]
            hold = PointHold.objects.filter(
                checkout_token=other["checkout"]["token"], status="active"
            ).first()
            if hold is not None:
                driver.checkout_add_promo_code(
                    shopper["checkout"]["id"], hold.gift_card_code, token=shopper["token"]
                )

        @rule(who=SHOPPERS)
        def remove_points(self, who):
            shopper = self.shoppers[who]
            driver.loyalty_points_remove(
                shopper["checkout"]["token"], token=shopper["token"], expect_errors=True
            )

        @rule(who=SHOPPERS)
        def complete(self, who):
            shopper = self.shoppers[who]
            checkout = shopper["checkout"]
            total = driver.query(TOTAL, {"t": checkout["token"]}, token=shopper["token"])
            amount = total["checkout"]["totalPrice"]["gross"]["amount"]
            driver.checkout_payment_create(checkout["id"], f"{amount:.2f}", token=shopper["token"])
            order = driver.checkout_complete(checkout["id"], token=shopper["token"])
            self.orders.append(order["id"])
            self._new_checkout(shopper)

        @rule(data=st.data())
        def refund_part(self, data):
            if not self.orders:
                return
            order_id = data.draw(st.sampled_from(self.orders))
            order = Order.objects.get(pk=pk_of(order_id))
            left = order.total_gross_amount - sum(
                Decimal(str(e.parameters.get("amount", "0")))
                for e in order.events.filter(type="payment_refunded")
            )
            if left < Decimal("1.00"):
                return
            share = data.draw(st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1")]))
            driver.order_refund(order_id, (left * share).quantize(Decimal("0.01")))

        def teardown(self):
            # Whatever was done, both shoppers end by completing: every run produces orders.
            for who in (0, 1):
                self.complete(who)
            self.orders_spend_exactly_the_discount_they_received()
            self.no_points_vanish()
            self.active_cards_carry_exactly_their_hold()

        # --- what must always hold ---------------------------------------------------------------

        @invariant()
        def orders_spend_exactly_the_discount_they_received(self):
            for order_id in getattr(self, "orders", []):
                order = Order.objects.get(pk=pk_of(order_id))
                discount = Decimal("0")
                for card in order.gift_cards.all():
                    hold = PointHold.objects.get(gift_card_code=card.code)
                    assert hold.checkout_token == str(order.checkout_token), "foreign points card"
                    discount += card.initial_balance_amount - card.current_balance_amount
                spent = -(
                    LedgerEntry.objects.filter(order_id=order.pk, type=EntryType.REDEEM).aggregate(
                        s=Sum("points")
                    )["s"]
                    or 0
                )
                assert spent * VALUE_PER_POINT == discount
                goods = sum(
                    line.unit_price_gross_amount * line.quantity for line in order.lines.all()
                )
                assert discount <= goods * CAP_PERCENT / 100
                shipping = order.shipping_price_gross_amount
                assert order.total_gross_amount == goods + shipping - discount

        @invariant()
        def no_points_vanish(self):
            for shopper in getattr(self, "shoppers", []):
                account = LoyaltyAccount.objects.get(customer_id=shopper["customer_id"])
                entries = LedgerEntry.objects.filter(account=account)
                spent = -sum(e.points for e in entries if e.type == EntryType.REDEEM)
                returned = sum(e.points for e in entries if e.type == EntryType.REDEEM_RELEASE)
                earned = sum(
                    e.points
                    for e in entries
                    if e.type not in (EntryType.REDEEM, EntryType.REDEEM_RELEASE)
                )
                spendable = account.available_points - account.held_points
                assert (
                    spendable
                    + account.held_points
                    + account.pending_points
                    - account.debt_points
                    + spent
                    - returned
                    == earned
                )
                held = (
                    PointHold.objects.filter(account=account, status="active").aggregate(
                        s=Sum("points")
                    )["s"]
                    or 0
                )
                assert account.held_points == held
            assert services.verify_accounts() == []

        @invariant()
        def active_cards_carry_exactly_their_hold(self):
            for hold in PointHold.objects.filter(status="active"):
                card = GiftCard.objects.get(code=hold.gift_card_code)
                assert card.current_balance_amount == hold.amount
                assert hold.amount == hold.points * VALUE_PER_POINT

    return RedemptionMachine


def test_redemption_stays_right_whatever_the_shopper_does(retention_on):
    # given a store where points pay at most 50 % of the goods, 1 point = 0.01 USD
    retention_on.plugin_update(
        signup_bonus="3000",
        redeem_value_per_point="USD:0.01",
        redeem_min_points="100",
        redeem_step="10",
        redeem_max_share_percent=str(CAP_PERCENT),
        pending_days="0",
    )
    # when shoppers do random things / then the invariants hold after every step
    run_state_machine_as_test(
        make_machine(retention_on),
        settings=settings(
            max_examples=8,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
