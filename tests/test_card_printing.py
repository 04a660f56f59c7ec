"""Printed loyalty cards: rendered to PDF after the shipment commits, in the order's language,
with the code, value, expiry and name in the text and a QR code that decodes to the store URL."""

import io
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from django.core.files.storage import default_storage
from django.utils import translation
from pypdf import PdfReader
from saleor.order.models import Order

from saleor_retention import conf
from saleor_retention.cards import printing
from saleor_retention.cards.models import LoyaltyCard
from tests.connections import nodes
from tests.test_cards import create_program, register, ship


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_payloads(data: bytes) -> list[str]:
    """Rasterise the PDF with poppler and decode its QR codes with zbar, as a phone would."""
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "card.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", "200", "-png", str(pdf), str(Path(folder) / "page")], check=True
        )
        pages = sorted(str(p) for p in Path(folder).glob("page*.png"))
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", *pages], capture_output=True, text=True
        )
    return out.stdout.split()


def test_shipping_renders_the_card_pdf_with_code_expiry_and_a_working_qr(retention_on):
    # given a program giving every first parcel a 10.00-off card, and a store QR link
    retention_on.plugin_update(card_qr_url="https://shop.example.com/redeem?code={code}")
    assert create_program(retention_on)["errors"] == []
    customer, token = register(retention_on, "lena@example.com")
    from saleor.account.models import User

    User.objects.filter(pk=customer).update(first_name="Lena", last_name="Park")
    order = retention_on.buy(email="lena@example.com", quantity=2, token=token)

    # when the order ships (the render task runs after the shipment commits)
    ship(retention_on, order["id"])

    # then the PDF exists and says what the card is
    card = LoyaltyCard.objects.get()
    assert card.pdf_path == f"retention/cards/{card.code}.pdf"
    data = default_storage.open(card.pdf_path).read()
    text = pdf_text(data)
    assert card.code in text
    assert "Save 10.00 USD on your next order" in text
    expires_on = printing.printable(card, conf.load_settings(), "").expires_on
    assert f"{expires_on.day}, {expires_on.year}" in text  # "Valid until Dec. 23, 2026."
    assert "Lena Park" in text
    assert qr_payloads(data) == [f"https://shop.example.com/redeem?code={card.code}"]


def test_a_chinese_order_gets_a_chinese_card(retention_on):
    assert create_program(retention_on)["errors"] == []
    customer, token = register(retention_on, "wei@example.com")
    order = retention_on.buy(email="wei@example.com", quantity=2, token=token)
    Order.objects.filter(token__isnull=False).update(language_code="zh-hans")

    ship(retention_on, order["id"])

    card = LoyaltyCard.objects.get()
    text = pdf_text(default_storage.open(card.pdf_path).read())
    with translation.override("zh-hans"):
        expected = printing.headline(card)
    assert expected != "Save 10.00 USD on your next order"
    assert expected in text
    assert card.code in text


def test_voided_card_is_not_rendered(retention_on):
    assert create_program(retention_on)["errors"] == []
    _, token = register(retention_on, "ola@example.com")
    order = retention_on.buy(email="ola@example.com", quantity=2, token=token)
    ship(retention_on, order["id"])
    card = LoyaltyCard.objects.get()
    LoyaltyCard.objects.filter(pk=card.pk).update(status="void")

    assert printing.render_card(card.pk, conf.load_settings()) is None


def test_bad_qr_link_is_refused(driver):
    payload = driver.plugin_update(
        expect_errors=True, card_qr_url="https://shop.example.com/redeem"
    )
    assert payload["pluginsErrors"][0]["field"] == "cardQrUrl"


PRINT_QUEUE = """mutation($since: DateTime!) {
  loyaltyCardPrintQueue(since: $since) { url cards errors { field code message } }
}"""


def _issue_cards(driver, emails):
    assert create_program(driver)["errors"] == []
    for email in emails:
        _, token = register(driver, email)
        order = driver.buy(email=email, quantity=2, token=token)
        ship(driver, order["id"])
    return list(LoyaltyCard.objects.order_by("pk"))


def test_print_queue_gives_one_pdf_of_unprinted_cards_and_marks_them_printed(retention_on):
    # given three issued cards, one of them voided
    cards = _issue_cards(retention_on, ["a1@example.com", "a2@example.com", "a3@example.com"])
    LoyaltyCard.objects.filter(pk=cards[2].pk).update(status="void")
    since = (cards[0].issued_at - timedelta(minutes=1)).isoformat()

    # when the warehouse takes the day's print run
    payload = retention_on.mutate(
        "loyaltyCardPrintQueue", PRINT_QUEUE, {"since": since}, token=retention_on.staff_token()
    )

    # then the link gives one PDF with the two open cards, now marked printed
    assert payload["cards"] == 2 and payload["errors"] == []
    response = retention_on.client.get(urlparse(payload["url"]).path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(PdfReader(io.BytesIO(data)).pages) == 2
    text = pdf_text(data)
    assert cards[0].code in text and cards[1].code in text and cards[2].code not in text
    statuses = list(LoyaltyCard.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["printed", "printed", "void"]

    # and a second run has nothing left to print
    again = retention_on.mutate(
        "loyaltyCardPrintQueue", PRINT_QUEUE, {"since": since}, token=retention_on.staff_token()
    )
    assert again["cards"] == 0 and again["url"] is None and again["errors"] == []


def test_download_links_are_signed_and_staff_only(retention_on):
    [card] = _issue_cards(retention_on, ["b1@example.com"])
    query = "{ loyaltyCards { edges { node { code pdfUrl } } } }"
    [staff_view] = nodes(
        retention_on.query(query, token=retention_on.staff_token())["loyaltyCards"]
    )
    path = urlparse(staff_view["pdfUrl"]).path

    assert retention_on.client.get(path).status_code == 200
    forged = path.replace(path.rsplit(":", 1)[-1], "AAAAAAAAAAAAAAAAAAAAAAAAAAA.pdf")
    assert retention_on.client.get(forged).status_code == 403

    shopper = retention_on.token_create("b1@example.com", "customer-password")
    refused = retention_on.mutate(
        "loyaltyCardPrintQueue",
        PRINT_QUEUE,
        {"since": "2020-01-01T00:00:00+00:00"},
        token=shopper,
        expect_errors=True,
    )
    assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
    assert LoyaltyCard.objects.get().status == "issued"


def test_print_queue_rendering_reads_a_fixed_number_of_rows(retention_on):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cards = _issue_cards(retention_on, [f"q{i}@example.com" for i in range(5)])
    settings = conf.load_settings()

    def queries(subset):
        subset = list(
            LoyaltyCard.objects.select_related("program").filter(pk__in=[c.pk for c in subset])
        )
        with CaptureQueriesContext(connection) as captured:
            printing.render_cards(subset, settings)
        return len(captured.captured_queries)

    assert queries(cards[:1]) == queries(cards)


def test_each_kind_prints_in_its_own_design_even_in_one_print_run(retention_on):
    # given one order whose parcel carries a discount card and a bonus-points card
    retention_on.plugin_update(cards_per_parcel="2")
    for overrides in (
        {"name": "pct", "kind": "PERCENTAGE", "value": "15", "minSpend": None, "templateName": ""},
        {
            "name": "pts",
            "kind": "BONUS_POINTS",
            "value": "300",
            "minSpend": None,
            "templateName": "",
        },
    ):
        assert create_program(retention_on, **overrides)["errors"] == []
    _customer, token = register(retention_on, "ina@example.com")
    ship(retention_on, retention_on.buy(email="ina@example.com", token=token)["id"])
    cards = list(LoyaltyCard.objects.select_related("program").order_by("pk"))
    assert [card.kind for card in cards] == ["percentage", "bonus_points"]

    # when both are printed in one run
    pages = [
        page.extract_text().lower().replace(" ", "").replace("\n", "")  # letter spacing, wraps
        for page in PdfReader(io.BytesIO(printing.render_cards(cards, conf.load_settings()))).pages
    ]

    # then each page carries its own kind's design and terms
    assert len(pages) == 2
    discount = next(page for page in pages if cards[0].code.lower() in page)
    bonus = next(page for page in pages if cards[1].code.lower() in page)
    assert "discountcard" in discount and "15%offyournextorder" in discount
    assert "bonus-pointscard" in bonus and "300bonuspointsonyournextorder" in bonus
    assert printing.templates_for(cards[1])[0] == "saleor_retention/cards/bonus_points.html"
