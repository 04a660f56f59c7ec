"""Issue 3's whole story through Saleor's GraphQL, every hook replayed twice at each step:
register -> buy -> paid (points pending) -> released -> redeemed on a second checkout ->
partial refund -> cancellation. The ledger must end exactly where a single pass would."""

from datetime import timedelta

from django.utils import timezone
from saleor.order.models import Order

from saleor_retention.ledger import services
from saleor_retention_site.driver import pk_of
from tests.replay import ledger_state, replay_everything

ME = "{ me { loyalty { points pendingPoints heldPoints } } }"


def test_points_story_with_every_hook_replayed_twice(retention_on):
    driver = retention_on
    driver.plugin_update(signup_bonus="100", pending_days="14", redeem_min_points="100")
    driver.account_register("story@example.com")
    token = driver.token_create("story@example.com", "customer-password")

    def me():
        return driver.query(ME, token=token)["me"]["loyalty"]

    def step(expected):
        assert me() == expected
        before = ledger_state()
        replay_everything()
        assert ledger_state() == before
        assert me() == expected
        assert services.verify_accounts() == []

    step({"points": 100, "pendingPoints": 0, "heldPoints": 0})

    first = driver.buy(email="story@example.com", quantity=4, token=token)  # 100 + 5 shipping
    step({"points": 100, "pendingPoints": 100, "heldPoints": 0})

    services.release_due_lots(timezone.now() + timedelta(days=15))
    step({"points": 200, "pendingPoints": 0, "heldPoints": 0})

    checkout = driver.checkout_create(email="story@example.com", quantity=2, token=token)
    driver.checkout_shipping_method_update(checkout["id"], token=token)
    applied = driver.loyalty_points_apply(checkout["token"], 150, token=token)  # 1.50 off 55.00
    step({"points": 50, "pendingPoints": 0, "heldPoints": 150})

    driver.checkout_payment_create(
        checkout["id"], applied["checkout"]["totalPrice"]["gross"]["amount"], token=token
    )
    second = driver.checkout_complete(checkout["id"], token=token)
    step({"points": 50, "pendingPoints": 48, "heldPoints": 0})  # floor(53.50 - 5.00)

    driver.order_refund(second["id"], "26.75")  # half of what was paid
    step({"points": 50 + 75, "pendingPoints": 48 - 24, "heldPoints": 0})

    driver.order_cancel(second["id"])
    step({"points": 200, "pendingPoints": 0, "heldPoints": 0})

    assert Order.objects.get(pk=pk_of(first["id"])).status == "unfulfilled"
