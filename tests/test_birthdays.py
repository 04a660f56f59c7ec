"""The birthday bonus: a shopper gives a birthday through GraphQL; the store credits points once a
year on that day in the store's time zone (anchors §3.10: Feb 29, time zones, no gaming by
setting "today")."""

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from saleor.account.models import User

from saleor_retention.bonuses import services as bonuses
from saleor_retention.bonuses.models import CustomerBirthday
from saleor_retention.bonuses.tasks import birthdays_task
from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.graphql.ledger.resolvers import resolve_user_loyalty_birthday
from saleor_retention.ledger import services
from saleor_retention.ledger.models import LedgerEntry
from saleor_retention_site.driver import pk_of
from saleor_retention_site.store import create_customer
from tests.connections import nodes
from tests.test_ledger_services import settings_with

SET = """mutation($birthday: Date!) {
  loyaltyBirthdaySet(birthday: $birthday) { birthday errors { field code message } }
}"""
ME = "{ me { loyaltyBirthday loyalty { points entries(first: 5) { edges { node { type points reason } } } } } }"


def set_birthday(driver, birthday, token=None):
    return driver.mutate(
        "loyaltyBirthdaySet",
        SET,
        {"birthday": birthday.isoformat() if isinstance(birthday, date) else birthday},
        token=token,
        expect_errors=True,
    )


def bonus_settings(**overrides):
    return settings_with(birthday_bonus=overrides.pop("birthday_bonus", 30), **overrides)


def birthday_entries(customer_id=None):
    entries = LedgerEntry.objects.filter(type="birthday_bonus")
    if customer_id is not None:
        entries = entries.filter(account__customer_id=customer_id)
    return list(entries.values_list("idempotency_key", "points"))


def customer_with_birthday(email, birthday, *, set_at):
    """A customer whose birthday was recorded at ``set_at`` (through the service, as the
    mutation does)."""
    customer_id = str(create_customer(email).pk)
    bonuses.birthday_set(customer_id=customer_id, birthday=birthday, now=set_at)
    return customer_id


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


# --- the shopper's birthday through GraphQL ---------------------------------------------------


def test_shopper_sets_and_reads_their_birthday(driver):
    # given a registered shopper
    user_id = driver.account_register("bea@example.com")
    token = driver.token_create("bea@example.com", "customer-password")
    assert driver.query(ME, token=token)["me"]["loyaltyBirthday"] is None

    # when she gives her birthday
    payload = set_birthday(driver, "1990-07-14", token=token)

    # then it is stored with the time it was set, and she reads it back on her user
    assert payload == {"birthday": "1990-07-14", "errors": []}
    row = CustomerBirthday.objects.get(customer_id=pk_of(user_id))
    assert row.birthday == date(1990, 7, 14)
    assert timezone.now() - row.changed_at < timedelta(minutes=1)
    assert driver.query(ME, token=token)["me"]["loyaltyBirthday"] == "1990-07-14"

    # when she saves the same date again, the 30-day wait does not restart
    CustomerBirthday.objects.filter(pk=row.pk).update(changed_at=LONG_AGO)
    assert set_birthday(driver, "1990-07-14", token=token)["errors"] == []
    assert CustomerBirthday.objects.get(pk=row.pk).changed_at == LONG_AGO

    # when she changes it, it does
    assert set_birthday(driver, "1990-07-15", token=token)["birthday"] == "1990-07-15"
    row.refresh_from_db()
    assert (row.birthday, row.changed_at > LONG_AGO) == (date(1990, 7, 15), True)
    assert CustomerBirthday.objects.count() == 1


def test_refused_birthdays_are_typed_and_change_nothing(driver):
    driver.account_register("cal@example.com")
    token = driver.token_create("cal@example.com", "customer-password")
    assert set_birthday(driver, "1985-03-02", token=token)["errors"] == []
    before = list(CustomerBirthday.objects.values_list("customer_id", "birthday", "changed_at"))
    in_two_days = (timezone.now() + timedelta(days=2)).date()

    future = set_birthday(driver, in_two_days, token=token)
    too_old = set_birthday(driver, "1899-12-31", token=token)
    anonymous = set_birthday(driver, "1985-03-02")

    assert future == {
        "birthday": None,
        "errors": [
            {
                "field": "birthday",
                "code": "INVALID",
                "message": "A birthday cannot be in the future.",
            }
        ],
    }
    assert too_old["errors"] == [
        {"field": "birthday", "code": "INVALID", "message": "Enter a birthday from 1900 onwards."}
    ]
    assert anonymous["errors"] == [
        {"field": None, "code": "PERMISSION_DENIED", "message": "Sign in to set your birthday."}
    ]
    after = list(CustomerBirthday.objects.values_list("customer_id", "birthday", "changed_at"))
    assert after == before


def test_a_birthday_that_is_today_somewhere_east_of_utc_is_not_in_the_future(db):
    # 31 December 10:30 UTC is already 1 January 00:30 in Kiritimati (UTC+14)
    customer_id = str(create_customer("kir@example.com").pk)
    now = datetime(2025, 12, 31, 10, 30, tzinfo=UTC)

    row = bonuses.birthday_set(customer_id=customer_id, birthday=date(2026, 1, 1), now=now)

    assert row.birthday == date(2026, 1, 1)
    with pytest.raises(RetentionError) as refused:
        bonuses.birthday_set(customer_id=customer_id, birthday=date(2026, 1, 2), now=now)
    assert (refused.value.code, refused.value.field) == (RetentionErrorCode.INVALID, "birthday")
    assert CustomerBirthday.objects.get(customer_id=customer_id).birthday == date(2026, 1, 1)


def test_staff_who_manage_users_read_a_customers_birthday_and_nobody_else(driver):
    user_id = driver.account_register("dan@example.com")
    token = driver.token_create("dan@example.com", "customer-password")
    set_birthday(driver, "1979-11-30", token=token)
    query = "query($id: ID!) { user(id: $id) { email loyaltyBirthday } }"

    as_staff = driver.query(query, {"id": user_id}, token=driver.staff_token())["user"]

    assert as_staff == {"email": "dan@example.com", "loyaltyBirthday": "1979-11-30"}
    # Saleor itself only lets a customer's owner or user managers reach a User; the field keeps
    # the same rule wherever a User object turns up.
    dan = User.objects.get(pk=pk_of(user_id))
    eve = create_customer("eve@example.com")
    orders_only = create_customer("clerk@example.com")
    orders_only.is_staff = True
    orders_only.save(update_fields=["is_staff"])
    orders_only.user_permissions.set(Permission.objects.filter(codename="manage_orders"))
    for viewer in (eve, orders_only, AnonymousUser()):
        info = SimpleNamespace(context=SimpleNamespace(user=viewer))
        assert resolve_user_loyalty_birthday(dan, info) is None
    # (and the owner does: the resolver hands back a batched load of her birthday)
    mine = resolve_user_loyalty_birthday(dan, SimpleNamespace(context=SimpleNamespace(user=dan)))
    assert mine is not None


# --- the yearly bonus -------------------------------------------------------------------------


def test_the_birthday_is_the_store_date_not_the_utc_date(db):
    # given 18:00 UTC on 9 March: already 10 March (02:00) in Shanghai
    now = datetime(2027, 3, 9, 18, 0, tzinfo=UTC)
    tenth = customer_with_birthday("tenth@example.com", date(1992, 3, 10), set_at=LONG_AGO)
    ninth = customer_with_birthday("ninth@example.com", date(1992, 3, 9), set_at=LONG_AGO)

    # when the store is in Shanghai
    run = bonuses.grant_birthday_bonuses(
        settings=bonus_settings(store_timezone="Asia/Shanghai"), now=now
    )

    # then the 10 March birthday is celebrated, keyed by the Shanghai year
    assert (run.date, run.credited) == (date(2027, 3, 10), 1)
    assert birthday_entries(tenth) == [(f"birthday:customer:{tenth}:2027", 30)]
    assert birthday_entries(ninth) == []

    # when the same instant is judged by a store on UTC, it is the 9th
    run = bonuses.grant_birthday_bonuses(settings=bonus_settings(store_timezone="UTC"), now=now)
    assert (run.date, run.credited) == (date(2027, 3, 9), 1)
    assert birthday_entries(ninth) == [(f"birthday:customer:{ninth}:2027", 30)]
    assert services.verify_accounts() == []


def test_the_new_year_is_the_store_year(db):
    # 31 Dec 20:00 UTC is 1 Jan 2028 in Shanghai: the bonus belongs to 2028
    now = datetime(2027, 12, 31, 20, 0, tzinfo=UTC)
    customer = customer_with_birthday("ny@example.com", date(2000, 1, 1), set_at=LONG_AGO)

    bonuses.grant_birthday_bonuses(settings=bonus_settings(store_timezone="Asia/Shanghai"), now=now)

    assert birthday_entries(customer) == [(f"birthday:customer:{customer}:2028", 30)]


@pytest.mark.parametrize(
    ("now", "celebrated"),
    [
        (datetime(2027, 2, 28, 12, tzinfo=UTC), True),  # no Feb 29 in 2027: celebrated on the 28th
        (datetime(2027, 3, 1, 12, tzinfo=UTC), False),  # ...not on 1 March as well
        (datetime(2028, 2, 28, 12, tzinfo=UTC), False),  # 2028 has a Feb 29
        (datetime(2028, 2, 29, 12, tzinfo=UTC), True),
        (datetime(2100, 2, 28, 12, tzinfo=UTC), True),  # 2100 is not a leap year
    ],
)
def test_a_leap_day_birthday(db, now, celebrated):
    leapling = customer_with_birthday("leap@example.com", date(1996, 2, 29), set_at=LONG_AGO)
    feb_28 = customer_with_birthday("feb28@example.com", date(1996, 2, 28), set_at=LONG_AGO)

    bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=now)

    expected = [(f"birthday:customer:{leapling}:{now.year}", 30)] if celebrated else []
    assert birthday_entries(leapling) == expected
    assert len(birthday_entries(feb_28)) == (1 if (now.month, now.day) == (2, 28) else 0)


def test_a_birthday_set_within_30_days_pays_from_the_next_year(db):
    birthday_2027 = datetime(2027, 6, 1, 9, tzinfo=UTC)
    # given one birthday set 10 days before the day and one set 31 days before
    late = customer_with_birthday(
        "late@example.com", date(1988, 6, 1), set_at=birthday_2027 - timedelta(days=10)
    )
    early = customer_with_birthday(
        "early@example.com", date(1988, 6, 1), set_at=birthday_2027 - timedelta(days=31)
    )

    # when the day comes
    run = bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=birthday_2027)

    # then only the one set in time is celebrated this year
    assert (run.credited, run.changed_recently) == (1, 1)
    assert birthday_entries(late) == []
    assert birthday_entries(early) == [(f"birthday:customer:{early}:2027", 30)]

    # and the late one is celebrated next year
    bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=datetime(2028, 6, 1, tzinfo=UTC))
    assert birthday_entries(late) == [(f"birthday:customer:{late}:2028", 30)]


def test_moving_a_birthday_to_today_collects_nothing_this_year(db):
    # given a customer paid on 1 June, who then moves her birthday to 20 June
    customer = customer_with_birthday("move@example.com", date(1970, 6, 1), set_at=LONG_AGO)
    bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=datetime(2027, 6, 1, tzinfo=UTC))
    bonuses.birthday_set(
        customer_id=customer, birthday=date(1970, 6, 20), now=datetime(2027, 6, 2, tzinfo=UTC)
    )

    # when 20 June comes, and even once the 30 days have passed (a later date that year)
    bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=datetime(2027, 6, 20, tzinfo=UTC))

    # then the year's one bonus was the first
    assert birthday_entries(customer) == [(f"birthday:customer:{customer}:2027", 30)]


def test_running_twice_a_day_credits_once_per_year(db):
    customer = customer_with_birthday("twice@example.com", date(1999, 9, 9), set_at=LONG_AGO)
    day = datetime(2027, 9, 9, 1, tzinfo=UTC)

    first = bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=day)
    second = bonuses.grant_birthday_bonuses(
        settings=bonus_settings(), now=day + timedelta(hours=20)
    )

    assert (first.credited, second.credited, second.already_credited) == (1, 0, 1)
    assert birthday_entries(customer) == [(f"birthday:customer:{customer}:2027", 30)]
    next_year = bonuses.grant_birthday_bonuses(
        settings=bonus_settings(birthday_bonus=40), now=day.replace(year=2028)
    )
    assert next_year.credited == 1
    assert sorted(birthday_entries(customer)) == [
        (f"birthday:customer:{customer}:2027", 30),
        (f"birthday:customer:{customer}:2028", 40),
    ]
    assert services.verify_accounts() == []


def test_no_bonus_when_it_is_off_or_the_account_is_deactivated(db):
    day = datetime(2027, 4, 4, tzinfo=UTC)
    customer = customer_with_birthday("off@example.com", date(1980, 4, 4), set_at=LONG_AGO)

    off = bonuses.grant_birthday_bonuses(settings=bonus_settings(birthday_bonus=0), now=day)
    assert (off.credited, birthday_entries()) == (0, [])

    User.objects.filter(pk=customer).update(is_active=False)
    run = bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=day)
    assert (run.credited, run.inactive, birthday_entries()) == (0, 1, [])


def test_birthdays_are_found_by_the_database_not_by_a_loop_over_customers(db):
    def queries_for_one_birthday_among(others, *, day):
        for i in range(others):
            customer_with_birthday(
                f"other{day}-{i}@example.com", date(1990, 1 + i % 7, 1 + i % 27), set_at=LONG_AGO
            )
        party = customer_with_birthday(
            f"party{day}@example.com", date(1990, 8, day), set_at=LONG_AGO
        )
        with CaptureQueriesContext(connection) as captured:
            run = bonuses.grant_birthday_bonuses(
                settings=bonus_settings(), now=datetime(2027, 8, day, 12, tzinfo=UTC)
            )
        assert (run.credited, len(birthday_entries(party))) == (1, 1)
        return captured.captured_queries

    few = queries_for_one_birthday_among(3, day=8)
    many = queries_for_one_birthday_among(60, day=9)

    assert len(many) == len(few)
    assert any("EXTRACT" in query["sql"].upper() for query in few)


# --- through the plugin's settings: the command and the Celery task ----------------------------


def test_the_command_and_the_task_use_the_plugin_settings(retention_on):
    # given the plugin on with a 25-point birthday bonus in Shanghai, and a shopper whose
    # birthday is today in Shanghai (given more than 30 days ago)
    retention_on.plugin_update(birthday_bonus="25", store_timezone="Asia/Shanghai")
    today_in_shanghai = bonuses.store_today(bonus_settings(store_timezone="Asia/Shanghai"))
    user_id = retention_on.account_register("gus@example.com")
    token = retention_on.token_create("gus@example.com", "customer-password")
    bonuses.birthday_set(
        customer_id=pk_of(user_id),
        birthday=today_in_shanghai.replace(year=1984),  # a leap year: Feb 29 is fine too
        now=timezone.now() - timedelta(days=40),
    )

    # when cron runs the command, and Celery beat the task, on the same day
    out = StringIO()
    call_command("retention_birthdays", stdout=out)
    result = birthdays_task.delay().get()

    # then the shopper sees one birthday bonus
    assert out.getvalue().startswith(f"{today_in_shanghai.isoformat()} (Asia/Shanghai): 1 credited")
    assert (result["credited"], result["already_credited"]) == (0, 1)
    me = retention_on.query(ME, token=token)["me"]
    assert me["loyalty"]["points"] == 25
    assert nodes(me["loyalty"]["entries"]) == [
        {"type": "BIRTHDAY_BONUS", "points": 25, "reason": "Happy birthday!"}
    ]
    assert services.verify_accounts() == []


def test_nothing_is_credited_while_the_plugin_is_off(driver):
    customer_with_birthday(
        "zed@example.com", timezone.now().date().replace(year=1984), set_at=LONG_AGO
    )
    driver.plugin_update(active=False, birthday_bonus="25")

    out = StringIO()
    call_command("retention_birthdays", stdout=out)

    assert birthdays_task.delay().get() == {"skipped": "plugin inactive"}
    assert "not active" in out.getvalue()
    assert birthday_entries() == []


def test_a_bad_time_zone_is_refused_with_a_clear_error(driver):
    payload = driver.plugin_update(expect_errors=True, store_timezone="Mars/Olympus_Mons")

    assert payload["plugin"] is None
    assert payload["pluginsErrors"] == [
        {
            "field": "storeTimezone",
            "code": "INVALID",
            "message": '"Mars/Olympus_Mons" is not a known time zone; use an IANA name such as '
            '"Asia/Shanghai".',
        }
    ]


def test_the_birthday_reason_reads_in_the_shoppers_language(retention_on):
    customer_with_birthday("hua@example.com", date(1991, 5, 5), set_at=LONG_AGO)
    bonuses.grant_birthday_bonuses(settings=bonus_settings(), now=datetime(2027, 5, 5, tzinfo=UTC))
    token = retention_on.token_create("hua@example.com", "customer-password")

    with translation.override(translation.get_language()):  # the middleware leaves it active
        response = retention_on.client.post(
            "/graphql/",
            json.dumps({"query": ME}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"JWT {token}",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    entries = nodes(response.json()["data"]["me"]["loyalty"]["entries"])
    assert entries == [{"type": "BIRTHDAY_BONUS", "points": 30, "reason": "生日快乐！"}]


def test_a_list_of_customers_reads_every_birthday_in_one_query(driver):
    query = "{ customers(first: 50) { edges { node { email loyaltyBirthday } } } }"
    staff = driver.staff_token()

    def queries_for(count, offset):
        for i in range(offset, offset + count):
            customer_with_birthday(f"list{i}@example.com", date(1990, 1, 1 + i), set_at=LONG_AGO)
        with CaptureQueriesContext(connection) as captured:
            edges = driver.query(query, token=staff)["customers"]["edges"]
        assert sorted(e["node"]["loyaltyBirthday"] for e in edges) == [
            date(1990, 1, 1 + i).isoformat() for i in range(offset + count)
        ]
        return len(captured.captured_queries)

    assert queries_for(2, 0) == queries_for(6, 2)
