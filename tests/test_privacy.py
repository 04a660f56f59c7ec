"""A customer's data across domains: ``User.retentionData`` exports it, and Saleor's own
``customerDelete`` erases it (anchors §3.11: export and erasure must agree; ledger amounts stay
for the books while the person goes)."""

import contextlib

from django.db import transaction
from django.test import TestCase
from saleor.account.models import User

from saleor_retention import privacy
from saleor_retention.ledger.models import LedgerEntry, LoyaltyAccount
from saleor_retention_site.driver import pk_of

DATA = "{ me { retentionData } }"
STAFF_DATA = "query($id: ID!) { user(id: $id) { email retentionData } }"
CUSTOMER_DELETE = """mutation($id: ID!) {
  customerDelete(id: $id) { user { id } accountErrors { field code message } }
}"""


def shopper_with_points(driver, email):
    driver.plugin_update(signup_bonus="50")
    customer_id = driver.account_register(email)
    token = driver.token_create(email, "customer-password")
    driver.buy(email=email, quantity=2, token=token)
    return customer_id, token


def test_the_shopper_and_staff_read_the_same_export_and_others_read_nothing(retention_on):
    driver = retention_on
    customer_id, token = shopper_with_points(driver, "ivy@example.com")
    driver.account_register("max@example.com")
    other_token = driver.token_create("max@example.com", "customer-password")

    # when Ivy asks for her data
    mine = driver.query(DATA, token=token)["me"]["retentionData"]

    # then the loyalty section holds her whole history
    import json

    data = json.loads(mine)
    assert {"loyalty", "forum"} <= set(data)
    loyalty = data["loyalty"]
    assert sorted((e["type"], e["points"]) for e in loyalty["entries"]) == [
        ("earn", 50),
        ("signup_bonus", 50),
    ]
    assert loyalty["lifetime_points"] == 100

    # and staff who manage users read the same through Saleor's user query, plus the insight
    # section (staff's file and notes about her, which her own export leaves out)
    staff = driver.query(STAFF_DATA, {"id": customer_id}, token=driver.staff_token())["user"]
    for_staff = json.loads(staff["retentionData"])
    assert set(for_staff) - set(data) == {"insight"}
    assert {key: value for key, value in for_staff.items() if key != "insight"} == data

    # and another shopper, or an anonymous caller, reads nothing of hers
    assert (
        json.loads(driver.query(DATA, token=other_token)["me"]["retentionData"])["loyalty"][
            "lifetime_points"
        ]
        == 50
    )
    assert driver.execute(DATA)["data"]["me"] is None


def test_customer_delete_keeps_the_ledger_amounts_but_not_the_person(retention_on):
    driver = retention_on
    customer_id, _token = shopper_with_points(driver, "jo@example.com")
    account = LoyaltyAccount.objects.get(customer_id=pk_of(customer_id))
    entries = list(LedgerEntry.objects.filter(account=account).values_list("type", "points"))

    # when staff delete her through Saleor's own customerDelete
    deleted = driver.mutate(
        "customerDelete", CUSTOMER_DELETE, {"id": customer_id}, token=driver.staff_token()
    )

    # then she is gone, her account keeps its amounts for the books, linked to nobody
    assert deleted["accountErrors"] == []
    assert not User.objects.filter(pk=pk_of(customer_id)).exists()
    account.refresh_from_db()
    assert account.customer_id is None
    assert account.lifetime_points == 100
    assert list(LedgerEntry.objects.filter(account=account).values_list("type", "points")) == (
        entries
    )
    assert privacy.export_customer(pk_of(customer_id))["loyalty"] == {}


def test_a_failing_eraser_stops_the_deletion_so_nobody_is_half_forgotten(retention_on, monkeypatch):
    driver = retention_on
    customer_id, _token = shopper_with_points(driver, "kim@example.com")

    def broken(customer_id):
        raise RuntimeError("storage unreachable")

    monkeypatch.setattr(privacy, "_ERASERS", [*privacy._ERASERS, broken])

    # when staff try to delete her (in a savepoint: in production Django's delete is the
    # outermost transaction and rolls back whole; inside the test's transaction it cannot)
    staff = driver.staff_token()
    with transaction.atomic():
        body = driver.execute(CUSTOMER_DELETE, {"id": customer_id}, token=staff)

    # then Saleor reports the error and the customer and her data are all still there
    assert body.get("errors")
    assert User.objects.filter(pk=pk_of(customer_id)).exists()
    assert LoyaltyAccount.objects.get(customer_id=pk_of(customer_id)).lifetime_points == 100


def test_erasure_runs_whether_or_not_the_plugin_is_active(retention_on, monkeypatch):
    driver = retention_on
    customer_id, _token = shopper_with_points(driver, "lu@example.com")
    erased = []
    privacy._load()
    ledger_eraser = privacy._ERASERS["ledger"]

    def spy(customer_id):
        erased.append(customer_id)
        return ledger_eraser(customer_id)

    monkeypatch.setitem(privacy._ERASERS, "ledger", spy)
    driver.plugin_update(active=False)

    # when staff delete her while the plugin is switched off
    driver.mutate(
        "customerDelete", CUSTOMER_DELETE, {"id": customer_id}, token=driver.staff_token()
    )

    # then every domain's eraser still ran for her
    assert erased == [pk_of(customer_id)]
    assert LoyaltyAccount.objects.filter(customer__isnull=True).count() == 1


def test_a_shopper_deleting_her_own_account_is_erased_everywhere(retention_on):
    """Saleor's accountDelete (the shopper's own, with the e-mailed token) takes the same path."""
    from django.contrib.auth.tokens import default_token_generator

    from saleor_retention.forum.models import ForumPost
    from tests.test_forum import create_board, create_topic, set_name, topic_view

    driver = retention_on
    customer_id, token = shopper_with_points(driver, "nia@example.com")
    set_name(driver, token, first_name="Nia", last_name="Ode")
    board = create_board(driver, name="General", slug="general")
    topic = create_topic(driver, token, board["id"], title="Hi", body="Nia was here")
    from tests.test_birthdays import set_birthday

    assert set_birthday(driver, "1988-02-29", token=token)["errors"] == []
    user = User.objects.get(pk=pk_of(customer_id))

    # when she deletes her account with the token Saleor e-mails her
    deleted = driver.mutate(
        "accountDelete",
        """mutation($token: String!) { accountDelete(token: $token) {
            accountErrors { field code message } } }""",
        {"token": default_token_generator.make_token(user)},
        token=token,
    )

    # then she is gone; her post stays as a former customer's and her points stay unlinked
    assert deleted["accountErrors"] == []
    assert not User.objects.filter(pk=user.pk).exists()
    view = topic_view(driver, topic["id"], token=driver.staff_token())["topic"]
    assert view["authorName"] == "Former customer"
    assert list(ForumPost.objects.values_list("author_id", "author_name", "body")) == [
        (None, "", "Nia was here")
    ]
    assert LoyaltyAccount.objects.get(lifetime_points=100).customer_id is None
    # and her birthday is gone with her
    exported = privacy.export_customer(pk_of(customer_id))
    assert (exported["birthday"], exported["loyalty"], exported["events"]) == ({}, {}, [])


# --- cards, birthdays, referrals (issue 9, item 8) ---------------------------------------------


def card_holder(driver, email="lena@example.com"):
    """A shopper named Lena Park whose first parcel brought a 10.00-off card with its PDF."""
    from django.core.files.storage import default_storage

    from saleor_retention.cards.models import LoyaltyCard
    from tests.test_cards import create_program, ship
    from tests.test_forum import set_name

    assert create_program(driver)["errors"] == []
    customer_id = driver.account_register(email)
    token = driver.token_create(email, "customer-password")
    set_name(driver, token, first_name="Lena", last_name="Park")
    order = driver.buy(email=email, quantity=2, token=token)
    ship(driver, order["id"])
    card = LoyaltyCard.objects.get(customer_id=pk_of(customer_id))
    assert card.status == "issued" and default_storage.exists(card.pdf_path)
    return customer_id, token, card


def test_customer_delete_voids_her_card_ends_its_voucher_and_deletes_its_pdf(retention_on):
    import io
    import json

    from django.core.files.storage import default_storage
    from django.utils import timezone
    from pypdf import PdfReader
    from saleor.discount.models import Voucher

    from saleor_retention import conf
    from saleor_retention.cards import printing
    from saleor_retention.cards.models import CardDecision, LoyaltyCard

    driver = retention_on
    customer_id, token, card = card_holder(driver)
    pdf = card.pdf_path
    assert "Lena Park" in PdfReader(default_storage.open(pdf)).pages[0].extract_text()

    # given her export lists the card and the draw that gave it
    exported = json.loads(driver.query(DATA, token=token)["me"]["retentionData"])["cards"]
    assert [(c["code"], c["status"], c["has_pdf"]) for c in exported["cards"]] == [
        (card.code, "issued", True)
    ]
    assert [d["outcome"] for d in exported["draws"]] == ["issued"]

    # when staff delete her through Saleor's customerDelete
    deleted = driver.mutate(
        "customerDelete", CUSTOMER_DELETE, {"id": customer_id}, token=driver.staff_token()
    )
    assert deleted["accountErrors"] == []

    # then the card is void, linked to nobody, and its Saleor voucher has ended
    card.refresh_from_db()
    assert (card.status, card.void_reason, card.customer_id, card.pdf_path) == (
        "void",
        "customer erased",
        None,
        "",
    )
    assert Voucher.objects.get(code=card.code).end_date <= timezone.now()
    assert list(CardDecision.objects.values_list("customer_id", flat=True)) == [None]
    # and the PDF with her name is gone from disk
    assert not default_storage.exists(pdf)
    # and a print run rendered from the rows now prints no name
    text = PdfReader(io.BytesIO(printing.render_cards([card], conf.load_settings())))
    assert "Lena" not in text.pages[0].extract_text()
    assert printing.render_card(card.pk, conf.load_settings()) is None  # void: never re-rendered
    # and Saleor refuses the code at a checkout
    checkout = driver.checkout_create(email="guest@example.com", quantity=2)
    driver.checkout_shipping_method_update(checkout["id"])
    assert driver.checkout_add_promo_code(checkout["id"], card.code, expect_errors=True)["errors"]
    assert privacy.export_customer(pk_of(customer_id))["cards"] == {"cards": [], "draws": []}
    assert LoyaltyCard.objects.count() == 1  # the card stays counted in the program's report


def test_a_failing_eraser_keeps_her_card_voucher_and_pdf(retention_on, monkeypatch):
    from django.core.files.storage import default_storage
    from saleor.discount.models import Voucher

    from saleor_retention.cards.models import LoyaltyCard

    driver = retention_on
    customer_id, _token, card = card_holder(driver)
    voucher_end = Voucher.objects.get(code=card.code).end_date

    def broken(customer_id):
        raise RuntimeError("storage unreachable")

    # given an eraser that fails after the cards' eraser has done its part
    monkeypatch.setattr(privacy, "_ERASERS", [*privacy._ERASERS, broken])

    # when staff try to delete her, the request in a transaction of its own as in production
    # (a savepoint standing in for it), whose commit callbacks run only if it is not rolled back
    @contextlib.contextmanager
    def request_transaction():
        with TestCase.captureOnCommitCallbacks(execute=True):
            with transaction.atomic():
                yield

    staff = driver.staff_token()
    driver.commit_scope = request_transaction
    body = driver.execute(CUSTOMER_DELETE, {"id": customer_id}, token=staff)

    # then she, her open card, its voucher and its PDF are all still there
    assert body.get("errors")
    assert User.objects.filter(pk=pk_of(customer_id)).exists()
    assert list(LoyaltyCard.objects.values_list("status", "customer_id", "pdf_path")) == [
        ("issued", int(pk_of(customer_id)), card.pdf_path)
    ]
    assert Voucher.objects.get(code=card.code).end_date == voucher_end
    assert default_storage.exists(card.pdf_path)


def referral_shop(driver, cap):
    driver.plugin_update(
        signup_bonus="50",
        points_per_currency_unit="USD:1",
        referral_bonus_referrer="300",
        referral_bonus_referee="200",
        referral_monthly_cap=str(cap),
    )


def test_birthday_and_referrals_are_exported_then_erased_keeping_amounts_and_the_cap(
    retention_on,
):
    import json

    from saleor_retention.bonuses.models import CustomerBirthday
    from saleor_retention.ledger.models import LedgerEntry
    from saleor_retention.referrals.models import Referral, ReferralCode
    from tests.test_birthdays import set_birthday
    from tests.test_referrals import apply, code_of

    driver = retention_on
    referral_shop(driver, cap=1)
    ann_id = driver.account_register("ann@example.com")
    ann = driver.token_create("ann@example.com", "customer-password")
    code = code_of(driver, ann)
    bob_id = driver.account_register("bob@example.com")
    bob = driver.token_create("bob@example.com", "customer-password")

    # given Bob, who gave his birthday and Ann's code, then paid for his first order
    assert set_birthday(driver, "1990-05-17", token=bob)["errors"] == []
    assert apply(driver, code, bob)["errors"] == []
    driver.buy(email="bob@example.com", token=bob)
    assert Referral.objects.get().status == "rewarded"

    # then his export has a birthday and a referrals section, and Ann's names her friend's
    # referral without naming Bob
    bob_data = json.loads(driver.query(DATA, token=bob)["me"]["retentionData"])
    assert bob_data["birthday"]["birthday"] == "1990-05-17"
    assert bob_data["referrals"]["referred_by"]["code"] == code
    assert bob_data["referrals"]["referred_by"]["status"] == "rewarded"
    assert bob_data["referrals"]["referred_by"]["points"] == 200
    ann_data = json.loads(driver.query(DATA, token=ann)["me"]["retentionData"])
    assert ann_data["referrals"]["code"] == code
    assert ann_data["referrals"]["friends_referred"] == [
        {
            "code": code,
            "status": "rewarded",
            "points": 300,
            "created_at": Referral.objects.get().created_at.isoformat(),
        }
    ]
    driver.account_register("cyd@example.com")
    cyd = driver.token_create("cyd@example.com", "customer-password")
    amounts = sorted(LedgerEntry.objects.values_list("account_id", "type", "points"))

    # when staff delete Bob
    staff = driver.staff_token()
    driver.mutate("customerDelete", CUSTOMER_DELETE, {"id": bob_id}, token=staff)

    # then his birthday is gone, his keys name no customer, and every amount stays
    assert not CustomerBirthday.objects.exists()
    assert not LedgerEntry.objects.filter(
        idempotency_key__regex=rf"customer:{pk_of(bob_id)}(:|$)"
    ).exists()
    assert sorted(LedgerEntry.objects.values_list("account_id", "type", "points")) == amounts
    assert privacy.export_customer(pk_of(bob_id))["birthday"] == {}
    assert privacy.export_customer(pk_of(bob_id))["referrals"] == {}
    # and the referral he was brought by still counts against Ann's monthly cap of one
    refused = apply(driver, code, cyd)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("code", "CAP_REACHED")]

    # when staff delete Ann, her code is gone and nobody can give it any more
    driver.mutate("customerDelete", CUSTOMER_DELETE, {"id": ann_id}, token=staff)
    assert not ReferralCode.objects.exists()
    assert Referral.objects.get().status == "rewarded"  # the books still explain the rewards
    assert sorted(LedgerEntry.objects.values_list("account_id", "type", "points")) == amounts
    driver.plugin_update(referral_monthly_cap="10")
    assert [e["code"] for e in apply(driver, code, cyd)["errors"]] == ["NOT_FOUND"]
    assert (
        not LedgerEntry.objects.filter(idempotency_key__contains="customer:")
        .exclude(account__customer__isnull=False)
        .exists()
    )


def test_the_export_holds_every_section_the_plugin_keeps(retention_on):
    import json

    driver = retention_on
    _customer_id, token = shopper_with_points(driver, "pat@example.com")

    # when Pat asks for her data
    data = json.loads(driver.query(DATA, token=token)["me"]["retentionData"])

    # then every domain answers but insight (staff's file and scores about her are not shown
    # to her), and the loyalty section has her tier and holds too
    # (audit: the staff actions an account is on record for, empty for a shopper)
    mine = {"audit", "birthday", "cards", "events", "forum", "loyalty", "referrals", "reviews"}
    assert set(data) == mine
    assert data["audit"] == []
    assert {"tier", "tier_history", "holds", "campaigns_listed_in"} <= set(data["loyalty"])
    assert [event["kind"] for event in data["events"]] == ["customer_created"]

    # and staff who manage users, answering her data request, get the insight section too
    staff = driver.query(
        "query($id: ID!) { user(id: $id) { retentionData } }",
        {"id": _customer_id},
        token=driver.staff_token(),
    )
    assert set(json.loads(staff["user"]["retentionData"])) == mine | {"insight"}


def test_a_campaign_forgets_her_id_and_a_resent_campaign_is_still_the_same(retention_on):
    import json

    from saleor_retention.bonuses.models import LoyaltyCampaign
    from saleor_retention.ledger.models import LedgerEntry
    from tests.test_campaigns import create

    driver = retention_on
    driver.plugin_update(signup_bonus="0")
    una_id = driver.account_register("una@example.com")
    una = driver.token_create("una@example.com", "customer-password")
    vic_id = driver.account_register("vic@example.com")
    ids = [pk_of(una_id), pk_of(vic_id)]

    # given a campaign staff sent to Una and Vic by id
    audience = {"customerIds": [una_id, vic_id]}
    assert create(driver, key="vip", audience=audience)["errors"] == []
    exported = json.loads(driver.query(DATA, token=una)["me"]["retentionData"])
    assert exported["loyalty"]["campaigns_listed_in"] == ["vip"]
    assert LedgerEntry.objects.filter(type="campaign_bonus").count() == 2

    # when staff delete Una
    driver.mutate("customerDelete", CUSTOMER_DELETE, {"id": una_id}, token=driver.staff_token())

    # then the campaign no longer names her, and its entries keep their points
    campaign = LoyaltyCampaign.objects.get()
    assert campaign.audience == {"customer_ids": [ids[1]]}
    assert sorted(LedgerEntry.objects.filter(type="campaign_bonus").values_list("points")) == [
        (100,),
        (100,),
    ]
    assert not LedgerEntry.objects.filter(idempotency_key=f"campaign:vip:customer:{ids[0]}")

    # and a resend naming her is refused (no such customer), one naming Vic is the same
    # campaign: nothing is credited again
    refused = create(driver, key="vip", audience=audience)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("customerIds", "NOT_FOUND")]
    again = create(driver, key="vip", audience={"customerIds": [vic_id]})
    assert (again["errors"], again["queued"]) == ([], 0)
    assert LedgerEntry.objects.filter(type="campaign_bonus").count() == 2


def test_a_card_rendered_while_she_is_erased_leaves_no_pdf_with_her_name(retention_on, monkeypatch):
    from django.core.files.storage import default_storage

    from saleor_retention import conf
    from saleor_retention.cards import printing

    driver = retention_on
    customer_id, _token, card = card_holder(driver)
    render = printing.render_cards

    def render_while_erased(cards, settings):
        data = render(cards, settings)  # her name is on the page already
        privacy.erase_customer(pk_of(customer_id))  # erasure commits meanwhile
        return data

    monkeypatch.setattr(printing, "render_cards", render_while_erased)

    # when the render task (re-run by the print queue, say) finishes after the erasure
    assert printing.render_card(card.pk, conf.load_settings()) is None

    # then the file it wrote is gone and the card names no file
    assert not default_storage.exists(printing.pdf_path(card))
    card.refresh_from_db()
    assert (card.customer_id, card.pdf_path, card.status) == (None, "", "void")
