"""Issue 9, item 7: inputs that gave untyped top-level errors or were stored as given."""

import base64
import json
from datetime import timedelta

from django.utils import timezone

from saleor_retention.cards.models import CardProgram
from saleor_retention_site.driver import gid
from tests.test_cards import create_program

REVIEWS_AFTER = """query($id: ID!, $after: String) {
  product(id: $id) { reviews(after: $after) { edges { cursor } totalCount } }
}"""
REPORT = """query($id: ID!, $since: DateTime!, $until: DateTime!, $days: Int) {
  loyaltyCardProgramReport(programId: $id, since: $since, until: $until, reorderDays: $days) {
    cardsIssued
  }
}"""


def test_a_review_cursor_of_a_huge_offset_or_tampered_values_is_a_typed_refusal(driver):
    # given made-up cursors: an old offset past bigint, a keyset cursor with an overflowing pk,
    # one with a date that is no date, and plain garbage
    product = gid("Product", driver.store.product_id)
    page = driver.execute(REVIEWS_AFTER, {"id": product, "after": None})["data"]
    assert page["product"]["reviews"]["edges"] == []
    forged = [
        base64.urlsafe_b64encode(b"review:99999999999999999999999").decode(),
        base64.urlsafe_b64encode(json.dumps([0, "2026-01-01", 10**30]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([0, "not a date", 1]).encode()).decode(),
        "%%%not-base64",
    ]
    for cursor in forged:
        # when a storefront pages with it
        body = driver.execute(REVIEWS_AFTER, {"id": product, "after": cursor})

        # then a typed refusal of the cursor, not a crash or a silent empty page
        assert body["data"]["product"]["reviews"] is None, cursor
        assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [
            ("INVALID", "after")
        ], cursor


def test_a_loyalty_history_cursor_of_odd_digits_is_a_typed_refusal(retention_on):
    driver = retention_on
    driver.account_register("digits@example.com")
    token = driver.token_create("digits@example.com", "customer-password")
    query = "query($after: String) { me { loyalty { entries(after: $after) { edges { node { id } } } } } }"
    for after in ("²", "99999999999999999999999999", "W1sxXV0=", ""):
        body = driver.execute(query, {"after": after}, token=token)
        if after == "":
            assert "errors" not in body, body["errors"]  # an empty cursor is no cursor
            continue
        assert body["data"]["me"]["loyalty"]["entries"] is None, after
        assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [
            ("INVALID", "after")
        ], after


def test_a_card_value_of_1e30_is_a_typed_refusal(driver):
    # when staff create a program worth 1e30
    payload = create_program(driver, kind="PERCENTAGE", value="1e30")

    # then a typed error on value, and no program
    assert payload["program"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("value", "INVALID")]
    assert not CardProgram.objects.exists()


def test_required_program_fields_are_named_as_in_graphql(driver):
    for input_name in ("sampleRate", "validityDays"):
        payload = create_program(driver, **{input_name: None})
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(input_name, "REQUIRED")]
    assert not CardProgram.objects.exists()


def test_card_program_names_lose_markup_bidi_and_control_characters(driver):
    # when staff name a program with markup, a right-to-left override and a NUL
    payload = create_program(driver, name="<b>Gold</b> \u202ecard\x00<script>x()</script>")

    # then it is stored as plain text
    assert payload["errors"] == []
    assert payload["program"]["name"] == "Gold card"
    assert CardProgram.objects.get().name == "Gold card"

    # and a name that is only markup is refused
    payload = create_program(driver, name="<img src=x onerror=alert(1)>")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("name", "INVALID")]


def _report(driver, program_id, since, until, days=30):
    return driver.execute(
        REPORT,
        {"id": program_id, "since": since.isoformat(), "until": until.isoformat(), "days": days},
        token=driver.staff_token(),
    )


def test_the_program_report_refuses_an_end_before_its_start_and_odd_windows(driver):
    # given a program
    program_id = create_program(driver)["program"]["id"]
    now = timezone.now()

    # when the report is asked for a period ending before it starts, or odd reorder windows
    backwards = _report(driver, program_id, now, now - timedelta(days=1))
    negative = _report(driver, program_id, now - timedelta(days=1), now, days=-5)
    too_long = _report(driver, program_id, now - timedelta(days=1), now, days=100000)

    # then each is refused with a code and the argument's name
    for body, field in ((backwards, "until"), (negative, "reorderDays"), (too_long, "reorderDays")):
        assert body["data"]["loyaltyCardProgramReport"] is None
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID", field)

    # and a proper period still reports
    fine = _report(driver, program_id, now - timedelta(days=1), now)
    assert fine["data"]["loyaltyCardProgramReport"] == {"cardsIssued": 0}


def test_odd_global_ids_are_typed_refusals(driver):
    # "²" passes str.isdigit but not int(); a 30-digit id overflows bigint
    for pk in ("²", "9" * 30):
        body = driver.execute(
            """mutation($id: ID!) { loyaltyCardProgramDeactivate(id: $id) {
                errors { field code } } }""",
            {"id": gid("LoyaltyCardProgram", pk)},
            token=driver.staff_token(),
        )
        assert "errors" not in body, body["errors"]
        assert body["data"]["loyaltyCardProgramDeactivate"]["errors"] == [
            {"field": "id", "code": "INVALID"}
        ]


def test_a_lone_surrogate_is_refused_before_anything_runs(driver):
    # JSON can spell "\ud800", which no database can store: it crashed forumBoardCreate
    from saleor_retention.forum.models import ForumBoard

    create = """mutation($input: ForumBoardInput!) {
        forumBoardCreate(input: $input) { errors { field code } } }"""
    for query, variables in (
        (create, {"input": {"name": "\ud800"}}),
        ('mutation { forumBoardCreate(input: {name: "\\uD800"}) { errors { code } } }', {}),
    ):
        body = json.dumps({"query": query, "variables": variables})
        response = driver.client.post(
            "/graphql/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"JWT {driver.staff_token()}",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_UNICODE"
    assert not ForumBoard.objects.exists()
