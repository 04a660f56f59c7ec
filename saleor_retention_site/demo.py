"""``make demo``: a Saleor 2.10.1 store with the retention plugin, a short story, then GraphQL served.

Creates and migrates the demo database, seeds a small store (idempotently), plays a story through
Saleor's GraphQL API with Django's test client against the real database (real commits, so the
plugin's tasks run after commit exactly as in production; Celery is eager without a broker), prints
what the plugin did at each step, and serves http://127.0.0.1:8000/graphql/ until Ctrl-C
(``DEMO_NO_SERVE=1`` stops after the story).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_retention_site.settings")


def nodes(connection: dict[str, Any] | None) -> list[dict[str, Any]]:
    from .driver import nodes as connection_nodes

    return connection_nodes(connection)


def ensure_database() -> None:
    """CREATE DATABASE when the configured one does not exist yet."""
    import psycopg2
    from django.conf import settings
    from psycopg2 import sql

    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
    }
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"created database {db['NAME']}")
    conn.close()


def step(title: str, action: Callable[[], Any]) -> Any:
    """Run one step of the story and print the plugin events it caused."""
    from saleor_retention.inbox.models import PluginEvent

    last = PluginEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    print(f"\n== {title}")
    result = action()
    new = PluginEvent.objects.filter(pk__gt=last).order_by("pk")
    if not new:
        print("   plugin: (nothing to do)")
    for event in new:
        detail = f" -> {event.result}" if event.result else ""
        print(
            f"   plugin: {event.kind} {event.object_type} #{event.object_id}: {event.status}{detail}"
        )
    return result


LOYALTY = "{ me { loyalty { points pendingPoints heldPoints lifetimePoints } } }"


def show_points(driver, token: str) -> None:
    account = driver.query(LOYALTY, token=token)["me"]["loyalty"]
    print(
        f"   shopper sees: {account['points']} points to spend, "
        f"{account['pendingPoints']} pending, {account['heldPoints']} held at checkout, "
        f"{account['lifetimePoints']} earned in all"
    )


CARD_PROGRAM = {
    "name": "Demo: 5.00 off your next order",
    "kind": "FIXED",
    "value": "5",
    "minSpend": "20",
    "validityDays": 60,
    "sampleRate": "100",
}


def ensure_card_program(driver) -> None:
    """One active parcel-card program (created once; re-running the demo reuses it)."""
    token = driver.staff_token()
    programs = driver.query(
        "{ loyaltyCardPrograms { edges { node { name isActive } } } }", token=token
    )
    if any(
        p["name"] == CARD_PROGRAM["name"] and p["isActive"]
        for p in nodes(programs["loyaltyCardPrograms"])
    ):
        return
    driver.mutate(
        "loyaltyCardProgramCreate",
        """mutation($input: LoyaltyCardProgramInput!) {
            loyaltyCardProgramCreate(input: $input) { program { id } errors { field code message } }
        }""",
        {"input": CARD_PROGRAM},
        token=token,
    )
    print(f"\n== Staff create a parcel-card program: {CARD_PROGRAM['name']} (every first parcel)")


def show_card(driver, fulfillment_id: str):
    data = driver.query(
        "{ loyaltyCards { edges { node { code kind value minSpend expiresAt status fulfillmentId pdfUrl } } } }",
        token=driver.staff_token(),
    )
    cards = [c for c in nodes(data["loyaltyCards"]) if c["fulfillmentId"] == fulfillment_id]
    if not cards:
        print("   no loyalty card in this parcel")
        return None
    card = cards[0]
    from saleor_retention.cards.models import LoyaltyCard

    path = LoyaltyCard.objects.get(code=card["code"]).pdf_path
    print(
        f"   card in the parcel: {card['code']} ({card['kind']} {card['value']}, "
        f"min {card['minSpend']}, until {card['expiresAt'][:10]}), a real Saleor voucher"
    )
    print(f"   printable PDF: {path} in MEDIA_ROOT; staff link: {card['pdfUrl'][:60]}...")
    return card


def play_story() -> None:
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from saleor_retention.ledger import services as ledger
    from saleor_retention_site.driver import SaleorDriver
    from saleor_retention_site.store import build_store

    store = build_store()
    # Django's test client, sent as "localhost" (an allowed host) to the real database.
    driver = SaleorDriver(store, client=Client(HTTP_HOST="localhost"))
    email = f"mei.{int(time.time())}@example.com"  # a new shopper on every run

    step(
        "Staff switch the retention plugin on (pluginUpdate)",
        lambda: driver.plugin_update(
            active=True, signup_bonus="50", pending_days="14", points_per_currency_unit="USD:1"
        ),
    )
    settings = driver.query(
        "{ shop { retention { pluginActive signupBonus pendingDays "
        "pointsPerCurrencyUnit { currency points } } } }"
    )["shop"]["retention"]
    print(f"   shop.retention: {settings}")

    ensure_card_program(driver)

    step(f"{email} registers (accountRegister)", lambda: driver.account_register(email))
    token = driver.token_create(email, "customer-password")
    driver.mutate(
        "accountUpdate",
        """mutation { accountUpdate(input: { firstName: "Mei", lastName: "Lin" }) {
            accountErrors { field message } } }""",
        token=token,
    )
    show_points(driver, token)

    order = step(
        "She checks out 2 x 25.00 + 5.00 shipping: dummy-gateway payment, checkoutComplete",
        lambda: driver.buy(email=email, quantity=2, token=token),
    )
    total = order["total"]["gross"]
    print(
        f"   order #{order['number']}: {order['status']}, paid {total['amount']} {total['currency']}"
    )
    show_points(driver, token)

    shipped = step("Staff ship it (orderFulfill)", lambda: driver.order_fulfill(order["id"]))
    print(f"   order status: {shipped['order']['status']}")
    card = show_card(driver, shipped["fulfillments"][0]["id"])

    print("\n== 15 days later the return window has passed (the daily ledger task runs)")
    released = ledger.release_due_lots(timezone.now() + timedelta(days=15))
    print(f"   released {released} batch(es) of pending points")
    show_points(driver, token)

    def second_checkout():
        checkout = driver.checkout_create(email=email, quantity=1, token=token)
        driver.checkout_shipping_method_update(checkout["id"], token=token)
        if card is not None:
            promo = driver.checkout_add_promo_code(checkout["id"], card["code"], token=token)
            total = promo["checkout"]["totalPrice"]["gross"]["amount"]
            print(f"   checkoutAddPromoCode {card['code']} (the parcel card): total now {total}")
        applied = driver.loyalty_points_apply(checkout["token"], 100, token=token)
        loyalty = applied["checkout"]["loyalty"]
        to_pay = applied["checkout"]["totalPrice"]["gross"]["amount"]
        print(
            f"   loyaltyPointsApply: {loyalty['appliedPoints']} points take "
            f"{loyalty['appliedDiscount']['amount']} off; Saleor's totalPrice is now {to_pay}"
        )
        show_points(driver, token)
        driver.checkout_payment_create(checkout["id"], to_pay, token=token)
        return driver.checkout_complete(checkout["id"], token=token)

    second = step(
        "She orders again (1 x 25.00 + 5.00 shipping) with her card and 100 points",
        second_checkout,
    )
    show_points(driver, token)
    step(
        "Staff refund 10.00 of it (orderRefund)", lambda: driver.order_refund(second["id"], "10.00")
    )
    show_points(driver, token)
    step("Staff cancel that order (orderCancel)", lambda: driver.order_cancel(second["id"]))
    show_points(driver, token)

    data = driver.query(
        "{ me { email loyalty { points expiringPoints { points expiresAt } "
        "entries(first: 10) { totalCount edges { node { type points reason } } } } } "
        "shop { retention { pluginActive } } }",
        token=token,
    )
    print("\n== One storefront request: Saleor's `me` and the plugin's fields together")
    print(f"   me.email: {data['me']['email']}")
    print(f"   expiring: {data['me']['loyalty']['expiringPoints']}")
    for entry in nodes(data["me"]["loyalty"]["entries"]):
        print(f"   {entry['type']:<13} {entry['points']:+5d}  {entry['reason']}")
    drifts = ledger.verify_accounts()
    print(f"\n   ledger check: {'no drift' if not drifts else drifts}")

    from saleor_retention_site.demo_forum import forum_story
    from saleor_retention_site.demo_insight import insight_story
    from saleor_retention_site.demo_reviews import review_story

    review_story(driver, token, order["id"], print)
    forum_story(driver, token, print)
    insight_story(driver, token, print)


def serve() -> None:
    from django.core.management import call_command

    print("\nServing the store's GraphQL API on http://127.0.0.1:8000/graphql/ (Ctrl-C to stop)")
    call_command("runserver", "127.0.0.1:8000", use_reloader=False)


def main() -> int:
    django.setup()
    from django.core.management import call_command

    # Refuse a bad setting (the public demo SECRET_KEY among them) before touching anything.
    call_command("check")
    ensure_database()
    print("migrating (the first run takes about half a minute)...")
    call_command("migrate", interactive=False, verbosity=0)
    # Saleor's data migration caches the Site with its historical SiteSettings model (which
    # lacks the real model's properties); forget it so the story loads the real one.
    from django.contrib.sites.models import Site

    Site.objects.clear_cache()
    play_story()
    if os.environ.get("DEMO_NO_SERVE") == "1":
        return 0
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
