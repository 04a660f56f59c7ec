"""loyaltyCardProgramReport: issued, redeemed, revenue, and reorders of card vs control customers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_retention.cards.models import LoyaltyCard
from saleor_retention.cards.report import GroupResult, _difference
from tests.test_cards import UPDATE, create_program, register, ship

REPORT = """query($id: ID!, $since: DateTime!, $until: DateTime!) {
  loyaltyCardProgramReport(programId: $id, since: $since, until: $until, reorderDays: 30) {
    cardsIssued cardsRedeemed redemptionRate redeemingRevenue { amount currency }
    treatment { customers reordered share } control { customers reordered share }
    difference differenceCiLow differenceCiHigh
  }
}"""


def test_difference_and_its_95_percent_interval():
    diff, low, high = _difference(GroupResult(100, 30), GroupResult(100, 20))
    assert diff == pytest.approx(0.10)
    assert (low, high) == (pytest.approx(-0.01922, abs=1e-4), pytest.approx(0.21922, abs=1e-4))
    assert _difference(GroupResult(0, 0), GroupResult(10, 1)) == (None, None, None)


def test_report_through_real_flows(retention_on):
    driver = retention_on
    program = create_program(driver)["program"]  # 10.00 off 50.00, every first parcel

    # given Ann gets a card and comes back with it
    _, ann = register(driver, "ann@example.com")
    first = driver.buy(email="ann@example.com", quantity=2, token=ann)
    ship(driver, first["id"])
    code = LoyaltyCard.objects.get().code
    checkout = driver.checkout_create(email="ann@example.com", quantity=2, token=ann)
    driver.checkout_shipping_method_update(checkout["id"], token=ann)
    driver.checkout_add_promo_code(checkout["id"], code, token=ann)
    driver.checkout_payment_create(checkout["id"], "45.00", token=ann)
    driver.checkout_complete(checkout["id"], token=ann)

    # and Bo is drawn into the control group (sample rate 0 now) and does not come back
    driver.mutate(
        "loyaltyCardProgramUpdate",
        UPDATE,
        {"id": program["id"], "input": {"sampleRate": "0"}},
        token=driver.staff_token(),
    )
    _, bo = register(driver, "bo@example.com")
    second = driver.buy(email="bo@example.com", quantity=2, token=bo)
    ship(driver, second["id"])

    # when staff ask for the report
    now = timezone.now()
    report = driver.query(
        REPORT,
        {
            "id": program["id"],
            "since": (now - timedelta(days=1)).isoformat(),
            "until": (now + timedelta(days=1)).isoformat(),
        },
        token=driver.staff_token(),
    )["loyaltyCardProgramReport"]

    # then
    assert (report["cardsIssued"], report["cardsRedeemed"], report["redemptionRate"]) == (1, 1, 1.0)
    assert report["redeemingRevenue"] == {"amount": 45.0, "currency": "USD"}
    assert report["treatment"] == {"customers": 1, "reordered": 1, "share": 1.0}
    assert report["control"] == {"customers": 1, "reordered": 0, "share": 0.0}
    assert report["difference"] == 1.0
    assert report["differenceCiLow"] == pytest.approx(1.0) and report[
        "differenceCiHigh"
    ] == pytest.approx(1.0)


def test_report_is_staff_only(retention_on):
    program = create_program(retention_on)["program"]
    _, shopper = register(retention_on, "cy@example.com")
    body = retention_on.execute(
        REPORT,
        {
            "id": program["id"],
            "since": "2026-01-01T00:00:00+00:00",
            "until": "2027-01-01T00:00:00+00:00",
        },
        token=shopper,
    )
    assert body["data"]["loyaltyCardProgramReport"] is None
    assert "permission" in body["errors"][0]["message"]
