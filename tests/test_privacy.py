"""A customer's data across domains: ``User.retentionData`` exports it, and Saleor's own
``customerDelete`` erases it (anchors §3.11: export and erasure must agree; ledger amounts stay
for the books while the person goes)."""

from django.db import transaction
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

    # and staff who manage users read the same through Saleor's user query
    staff = driver.query(STAFF_DATA, {"id": customer_id}, token=driver.staff_token())["user"]
    assert json.loads(staff["retentionData"]) == data

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
    monkeypatch.setattr(privacy, "_ERASERS", [*privacy._ERASERS, erased.append])
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
