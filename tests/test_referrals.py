"""Referrals (issue 3): a customer's code brings a new customer; both earn the configured bonus,
pending for the return window, after the friend's first paid order, and give it back when that
order is refunded in full or cancelled. Driven through Saleor's GraphQL like a storefront."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from saleor_retention.adjustments import services as adjustments
from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount
from saleor_retention.referrals import services as referrals
from saleor_retention.referrals.models import (
    REFERRAL_CODE_ALPHABET,
    Referral,
    ReferralCode,
)
from saleor_retention_site.driver import gid, pk_of
from saleor_retention_site.store import ADDRESS_INPUT, create_customer
from tests.connections import nodes
from tests.replay import ledger_state, replay_everything
from tests.test_ledger_concurrency import race
from tests.test_ledger_services import order, settings_with

PRICE_POINTS = 25  # one item: 25.00 + 5.00 shipping earns 25 points
REFERRER_BONUS = 300
REFEREE_BONUS = 200

ME = "{ me { loyalty { points pendingPoints } } }"
CODE = "{ me { loyaltyReferralCode } }"
APPLY = """mutation($code: String!, $token: UUID) {
  loyaltyReferralCodeApply(code: $code, checkoutToken: $token) {
    referral { status code }
    errors { field code message }
  }
}"""

# A second household, for friends who do not live with the referrer.
OTHER_ADDRESS = {
    **ADDRESS_INPUT,
    "firstName": "Bo",
    "lastName": "Chen",
    "streetAddress1": "1 Infinite Loop",
    "city": "Cupertino",
    "postalCode": "95014",
}


@pytest.fixture
def shop(retention_on):
    retention_on.plugin_update(
        signup_bonus="0",
        points_per_currency_unit="USD:1",
        pending_days="14",
        referral_bonus_referrer=str(REFERRER_BONUS),
        referral_bonus_referee=str(REFEREE_BONUS),
        referral_monthly_cap="10",
    )
    return retention_on


def register(driver, email):
    """(customer pk, JWT) of a new shopper."""
    customer = pk_of(driver.account_register(email))
    return customer, driver.token_create(email, "customer-password")


def code_of(driver, token):
    return driver.query(CODE, token=token)["me"]["loyaltyReferralCode"]


def apply(driver, code, token, checkout_token=None):
    return driver.mutate(
        "loyaltyReferralCodeApply",
        APPLY,
        {"code": code, "token": checkout_token},
        token=token,
        expect_errors=True,
    )


def points(driver, token):
    return driver.query(ME, token=token)["me"]["loyalty"]


def move_to(driver, checkout, address, token):
    """Ship and bill the checkout to ``address`` (before the shipping method is chosen)."""
    for name, argument in (
        ("checkoutShippingAddressUpdate", "shippingAddress"),
        ("checkoutBillingAddressUpdate", "billingAddress"),
    ):
        driver.mutate(
            name,
            f"""mutation($id: ID!, $address: AddressInput!) {{
                {name}(checkoutId: $id, {argument}: $address) {{ errors {{ field message }} }}
            }}""",
            {"id": checkout["id"], "address": address},
            token=token,
        )


def referral_entries():
    return sorted(
        LedgerEntry.objects.filter(idempotency_key__startswith="referral")
        .values_list("idempotency_key", "type", "points")
        .order_by("pk")
    )


def snapshot():
    return (
        list(Referral.objects.values_list("pk", "status", "qualifying_order_id").order_by("pk")),
        ledger_state(),
        LoyaltyAccount.objects.count(),
    )


def settings_on(**overrides):
    values = {
        "referral_bonus_referrer": REFERRER_BONUS,
        "referral_bonus_referee": REFEREE_BONUS,
        "referral_monthly_cap": 10,
    }
    values.update(overrides)
    return settings_with(**values)


# --- the whole flow ----------------------------------------------------------------------------


def test_a_friends_first_paid_order_rewards_both_once(shop):
    # given Ann, who reads her code (created on first read, the same on every read)
    ann, ann_token = register(shop, "ann@example.com")
    code = code_of(shop, ann_token)
    assert len(code) == 8 and set(code) <= set(REFERRAL_CODE_ALPHABET)
    assert code_of(shop, ann_token) == code
    assert ReferralCode.objects.count() == 1

    # when Bob registers and gives it (typed in lower case, with a space)
    bob, bob_token = register(shop, "bob@example.com")
    payload = apply(shop, f" {code[:4].lower()} {code[4:]}", bob_token)

    # then the referral waits for Bob's first paid order; nobody has earned anything yet
    assert payload == {"referral": {"status": "PENDING", "code": code}, "errors": []}
    assert points(shop, ann_token) == {"points": 0, "pendingPoints": 0}
    assert points(shop, bob_token) == {"points": 0, "pendingPoints": 0}

    # when Bob buys and pays
    first = shop.buy(email="bob@example.com", token=bob_token)

    # then both earn their bonus, pending for the return window like Bob's own points
    assert points(shop, ann_token) == {"points": 0, "pendingPoints": REFERRER_BONUS}
    assert points(shop, bob_token) == {
        "points": 0,
        "pendingPoints": PRICE_POINTS + REFEREE_BONUS,
    }
    referral = Referral.objects.get()
    assert (referral.status, referral.qualifying_order_id) == ("rewarded", pk_of(first["id"]))
    assert referral_entries() == [
        (f"referral:{referral.pk}:referee", "referral_reward", REFEREE_BONUS),
        (f"referral:{referral.pk}:referrer", "referral_reward", REFERRER_BONUS),
    ]
    history = nodes(
        shop.query(
            "{ me { loyalty { entries(first: 5) { edges { node { type points reason } } } } } }",
            token=ann_token,
        )["me"]["loyalty"]["entries"]
    )
    assert history == [
        {
            "type": "REFERRAL_REWARD",
            "points": REFERRER_BONUS,
            "reason": "A friend you referred paid for their first order",
        }
    ]
    # the order's own points are untouched by the referral (Order.loyalty counts only them)
    order_points = shop.query(
        "query($id: ID!) { order(id: $id) { loyalty { pointsEarned } } }",
        {"id": first["id"]},
        token=shop.staff_token(),
    )["order"]["loyalty"]
    assert order_points == {"pointsEarned": PRICE_POINTS}

    # when every hook and every event is replayed, nothing doubles
    before = ledger_state()
    replay_everything()
    assert ledger_state() == before

    # when Bob pays for a second order, only his own points come
    shop.buy(email="bob@example.com", token=bob_token)
    assert points(shop, ann_token) == {"points": 0, "pendingPoints": REFERRER_BONUS}
    assert points(shop, bob_token) == {
        "points": 0,
        "pendingPoints": 2 * PRICE_POINTS + REFEREE_BONUS,
    }
    assert len(referral_entries()) == 2

    # and after the return window the rewards can be spent
    services.release_due_lots(timezone.now() + timedelta(days=15))
    assert points(shop, ann_token) == {"points": REFERRER_BONUS, "pendingPoints": 0}
    assert services.verify_accounts() == []


def test_a_code_given_at_checkout_counts_for_that_order(shop):
    ann, ann_token = register(shop, "ann@example.com")
    code = code_of(shop, ann_token)
    bob, bob_token = register(shop, "bob@example.com")
    given = {}

    def give_code(checkout):
        given.update(apply(shop, code, bob_token, checkout_token=checkout["token"]))

    shop.buy(email="bob@example.com", token=bob_token, before_payment=give_code)

    assert given == {"referral": {"status": "PENDING", "code": code}, "errors": []}
    referral = Referral.objects.get()
    assert referral.status == "rewarded" and referral.checkout_token
    assert points(shop, ann_token)["pendingPoints"] == REFERRER_BONUS
    assert points(shop, bob_token)["pendingPoints"] == PRICE_POINTS + REFEREE_BONUS
    assert services.verify_accounts() == []


# --- self-referral ----------------------------------------------------------------------------


def test_the_own_code_is_refused(shop):
    ann, ann_token = register(shop, "ann@example.com")
    code = code_of(shop, ann_token)
    before = snapshot()

    payload = apply(shop, code, ann_token)

    assert payload["referral"] is None
    assert payload["errors"] == [
        {
            "field": "code",
            "code": "SELF_REFERRAL",
            "message": "You cannot use your own referral code.",
        }
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("referrer_email", "friend_email"),
    [
        ("ann@example.com", "ANN@example.com"),
        ("ann@example.com", "ann+second@example.com"),
        ("ann.lin@gmail.com", "AnnLin+shop@googlemail.com"),
    ],
)
def test_the_same_mailbox_under_another_spelling_is_refused(shop, referrer_email, friend_email):
    _ann, ann_token = register(shop, referrer_email)
    code = code_of(shop, ann_token)
    _twin, twin_token = register(shop, friend_email)
    before = snapshot()

    payload = apply(shop, code, twin_token)

    assert payload["referral"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("code", "SELF_REFERRAL")
    assert error["message"] == "This referral code belongs to an account with your e-mail address."
    assert snapshot() == before


def test_dots_only_count_as_the_same_mailbox_at_gmail(shop):
    _ann, ann_token = register(shop, "ann@example.com")
    _other, other_token = register(shop, "a.nn@example.com")

    assert apply(shop, code_of(shop, ann_token), other_token)["errors"] == []


def test_a_checkout_at_the_referrers_address_is_refused(shop):
    # given Ann, who once ordered to the store's usual address
    _ann, ann_token = register(shop, "ann@example.com")
    shop.buy(email="ann@example.com", token=ann_token)
    code = code_of(shop, ann_token)
    # and Bob, whose checkout ships to that same address (under another name, in capitals)
    _bob, bob_token = register(shop, "bob@example.com")
    same_door = {
        **ADDRESS_INPUT,
        "firstName": "Bob",
        "streetAddress1": ADDRESS_INPUT["streetAddress1"].upper(),
    }
    checkout = shop.checkout_create(email="bob@example.com", token=bob_token)
    move_to(shop, checkout, same_door, bob_token)
    before = snapshot()

    # when Bob gives Ann's code at that checkout
    payload = apply(shop, code, bob_token, checkout_token=checkout["token"])

    # then it is refused and nothing is written
    assert payload["referral"] is None
    assert payload["errors"] == [
        {
            "field": "code",
            "code": "SELF_REFERRAL",
            "message": "This referral code belongs to an account at your address.",
        }
    ]
    assert snapshot() == before


def test_a_first_order_to_the_referrers_address_rejects_the_referral(shop):
    # given Ann, who ordered to the store's usual address, and Bob, who gave her code right after
    # registering (no address known yet, so the claim is accepted)
    ann, ann_token = register(shop, "ann@example.com")
    shop.buy(email="ann@example.com", token=ann_token)
    code = code_of(shop, ann_token)
    _bob, bob_token = register(shop, "bob@example.com")
    assert apply(shop, code, bob_token)["referral"]["status"] == "PENDING"

    # when Bob's first order ships to Ann's address
    shop.buy(email="bob@example.com", token=bob_token)

    # then the referral is rejected: nobody gets a bonus, Bob keeps his own points
    referral = Referral.objects.get()
    assert referral.status == "rejected" and referral.note
    assert referral_entries() == []
    assert points(shop, ann_token)["pendingPoints"] == PRICE_POINTS
    assert points(shop, bob_token)["pendingPoints"] == PRICE_POINTS
    assert services.verify_accounts() == []


def test_a_friend_at_another_address_is_rewarded_even_after_the_referrer_ordered(shop):
    _ann, ann_token = register(shop, "ann@example.com")
    shop.buy(email="ann@example.com", token=ann_token)
    code = code_of(shop, ann_token)
    _bob, bob_token = register(shop, "bob@example.com")
    given = {}

    def elsewhere(checkout):
        move_to(shop, checkout, OTHER_ADDRESS, bob_token)
        given.update(apply(shop, code, bob_token, checkout_token=checkout["token"]))

    shop.buy(email="bob@example.com", token=bob_token, before_payment=elsewhere)

    assert given["errors"] == []
    assert Referral.objects.get().status == "rewarded"
    assert points(shop, ann_token)["pendingPoints"] == PRICE_POINTS + REFERRER_BONUS
    assert points(shop, bob_token)["pendingPoints"] == PRICE_POINTS + REFEREE_BONUS


# --- other refusals ---------------------------------------------------------------------------


def test_refusals_are_typed_and_change_nothing(shop):
    ann, ann_token = register(shop, "ann@example.com")
    code = code_of(shop, ann_token)
    cy, cy_token = register(shop, "cy@example.com")
    cy_code = code_of(shop, cy_token)
    bob, bob_token = register(shop, "bob@example.com")
    cy_checkout = shop.checkout_create(email="cy@example.com", token=cy_token)
    assert apply(shop, code, bob_token)["errors"] == []  # Bob is referred by Ann
    # Dan already bought something, so he is not a new customer
    _dan, dan_token = register(shop, "dan@example.com")
    shop.buy(email="dan@example.com", token=dan_token)
    _eve, eve_token = register(shop, "eve@example.com")
    before = snapshot()

    def refused(payload):
        assert payload["referral"] is None
        [error] = payload["errors"]
        assert error["message"]
        return error["field"], error["code"]

    assert refused(apply(shop, "", eve_token)) == ("code", "REQUIRED")
    assert refused(apply(shop, "ZZZZ2222", eve_token)) == ("code", "NOT_FOUND")
    assert refused(apply(shop, "not a code!", eve_token)) == ("code", "NOT_FOUND")
    assert refused(apply(shop, cy_code, bob_token)) == ("code", "ALREADY_DONE")
    assert refused(apply(shop, code, dan_token)) == ("code", "NOT_ELIGIBLE")
    assert refused(
        apply(shop, code, eve_token, checkout_token="6c2f2bc4-8c1c-4a7e-9b43-5e0c2b9d5d7a")
    ) == ("checkoutToken", "NOT_FOUND")
    assert refused(apply(shop, code, eve_token, checkout_token=cy_checkout["token"])) == (
        "checkoutToken",
        "NOT_YOUR_CHECKOUT",
    )
    anonymous = shop.execute(APPLY, {"code": code})["data"]["loyaltyReferralCodeApply"]
    assert refused(anonymous) == (None, "NOT_SIGNED_IN")
    assert snapshot() == before

    # giving the same code again is a replay: the same referral, nothing new
    again = apply(shop, code.lower(), bob_token)
    assert again == {"referral": {"status": "PENDING", "code": code}, "errors": []}
    assert snapshot() == before

    # with both bonuses at 0 the store runs no referrals: no code to show, none accepted
    shop.plugin_update(referral_bonus_referrer="0", referral_bonus_referee="0")
    assert code_of(shop, ann_token) is None
    assert refused(apply(shop, code, eve_token)) == (None, "REFERRALS_OFF")
    assert snapshot() == before


def test_a_refusal_reads_in_the_shoppers_language(shop):
    import json

    from django.utils import translation

    _ann, ann_token = register(shop, "ann@example.com")
    code = code_of(shop, ann_token)
    with translation.override(translation.get_language()):
        response = shop.client.post(
            "/graphql/",
            json.dumps({"query": APPLY, "variables": {"code": code}}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"JWT {ann_token}",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    [error] = response.json()["data"]["loyaltyReferralCodeApply"]["errors"]
    assert error["code"] == "SELF_REFERRAL"
    assert error["message"] == "不能使用自己的推荐码。"


# --- monthly cap ------------------------------------------------------------------------------


def test_a_code_brings_at_most_the_monthly_cap_of_friends(shop):
    shop.plugin_update(referral_monthly_cap="2")
    _ann, ann_token = register(shop, "ann@example.com")
    code = code_of(shop, ann_token)
    friends = [register(shop, f"friend{i}@example.com")[1] for i in range(3)]

    assert apply(shop, code, friends[0])["errors"] == []
    assert apply(shop, code, friends[1])["errors"] == []
    before = snapshot()
    third = apply(shop, code, friends[2])

    assert third["referral"] is None
    assert [(e["field"], e["code"]) for e in third["errors"]] == [("code", "CAP_REACHED")]
    assert snapshot() == before

    # next month the code works again
    Referral.objects.update(created_at=timezone.now() - timedelta(days=40))
    assert apply(shop, code, friends[2])["errors"] == []


def test_the_month_is_the_store_s_month(db):
    # given a store in Shanghai (UTC+8), a cap of one friend a month, and a friend referred on
    # Nov 30 at 23:30 Shanghai time (15:30 UTC)
    settings = settings_on(referral_monthly_cap=1, store_timezone="Asia/Shanghai")
    ann, bob, cy, dan = (
        str(create_customer(f"{name}@example.com").pk) for name in ("ann", "bob", "cy", "dan")
    )
    code = referrals.referral_code_for(ann)
    nov_30_late = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    referrals.claim(referee_customer_id=bob, code=code, settings=settings, now=nov_30_late)

    # when Cy claims an hour later: still Nov 30 in UTC, already Dec 1 in Shanghai
    dec_1_early = nov_30_late + timedelta(hours=1)
    referrals.claim(referee_customer_id=cy, code=code, settings=settings, now=dec_1_early)

    # then Cy is December's one friend, and Dan is refused for the rest of December
    with pytest.raises(RetentionError) as refused:
        referrals.claim(
            referee_customer_id=dan,
            code=code,
            settings=settings,
            now=dec_1_early + timedelta(days=3),
        )
    assert refused.value.code == RetentionErrorCode.CAP_REACHED
    assert Referral.objects.count() == 2


# --- reversal ---------------------------------------------------------------------------------


@pytest.fixture
def rewarded(shop):
    """Ann referred Bob, whose first order is paid: (Ann's token, Bob's token, Bob's order)."""
    _ann, ann_token = register(shop, "ann@example.com")
    _bob, bob_token = register(shop, "bob@example.com")
    assert apply(shop, code_of(shop, ann_token), bob_token)["errors"] == []
    first = shop.buy(email="bob@example.com", token=bob_token)
    assert Referral.objects.get().status == "rewarded"
    return ann_token, bob_token, first


def test_a_partial_refund_keeps_the_rewards_and_the_full_refund_takes_them_back(shop, rewarded):
    ann_token, bob_token, first = rewarded

    # when a third of Bob's order is refunded
    shop.order_refund(first["id"], "10.00")

    # then only Bob's own points shrink in proportion (trunc(25 x 10 / 30) = 8)
    assert points(shop, ann_token) == {"points": 0, "pendingPoints": REFERRER_BONUS}
    assert points(shop, bob_token) == {
        "points": 0,
        "pendingPoints": PRICE_POINTS - 8 + REFEREE_BONUS,
    }
    assert Referral.objects.get().status == "rewarded"

    # when the rest is refunded
    shop.order_refund(first["id"], "20.00")

    # then both rewards are taken back
    assert points(shop, ann_token) == {"points": 0, "pendingPoints": 0}
    assert points(shop, bob_token) == {"points": 0, "pendingPoints": 0}
    referral = Referral.objects.get()
    assert referral.status == "reversed"
    assert referral_entries() == [
        (f"referral-reversal:{referral.pk}:referee", "reversal", -REFEREE_BONUS),
        (f"referral-reversal:{referral.pk}:referrer", "reversal", -REFERRER_BONUS),
        (f"referral:{referral.pk}:referee", "referral_reward", REFEREE_BONUS),
        (f"referral:{referral.pk}:referrer", "referral_reward", REFERRER_BONUS),
    ]
    before = ledger_state()
    replay_everything()
    assert ledger_state() == before
    assert services.verify_accounts() == []


def test_a_cancellation_takes_both_rewards_back_and_a_later_order_earns_no_referral(shop, rewarded):
    ann_token, bob_token, first = rewarded

    shop.order_cancel(first["id"])

    assert points(shop, ann_token) == {"points": 0, "pendingPoints": 0}
    assert points(shop, bob_token) == {"points": 0, "pendingPoints": 0}
    assert Referral.objects.get().status == "reversed"

    shop.buy(email="bob@example.com", token=bob_token)
    assert points(shop, ann_token) == {"points": 0, "pendingPoints": 0}
    assert points(shop, bob_token) == {"points": 0, "pendingPoints": PRICE_POINTS}
    before = ledger_state()
    replay_everything()
    assert ledger_state() == before
    assert services.verify_accounts() == []


@pytest.mark.parametrize(
    ("policy", "ann_after"),
    [("negative", -REFERRER_BONUS), ("clamp", 0)],
)
def test_a_reward_already_spent_is_taken_back_by_the_negative_balance_policy(
    shop, rewarded, policy, ann_after
):
    # given the return window passed and Ann spent her reward (a staff deduction stands in)
    ann_token, _bob_token, first = rewarded
    shop.plugin_update(negative_balance_policy=policy)
    services.release_due_lots(timezone.now() + timedelta(days=15))
    ann = pk_of(shop.query("{ me { id } }", token=ann_token)["me"]["id"])
    adjustments.points_adjust(
        customer_id=ann,
        points=-REFERRER_BONUS,
        reason="spent",
        staff_user_id="0",  # no user: never the customer
        key="spent",
        settings=settings_on(),
    )

    # when Bob's order is cancelled afterwards
    shop.order_cancel(first["id"])

    # then Ann's reward comes back out of what is left, by the policy
    assert points(shop, ann_token) == {"points": ann_after, "pendingPoints": 0}
    assert services.verify_accounts() == []


# --- the rules that need no storefront --------------------------------------------------------


def test_an_order_paid_without_money_does_not_complete_a_referral(db):
    # markm8-v3#125: a free sign-up credit was enough to complete a referral
    settings = settings_on()
    ann, bob = (str(create_customer(f"{name}@example.com").pk) for name in ("ann", "bob"))
    referrals.claim(
        referee_customer_id=bob, code=referrals.referral_code_for(ann), settings=settings
    )

    outcome = referrals.reward_for_paid_order(order(bob, paid="0"), settings)

    assert outcome.status == "pending"
    assert LedgerEntry.objects.count() == 0


def test_a_first_order_cancelled_before_its_payment_is_processed_ends_the_referral(db):
    settings = settings_on()
    ann, bob = (str(create_customer(f"{name}@example.com").pk) for name in ("ann", "bob"))
    referrals.claim(
        referee_customer_id=bob, code=referrals.referral_code_for(ann), settings=settings
    )
    cancelled = dataclasses.replace(order(bob, order_id="7"), status="canceled")

    # the cancellation's event ran first and found nothing to take back
    assert referrals.reverse_for_order("7", settings) is None
    outcome = referrals.reward_for_paid_order(cancelled, settings)

    # the referral ends as if the events had come in order: reversed, no points either way
    assert (outcome.status, Referral.objects.get().qualifying_order_id) == ("reversed", "7")
    assert LedgerEntry.objects.count() == 0
    assert referrals.reward_for_paid_order(order(bob, order_id="8"), settings).status == "reversed"


def test_the_code_of_a_deleted_customer_brings_nobody(db):
    settings = settings_on()
    ann, bob = (create_customer(f"{name}@example.com") for name in ("ann", "bob"))
    code = referrals.referral_code_for(str(ann.pk))
    ann.delete()  # Saleor deletes the user; the loyalty account stays for the books

    with pytest.raises(RetentionError) as refused:
        referrals.claim(referee_customer_id=str(bob.pk), code=code, settings=settings)

    assert refused.value.code == RetentionErrorCode.NOT_FOUND
    assert Referral.objects.count() == 0


def test_canonical_email():
    assert referrals.canonical_email(" A.Lin+x@GoogleMail.com ") == "alin@gmail.com"
    assert referrals.canonical_email("A.Lin+x@example.com") == "a.lin@example.com"


# --- visibility -------------------------------------------------------------------------------


def test_the_code_is_shown_to_its_owner_and_to_staff_who_manage_users(shop):
    ann, ann_token = register(shop, "ann@example.com")
    code = code_of(shop, ann_token)
    _bob, bob_token = register(shop, "bob@example.com")
    query = "query($id: ID!) { user(id: $id) { loyaltyReferralCode } }"

    as_staff = shop.query(query, {"id": gid("User", ann)}, token=shop.staff_token())

    assert as_staff == {"user": {"loyaltyReferralCode": code}}
    # Saleor lets only staff read another user; a shopper gets no user at all
    as_bob = shop.execute(query, {"id": gid("User", ann)}, token=bob_token)
    assert (as_bob.get("data") or {}).get("user") is None


def test_a_list_of_customers_reads_every_code_in_a_constant_number_of_queries(shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = "{ customers(first: 20) { edges { node { email loyaltyReferralCode } } } }"

    def count(customers):
        for i in range(customers):
            create_customer(f"c{customers}-{i}@example.com")
        shop.query(query, token=shop.staff_token())  # first read creates the codes
        with CaptureQueriesContext(connection) as captured:
            data = shop.query(query, token=shop.staff_token())
        codes = [edge["node"]["loyaltyReferralCode"] for edge in data["customers"]["edges"]]
        assert len(set(codes)) == len(codes) and all(codes)
        return len(captured.captured_queries)

    assert count(2) == count(4)


# --- races ------------------------------------------------------------------------------------


def _customers(*names):
    return [str(create_customer(f"{name}@example.com").pk) for name in names]


@pytest.mark.django_db(transaction=True)
def test_16_connections_claiming_for_one_friend_make_one_referral():
    settings = settings_on()
    ann, cy, bob = _customers("ann", "cy", "bob")
    ann_code, cy_code = referrals.referral_code_for(ann), referrals.referral_code_for(cy)

    # when Bob's claim arrives 16 times at once, half with Ann's code and half with Cy's
    outcomes = race(
        16,
        lambda i: str(
            referrals.claim(
                referee_customer_id=bob, code=(ann_code, cy_code)[i % 2], settings=settings
            ).pk
        ),
    )

    # then one referral exists; the claims with its code all return it, the others are refused
    referral = Referral.objects.get()
    assert outcomes.count(str(referral.pk)) == 8
    assert outcomes.count("already_done") == 8


@pytest.mark.django_db(transaction=True)
def test_16_friends_racing_for_a_code_with_a_cap_of_5_make_5_referrals():
    settings = settings_on(referral_monthly_cap=5)
    ann, *friends = _customers("ann", *[f"f{i}" for i in range(16)])
    code = referrals.referral_code_for(ann)

    outcomes = race(
        16,
        lambda i: referrals.claim(
            referee_customer_id=friends[i], code=code, settings=settings
        ).status,
    )

    assert outcomes.count("pending") == 5
    assert outcomes.count("cap_reached") == 11
    assert Referral.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_16_first_reads_of_a_code_at_once_make_one_code():
    (ann,) = _customers("ann")

    outcomes = race(16, lambda i: referrals.referral_code_for(ann))

    assert len(set(outcomes)) == 1
    assert ReferralCode.objects.get().code == outcomes[0]
