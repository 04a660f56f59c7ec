"""Loyalty fields cost a fixed number of SQL queries however long the customer's history."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_retention.earning import services as earning
from saleor_retention.ledger import services
from saleor_retention_site.driver import pk_of
from tests.test_ledger_services import order, settings_with

QUERY = """{ me { email loyalty {
  points pendingPoints lifetimePoints expiringPoints { points expiresAt }
  tier { name } nextTier { name } spendToNextTier { amount }
  entries(first: 10) { edges { node { type points reason order { number } } } pageInfo { hasNextPage } }
} } }"""


def queries_for(driver, token) -> int:
    with CaptureQueriesContext(connection) as captured:
        driver.query(QUERY, token=token)
    return len(captured.captured_queries)


def test_me_loyalty_query_count_does_not_grow_with_history(retention_on):
    retention_on.plugin_update(tiers="Silver:100:1.5; Gold:300:2")
    user_pk = pk_of(retention_on.account_register("history@example.com"))
    token = retention_on.token_create("history@example.com", "customer-password")
    settings = settings_with()
    for i in range(3):
        services.credit(
            customer_id=user_pk, points=5, type="campaign_bonus", key=f"a{i}", settings=settings
        )
        earning.earn_for_order(order(user_pk, f"9000{i}"), settings)
    short = queries_for(retention_on, token)

    for i in range(60):
        services.credit(
            customer_id=user_pk, points=5, type="campaign_bonus", key=f"b{i}", settings=settings
        )
        earning.earn_for_order(order(user_pk, f"9100{i}"), settings)
    long = queries_for(retention_on, token)

    assert long == short


CHECKOUT = """query($token: UUID!) { checkout(token: $token) { loyalty {
  pointsToEarn redeemablePoints appliedPoints appliedDiscount { amount } valuePerPoint { amount }
} } me { loyalty { points heldPoints } } }"""


def test_checkout_loyalty_query_count_does_not_grow_with_history(retention_on):
    user_pk = pk_of(retention_on.account_register("cart@example.com"))
    token = retention_on.token_create("cart@example.com", "customer-password")
    checkout = retention_on.checkout_create(email="cart@example.com", quantity=2, token=token)
    settings = settings_with()
    services.credit(
        customer_id=user_pk, points=500, type="campaign_bonus", key="c0", settings=settings
    )
    retention_on.loyalty_points_apply(checkout["token"], 200, token=token)

    def count():
        with CaptureQueriesContext(connection) as captured:
            retention_on.query(CHECKOUT, {"token": checkout["token"]}, token=token)
        return len(captured.captured_queries)

    short = count()
    for i in range(60):
        services.credit(
            customer_id=user_pk, points=5, type="campaign_bonus", key=f"c{i + 1}", settings=settings
        )
    assert count() == short


FIGURES = """{ me { loyalty { points pendingPoints ...Expiry } } }
fragment Expiry on LoyaltyAccount { expiringPoints { points expiresAt } }"""


def test_loyalty_figures_cost_one_query_beside_the_shopper(retention_on):
    # given a shopper with spendable points on two expiry dates and pending points
    user_pk = pk_of(retention_on.account_register("figures@example.com"))
    token = retention_on.token_create("figures@example.com", "customer-password")
    for months, points in ((1, 30), (2, 20), (2, 5)):
        services.credit(
            customer_id=user_pk,
            points=points,
            type="campaign_bonus",
            key=f"f{months}{points}",
            settings=settings_with(points_expiry_months=months),
        )
    earning.earn_for_order(order(user_pk, "9300"), settings_with(pending_days=14))

    # when the storefront asks for the three figures (expiringPoints through a fragment), once
    # after the points moved and once more
    with CaptureQueriesContext(connection) as captured:
        first = retention_on.query(FIGURES, token=token)["me"]["loyalty"]
    after_a_move = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        loyalty = retention_on.query(FIGURES, token=token)["me"]["loyalty"]
    baseline = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        retention_on.query("{ me { email } }", token=token)
    saleor_me = len(captured.captured_queries)

    # then the answer is right and the same both times; the account with its kept expiry
    # groups, and no settings row, is one query more than Saleor's own `me`; the first read
    # after a move also groups the lots and keeps them (a savepoint around the update)
    assert (loyalty["points"], loyalty["pendingPoints"]) == (55, 100)
    assert [group["points"] for group in loyalty["expiringPoints"]] == [30, 25]
    assert first == loyalty
    assert baseline == saleor_me + 1
    assert after_a_move == saleor_me + 1 + 1 + 3
