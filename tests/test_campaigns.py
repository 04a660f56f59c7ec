"""Campaign and store-anniversary bonuses: staff give N points with a reason to all customers, to
customers with at least K paid orders, or to a list, through ``loyaltyCampaignBonusCreate``; a
Celery task credits them after commit; the same campaign key never pays twice."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_retention.bonuses import services as bonuses
from saleor_retention.bonuses.models import LoyaltyCampaign
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry
from saleor_retention_site.driver import gid, pk_of
from tests.test_ledger_services import settings_with

CREATE = """mutation($points: Int!, $reason: String!, $key: String!,
                     $audience: LoyaltyCampaignAudienceInput!) {
  loyaltyCampaignBonusCreate(points: $points, reason: $reason, campaignKey: $key,
                             audience: $audience) {
    queued
    campaign { key points reason status matchedCustomers creditedCustomers }
    errors { field code message }
  }
}"""


def create(
    driver,
    *,
    points=100,
    reason="Happy 5th anniversary!",
    key="anniversary-5",
    audience=None,
    token=None,
):
    return driver.mutate(
        "loyaltyCampaignBonusCreate",
        CREATE,
        {
            "points": points,
            "reason": reason,
            "key": key,
            "audience": {"all": True} if audience is None else audience,
        },
        token=token or driver.staff_token(),
        expect_errors=True,
    )


def credited(key="anniversary-5"):
    """customer pk -> points of the campaign's entries."""
    entries = LedgerEntry.objects.filter(
        type="campaign_bonus", idempotency_key__startswith=f"campaign:{key}:"
    )
    return {str(e.account.customer_id): e.points for e in entries.select_related("account")}


@pytest.fixture
def shop(retention_on):
    retention_on.plugin_update(signup_bonus="0", points_per_currency_unit="USD:1")
    return retention_on


def register(driver, *emails):
    return [pk_of(driver.account_register(email)) for email in emails]


# --- audiences --------------------------------------------------------------------------------


def test_a_bonus_for_every_customer_is_credited_after_commit(shop):
    # given three shoppers and the staff user (who has never ordered: not a customer)
    ann, bob, cy = register(shop, "ann@example.com", "bob@example.com", "cy@example.com")

    # when staff give every customer 100 points
    payload = create(shop)

    # then the answer counts three customers queued; the task ran only after the commit
    assert payload["errors"] == []
    assert payload["queued"] == 3
    assert payload["campaign"] == {
        "key": "anniversary-5",
        "points": 100,
        "reason": "Happy 5th anniversary!",
        "status": "QUEUED",
        "matchedCustomers": 3,
        "creditedCustomers": 0,
    }
    assert credited() == {ann: 100, bob: 100, cy: 100}
    campaign = LoyaltyCampaign.objects.get(key="anniversary-5")
    assert (campaign.status, campaign.credited_customers) == ("done", 3)
    staff_pk = str(campaign.staff_user_id)
    assert LedgerEntry.objects.filter(staff_user_id=staff_pk, type="campaign_bonus").count() == 3

    # and each shopper sees it, with the campaign's reason, in their history
    token = shop.token_create("ann@example.com", "customer-password")
    me = shop.query(
        "{ me { loyalty { points entries(first: 3) { edges { node { type points reason } } } } } }",
        token=token,
    )["me"]["loyalty"]
    assert me == {
        "points": 100,
        "entries": {
            "edges": [
                {
                    "node": {
                        "type": "CAMPAIGN_BONUS",
                        "points": 100,
                        "reason": "Happy 5th anniversary!",
                    }
                }
            ]
        },
    }
    assert services.verify_accounts() == []


def test_a_bonus_for_customers_with_at_least_k_paid_orders(shop):
    # given: two paid orders; one paid order; one order paid then cancelled; one order only
    # authorised (not paid); one fully refunded order; a draft order; no orders at all
    two, one, cancelled, unpaid, refunded, draft, none = register(
        shop,
        "two@example.com",
        "one@example.com",
        "cancelled@example.com",
        "unpaid@example.com",
        "refunded@example.com",
        "draft@example.com",
        "none@example.com",
    )

    def buy(email, **kwargs):
        token = shop.token_create(email, "customer-password")
        return shop.buy(email=email, token=token, **kwargs)

    buy("two@example.com")
    buy("two@example.com")
    buy("one@example.com")
    shop.order_cancel(buy("cancelled@example.com")["id"])
    buy("unpaid@example.com", payment_token="not-charged")
    refunded_order = buy("refunded@example.com")
    shop.order_refund(refunded_order["id"], refunded_order["total"]["gross"]["amount"])
    shop.draft_order_create(customer_id=gid("User", draft))
    # (an order from the staff user makes them a customer; one paid order)
    staff_email = shop.store.staff_email
    shop.buy(email=staff_email, token=shop.staff_token())

    # when staff reward customers with at least two paid orders, then at least one
    at_least_two = create(shop, key="loyal-2", audience={"minPaidOrders": 2})
    at_least_one = create(shop, key="loyal-1", audience={"minPaidOrders": 1})

    # then
    assert (at_least_two["errors"], at_least_two["queued"]) == ([], 1)
    assert credited("loyal-2") == {two: 100}
    staff_pk = LoyaltyCampaign.objects.get(key="loyal-1").staff_user_id
    assert at_least_one["queued"] == 3
    assert credited("loyal-1") == {two: 100, one: 100, staff_pk: 100}
    assert not {cancelled, unpaid, refunded, draft, none} & set(credited("loyal-1"))
    assert services.verify_accounts() == []


def test_a_bonus_for_a_list_of_customers(shop):
    ann, bob, cy = register(shop, "ann@example.com", "bob@example.com", "cy@example.com")

    payload = create(
        shop,
        key="apology-42",
        audience={"customerIds": [gid("User", cy), gid("User", ann), gid("User", cy)]},
    )

    assert (payload["errors"], payload["queued"]) == ([], 2)
    assert credited("apology-42") == {ann: 100, cy: 100}


def test_the_task_credits_in_batches_and_resumes_where_it_stopped(shop):
    customers = register(shop, *[f"c{i}@example.com" for i in range(5)])
    settings = settings_with()
    campaign = LoyaltyCampaign.objects.create(
        key="batched", points=7, reason="Batch", audience={"all": True}, matched_customers=5
    )
    # given an earlier run that stopped after crediting two customers
    for customer in customers[:2]:
        services.credit(
            customer_id=customer,
            points=7,
            type="campaign_bonus",
            key=bonuses.campaign_entry_key("batched", customer),
            settings=settings,
        )

    # when the task runs again, two customers per batch
    with CaptureQueriesContext(connection) as captured:
        run = bonuses.run_campaign(campaign.pk, settings=settings, batch_size=2)

    # then it credits the other three only, and records the campaign as done
    assert (run.credited, run.total_credited) == (3, 5)
    assert credited("batched") == {customer: 7 for customer in customers}
    campaign.refresh_from_db()
    assert (campaign.status, campaign.credited_customers) == ("done", 5)
    audience_pages = [q for q in captured.captured_queries if '"account_user"."id" >' in q["sql"]]
    assert len(audience_pages) == 4  # [c0 c1] [c2 c3] [c4] [] : keyset pages, not one by one
    assert bonuses.run_campaign(campaign.pk, settings=settings).credited == 0  # done: no-op
    assert services.verify_accounts() == []


# --- replays ----------------------------------------------------------------------------------


def test_sending_the_same_campaign_again_changes_nothing(shop):
    ann, bob = register(shop, "ann@example.com", "bob@example.com")
    assert create(shop)["queued"] == 2
    # a customer who registers afterwards is not part of the campaign that already ran
    register(shop, "late@example.com")
    entries_before = LedgerEntry.objects.count()

    replay = create(shop)

    assert replay["errors"] == []
    assert replay["queued"] == 0
    assert replay["campaign"]["status"] == "DONE"
    assert replay["campaign"]["creditedCustomers"] == 2
    assert LedgerEntry.objects.count() == entries_before
    assert credited() == {ann: 100, bob: 100}
    assert LoyaltyCampaign.objects.count() == 1


def test_a_used_key_with_other_terms_is_refused(shop):
    (ann,) = register(shop, "ann@example.com")
    create(shop)
    entries_before = list(LedgerEntry.objects.values_list("pk", flat=True))

    for changed in ({"points": 200}, {"reason": "Other"}, {"audience": {"minPaidOrders": 1}}):
        payload = create(shop, **changed)
        assert payload["queued"] is None and payload["campaign"] is None
        assert payload["errors"] == [
            {
                "field": "campaignKey",
                "code": "ALREADY_DONE",
                "message": "The campaign key anniversary-5 was already used for another campaign.",
            }
        ]

    assert list(LedgerEntry.objects.values_list("pk", flat=True)) == entries_before
    assert LoyaltyCampaign.objects.get().points == 100


def test_an_unfinished_campaign_is_queued_again_and_finishes(shop):
    ann, bob = register(shop, "ann@example.com", "bob@example.com")
    # given a campaign recorded but never run (the broker was down)
    LoyaltyCampaign.objects.create(
        key="anniversary-5",
        points=100,
        reason="Happy 5th anniversary!",
        audience={"all": True},
        matched_customers=2,
    )

    payload = create(shop)

    assert (payload["errors"], payload["queued"]) == ([], 2)
    assert credited() == {ann: 100, bob: 100}
    assert LoyaltyCampaign.objects.get().status == "done"


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"points": 0}, "points", "INVALID"),
        ({"points": 1_000_001}, "points", "INVALID"),
        ({"points": -5}, "points", "INVALID"),
        ({"reason": "   "}, "reason", "REQUIRED"),
        ({"reason": "x" * 501}, "reason", "TOO_LONG"),
        ({"key": ""}, "campaignKey", "INVALID"),
        ({"key": "k" * 101}, "campaignKey", "INVALID"),
        ({"key": "spring:2027"}, "campaignKey", "INVALID"),
        ({"audience": {}}, "audience", "INVALID"),
        ({"audience": {"all": False}}, "audience", "INVALID"),
        ({"audience": {"all": True, "minPaidOrders": 2}}, "audience", "INVALID"),
        ({"audience": {"minPaidOrders": 0}}, "minPaidOrders", "INVALID"),
        ({"audience": {"customerIds": []}}, "customerIds", "INVALID"),
        ({"audience": {"customerIds": ["VXNlcjo5OTk5OQ=="]}}, "customerIds", "NOT_FOUND"),
        ({"audience": {"customerIds": [gid("Order", 1)]}}, "customerIds", "INVALID"),
        ({"audience": {"customerIds": ["nonsense"]}}, "customerIds", "INVALID"),
    ],
)
def test_refusals_are_typed_and_change_nothing(shop, changes, field, code):
    register(shop, "ann@example.com")
    entries_before = LedgerEntry.objects.count()

    payload = create(shop, **changes)

    assert payload["queued"] is None and payload["campaign"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == (field, code)
    assert error["message"]
    assert LoyaltyCampaign.objects.count() == 0
    assert LedgerEntry.objects.count() == entries_before


def test_only_staff_who_manage_users_may_give_a_campaign_bonus(shop):
    register(shop, "ann@example.com")
    shopper = shop.token_create("ann@example.com", "customer-password")

    as_shopper = create(shop, token=shopper)
    anonymous = shop.execute(
        CREATE,
        {"points": 5, "reason": "r", "key": "k", "audience": {"all": True}},
    )["data"]["loyaltyCampaignBonusCreate"]

    for payload in (as_shopper, anonymous):
        assert payload["errors"] == [
            {
                "field": None,
                "code": "PERMISSION_DENIED",
                "message": "You do not have permission to perform this action.",
            }
        ]
    assert LoyaltyCampaign.objects.count() == 0
    assert LedgerEntry.objects.filter(type="campaign_bonus").count() == 0


def test_a_refusal_reads_in_the_staff_members_language(shop):
    import json

    from django.utils import translation

    with translation.override(translation.get_language()):
        response = shop.client.post(
            "/graphql/",
            json.dumps(
                {
                    "query": CREATE,
                    "variables": {
                        "points": 0,
                        "reason": "r",
                        "key": "k",
                        "audience": {"all": True},
                    },
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"JWT {shop.staff_token()}",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    [error] = response.json()["data"]["loyaltyCampaignBonusCreate"]["errors"]
    assert error["message"] == "积分须在 1 到 1,000,000 之间。"
