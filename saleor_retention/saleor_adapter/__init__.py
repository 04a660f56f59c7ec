"""The one place that reads Saleor's models and settings.

Everything that differs between Saleor 2.10 and 3.x (paid status, channels, refund records,
primary keys, vouchers, gift cards, checkout prices) is answered here and handed to the services
as plain, frozen values (``facts``). What only one line does lives in ``saleor2`` or ``saleor3``
(the same names in both); this module imports one of them, once, from the running Saleor, and
holds what both lines share. Services and selectors never read a Saleor model's fields themselves;
when a new Saleor version moves a field, this package is the only one to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from .facts import (
    AddressKey,
    CardOrderFacts,
    CheckoutFacts,
    CustomerFacts,
    ForumAuthorFacts,
    FulfillmentFacts,
    OrderFacts,
    OrderLineFacts,
    PointsCardFacts,
    PointsCheckoutFacts,
    RefundFacts,
    RefundVoidFacts,
    ReviewableLineFacts,
)
from .tables import db_table
from .transaction_refunds import refunded_amount
from .version import SALEOR_MAJOR_VERSION, saleor_major_version, saleor_version

# The Saleor line is chosen once, here, from the running Saleor; nothing else asks.
if SALEOR_MAJOR_VERSION >= 3:
    from .saleor3 import (
        CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED,
        INSIGHT_ORDER_ID_TYPE,
        ORDER_CREATED_AT,
        checkout_may_hold_points_card,
        checkout_prices,
        checkout_voucher_discount,
        connect_signals,
        create_points_gift_card,
        end_voucher,
        ever_charged,
        fully_paid,
        insight_order_costs_sql,
        insight_paid_orders_sql,
        insight_supported,
        insight_touched_customers_sql,
        is_fully_paid,
        is_order_id,
        is_order_line_id,
        mark_points_cards_channel,
        order_channel,
        order_created_at,
        order_gift_card_discount,
        order_number,
        order_refunds,
        order_refunds_and_voids,
        order_token,
        order_voucher_code,
        orders_refunded_since,
        paid_amount,
        plugin_configuration_row,
        points_checkout_subtotal,
        writer_allowed,
    )
    from .saleor3 import create_card_voucher as _create_card_voucher
else:
    from .saleor2 import (
        CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED,
        INSIGHT_ORDER_ID_TYPE,
        ORDER_CREATED_AT,
        checkout_may_hold_points_card,
        checkout_prices,
        checkout_voucher_discount,
        connect_signals,
        create_points_gift_card,
        end_voucher,
        ever_charged,
        fully_paid,
        insight_order_costs_sql,
        insight_paid_orders_sql,
        insight_supported,
        insight_touched_customers_sql,
        is_fully_paid,
        is_order_id,
        is_order_line_id,
        mark_points_cards_channel,
        order_channel,
        order_created_at,
        order_gift_card_discount,
        order_number,
        order_refunds,
        order_refunds_and_voids,
        order_token,
        order_voucher_code,
        orders_refunded_since,
        paid_amount,
        plugin_configuration_row,
        points_checkout_subtotal,
        writer_allowed,
    )
    from .saleor2 import create_card_voucher as _create_card_voucher


# Re-exported: the facts, and what each line answers in its own way.
__all__ = [
    "CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED",
    "AddressKey",
    "CardOrderFacts",
    "CheckoutFacts",
    "CustomerFacts",
    "ForumAuthorFacts",
    "FulfillmentFacts",
    "OrderFacts",
    "OrderLineFacts",
    "PointsCardFacts",
    "PointsCheckoutFacts",
    "RefundFacts",
    "RefundVoidFacts",
    "ReviewableLineFacts",
    "checkout_may_hold_points_card",
    "connect_signals",
    "create_points_gift_card",
    "end_voucher",
    "mark_points_cards_channel",
    "INSIGHT_ORDER_ID_TYPE",
    "insight_order_costs_sql",
    "insight_paid_orders_sql",
    "insight_supported",
    "insight_touched_customers_sql",
    "order_refunds",
    "order_refunds_and_voids",
    "order_voucher_code",
    "orders_refunded_since",
    "saleor_major_version",
    "saleor_version",
    "writer_allowed",
]

# --- loaders: id -> Saleor object (tasks receive ids, never objects) ---------------------------


def get_order(order_id: str) -> Any | None:
    from saleor.order.models import Order

    if not is_order_id(order_id):
        return None
    return Order.objects.filter(pk=order_id).first()


def orders_by_id(order_ids: list[str]) -> dict[str, Any]:
    """Many orders in one query (for lists such as a customer's points history)."""
    from saleor.order.models import Order

    wanted = [pk for pk in order_ids if pk and is_order_id(pk)]
    return {str(order.pk): order for order in Order.objects.filter(pk__in=wanted)} if wanted else {}


def order_language_codes(order_ids: Iterable[str]) -> dict[str, str]:
    """order id -> the language the order was placed in, for many orders in one query."""
    from saleor.order.models import Order

    ids = [pk for pk in order_ids if pk and is_order_id(pk)]
    rows = Order.objects.filter(pk__in=ids).values_list("pk", "language_code") if ids else []
    return {str(pk): code or "" for pk, code in rows}


def customer_names(customer_ids: Iterable[str]) -> dict[str, str]:
    """customer id -> "First Last" (empty when unknown), for many customers in one query."""
    from saleor.account.models import User

    ids = [pk for pk in customer_ids if pk]
    rows = (
        User.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name") if ids else []
    )
    return {str(pk): f"{first} {last}".strip() for pk, first, last in rows}


def get_customer(customer_id: str) -> Any | None:
    from saleor.account.models import User

    return User.objects.filter(pk=customer_id).first()


def get_app(app_id: str) -> Any | None:
    from saleor.app.models import App

    return App.objects.filter(pk=app_id).first() if str(app_id).isdigit() else None


def get_fulfillment(fulfillment_id: str) -> Any | None:
    from saleor.order.models import Fulfillment

    return Fulfillment.objects.filter(pk=fulfillment_id).first()


def get_checkout(token: str) -> Any | None:
    from saleor.checkout.models import Checkout

    return Checkout.objects.filter(token=token).first()


# --- facts ---------------------------------------------------------------------------------


def customer_facts(user: Any) -> CustomerFacts:
    return CustomerFacts(
        id=str(user.pk),
        email=user.email or "",
        first_name=getattr(user, "first_name", "") or "",
        last_name=getattr(user, "last_name", "") or "",
        is_staff=bool(getattr(user, "is_staff", False)),
        language_code=getattr(user, "language_code", "") or "",
        date_joined=getattr(user, "date_joined", None),
        # the plugin's CustomerBirthday (reverse one-to-one; a missing row reads as None)
        birthday=getattr(getattr(user, "retention_birthday", None), "birthday", None),
    )


def order_customer_id(order: Any | None) -> str | None:
    if order is None or not order.user_id:
        return None
    return str(order.user_id)


def order_is_paid(order: Any) -> bool:
    """Fully paid and a real order (a draft is not yet one)."""
    return order.status != "draft" and is_fully_paid(order)


def order_facts(order: Any) -> OrderFacts:
    gross = Decimal(order.total_gross_amount)
    net = Decimal(order.total_net_amount)
    lines = tuple(
        OrderLineFacts(
            id=str(line.pk),
            product_id=str(line.variant.product_id) if line.variant_id else None,
            variant_id=str(line.variant_id) if line.variant_id else None,
            sku=line.product_sku or "",
            quantity=line.quantity,
            quantity_fulfilled=line.quantity_fulfilled,
            unit_price_gross=Decimal(line.unit_price_gross_amount),
            unit_price_net=Decimal(line.unit_price_net_amount),
        )
        for line in order.lines.select_related("variant").order_by("pk")
    )
    return OrderFacts(
        id=str(order.pk),
        number=order_number(order),
        token=order_token(order),
        customer_id=order_customer_id(order),
        customer_email=order.get_customer_email() or "",
        currency=order.currency,
        status=order.status,
        language_code=order.language_code or "",
        channel=order_channel(order),
        total_gross=gross,
        total_net=net,
        shipping_gross=Decimal(order.shipping_price_gross_amount),
        shipping_net=Decimal(order.shipping_price_net_amount),
        tax=gross - net,
        paid_amount=paid_amount(order),
        is_fully_paid=is_fully_paid(order),
        voucher_code=order_voucher_code(order),
        gift_card_codes=tuple(order.gift_cards.values_list("code", flat=True)),
        lines=lines,
        created=order_created_at(order),
    )


def fulfillment_facts(fulfillment: Any) -> FulfillmentFacts:
    return FulfillmentFacts(
        id=str(fulfillment.pk),
        order_id=str(fulfillment.order_id),
        sequence=int(fulfillment.fulfillment_order),
        status=str(fulfillment.status),
        line_ids=tuple(str(pk) for pk in fulfillment.lines.values_list("order_line_id", flat=True)),
    )


def object_ref(obj: Any) -> tuple[str, str]:
    """(kind, id) of a Saleor object a hook receives."""
    kind = type(obj).__name__.lower()
    return {"user": "customer"}.get(kind, kind), str(obj.pk)


def stored_plugin_configuration(plugin_id: str) -> tuple[bool, list[dict[str, Any]]] | None:
    """(active, settings list) as saved through ``pluginUpdate``; None until first saved.

    The plugin is global (not per channel) on every version, so there is one row to read.
    """
    row = plugin_configuration_row(plugin_id)
    if row is None:
        return None
    return bool(row.active), list(row.configuration or [])


# --- customers by audience (campaign bonuses, birthdays) -----------------------------------------


def _customers() -> Any:
    """Active customers as Saleor counts them (``User.objects.customers()``): users who are not
    staff, and staff who have ordered; written with ``EXISTS`` so no row comes twice."""
    from django.db.models import Exists, OuterRef, Q
    from saleor.account.models import User
    from saleor.order.models import Order

    has_ordered = Exists(Order.objects.filter(user_id=OuterRef("pk")))
    return User.objects.filter(is_active=True).filter(Q(is_staff=False) | has_ordered)


def _paid_orders() -> Any:
    """Real orders (not drafts, not cancelled) that are fully paid, decided in the database."""
    from saleor.order.models import Order

    return fully_paid(Order.objects.exclude(status__in=("draft", "canceled")))


def paid_orders_of(
    customer_ids: Iterable[str], *, created_from: datetime, created_until: datetime
) -> list[tuple[str, str, datetime]]:
    """(order id, customer id, created) of the customers' paid orders in a time range."""
    ids = [pk for pk in customer_ids if pk]
    if not ids:
        return []
    rows = (
        _paid_orders()
        .filter(
            user_id__in=ids,
            **{f"{ORDER_CREATED_AT}__gte": created_from, f"{ORDER_CREATED_AT}__lt": created_until},
        )
        .values_list("pk", "user_id", ORDER_CREATED_AT)
    )
    return [(str(pk), str(user_id), created) for pk, user_id, created in rows]


def order_totals(order_ids: Iterable[str]) -> dict[str, Decimal]:
    """Gross totals of the given orders (what they were charged, after discounts)."""
    from saleor.order.models import Order

    ids = [pk for pk in order_ids if pk and is_order_id(pk)]
    rows = Order.objects.filter(pk__in=ids).values_list("pk", "total_gross_amount")
    return {str(pk): Decimal(total) for pk, total in rows}


def _audience(min_paid_orders: int) -> Any:
    customers = _customers()
    if min_paid_orders > 0:
        from django.db.models import Count

        enough = (
            _paid_orders()
            .filter(user_id__isnull=False)
            .order_by()
            .values("user_id")
            .annotate(paid_orders=Count("pk"))
            .filter(paid_orders__gte=min_paid_orders)
            .values("user_id")
        )
        customers = customers.filter(pk__in=enough)
    return customers


def customer_ids(
    *, min_paid_orders: int = 0, after: int = 0, limit: int | None = None
) -> list[str]:
    """Active customers' ids in ascending order, those with at least ``min_paid_orders`` paid
    orders when it is above 0; ``after`` (an id) and ``limit`` page through them in batches."""
    customers = _audience(min_paid_orders).filter(pk__gt=after).order_by("pk")
    ids = customers.values_list("pk", flat=True)
    return [str(pk) for pk in (ids[:limit] if limit is not None else ids)]


def count_customers(*, min_paid_orders: int = 0) -> int:
    return _audience(min_paid_orders).count()


def existing_customer_ids(ids: Iterable[str], *, active_only: bool = False) -> set[str]:
    """Which of ``ids`` are users of the store (optionally: whose accounts are active)."""
    from saleor.account.models import User

    pks = [int(pk) for pk in ids if str(pk).isdigit()]
    users = User.objects.filter(pk__in=pks)
    if active_only:
        users = users.filter(is_active=True)
    return {str(pk) for pk in users.values_list("pk", flat=True)}


# --- checkouts and the gift cards that carry points discounts -------------------------------


def checkout_facts(checkout: Any) -> CheckoutFacts:
    subtotal, shipping, to_pay = checkout_prices(checkout)
    return CheckoutFacts(
        token=str(checkout.token),
        customer_id=str(checkout.user_id) if checkout.user_id else None,
        currency=checkout.currency,
        subtotal_gross=Decimal(subtotal.gross.amount),
        subtotal_net=Decimal(subtotal.net.amount),
        shipping_gross=Decimal(shipping.gross.amount),
        total_gross=to_pay,
        gift_card_codes=tuple(checkout.gift_cards.values_list("code", flat=True)),
        voucher_discount=checkout_voucher_discount(checkout),
    )


def timezone_now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def attach_gift_card(checkout_token: str, code: str) -> None:
    from saleor.checkout.models import Checkout
    from saleor.giftcard.models import GiftCard

    checkout = Checkout.objects.get(token=checkout_token)
    checkout.gift_cards.add(GiftCard.objects.get(code=code))
    mark_points_cards_channel(checkout)  # so later changes to this checkout fit the card


# --- points gift cards: the checkout a card sits on, its use by orders, resizing -------------
# The plugin's checkout-total and order-creation hooks and the ledger's settlement call these.
# 2.10 hands the hooks a ``Checkout``, 3.x a ``CheckoutInfo`` (``.checkout``, with its lines);
# the card fields used here (balances, ``is_active``, ``checkouts``, ``orders``) are the same.


def _checkout_of(checkout_or_info: Any) -> Any:
    return getattr(checkout_or_info, "checkout", checkout_or_info)


def checkout_gift_card_codes(checkout_or_info: Any) -> tuple[str, ...]:
    """Codes of the gift cards on a checkout: no query when Saleor prefetched them, else one
    (codes only), on the connection Saleor computes the checkout with (Saleor 3's
    ``CheckoutInfo.database_connection_name``: the replica on a read query, so the writer is not
    touched), or the one the checkout was read from."""
    checkout = _checkout_of(checkout_or_info)
    if checkout.pk is None:
        return ()
    prefetched = getattr(checkout, "_prefetched_objects_cache", {}).get("gift_cards")
    if prefetched is not None:
        return tuple(card.code for card in prefetched)
    cards = checkout.gift_cards.all()
    connection_name = getattr(checkout_or_info, "database_connection_name", None)
    if connection_name:
        cards = cards.using(connection_name)
    return tuple(cards.values_list("code", flat=True))


def points_checkout_facts(checkout_or_info: Any, lines: Any = None) -> PointsCheckoutFacts:
    checkout = _checkout_of(checkout_or_info)
    return PointsCheckoutFacts(
        token=str(checkout.token),
        customer_id=str(checkout.user_id) if checkout.user_id else None,
        currency=checkout.currency,
        subtotal_gross=points_checkout_subtotal(checkout_or_info, lines),
        voucher_discount=checkout_voucher_discount(checkout),
        gift_card_codes=checkout_gift_card_codes(checkout),
    )


def _card_order_facts(order: Any) -> CardOrderFacts:
    return CardOrderFacts(
        id=str(order.pk),
        checkout_token=str(order.checkout_token or ""),
        customer_id=order_customer_id(order),
        gift_card_discount=order_gift_card_discount(order),
    )


def lock_points_gift_card(code: str) -> PointsCardFacts | None:
    """The card under a row lock (Saleor's order creation locks it too), with its orders."""
    from saleor.giftcard.models import GiftCard

    card = GiftCard.objects.select_for_update().filter(code=code).first()
    if card is None:
        return None
    orders = card.orders.prefetch_related("lines").order_by("pk")
    return PointsCardFacts(
        code=code,
        initial_balance=Decimal(card.initial_balance_amount),
        current_balance=Decimal(card.current_balance_amount),
        orders=tuple(_card_order_facts(order) for order in orders),
    )


def resize_points_gift_card(code: str, amount: Decimal) -> None:
    """Give an unused points card a new value (both balances: it was never used)."""
    from saleor.giftcard.models import GiftCard

    GiftCard.objects.filter(code=code).update(
        initial_balance_amount=amount, current_balance_amount=amount
    )


def detach_gift_card(checkout_token: str, code: str) -> None:
    """Take a card off one checkout only; it stays active on the others."""
    from saleor.checkout.models import Checkout
    from saleor.giftcard.models import GiftCard

    card = GiftCard.objects.filter(code=code).first()
    checkout = Checkout.objects.filter(token=checkout_token).first()
    if card is not None and checkout is not None:
        checkout.gift_cards.remove(card)


def retire_points_gift_card(code: str) -> None:
    """Off every checkout and inactive: no later checkout can use what is left on it."""
    from saleor.giftcard.models import GiftCard

    card = GiftCard.objects.filter(code=code).first()
    if card is None:
        return
    card.checkouts.clear()
    if card.is_active:
        card.is_active = False
        card.save(update_fields=["is_active"])


# --- referrals: is a customer new, and where do they live --------------------------------------

# An address as a household: street, city, postal code, area and country, compared without case,
# spaces or punctuation. Names and phones are left out: a second account under another name at
# the same door is still the same door.
_ADDRESS_KEY_FIELDS = (
    "street_address_1",
    "street_address_2",
    "city",
    "postal_code",
    "country_area",
    "country",
)


def _clean(value: Any) -> str:
    return "".join(ch for ch in str(value or "").casefold() if ch.isalnum())


def _address_keys(rows: Iterable[Iterable[Any]]) -> frozenset[AddressKey]:
    """Keys of address rows (values in ``_ADDRESS_KEY_FIELDS`` order); rows without a street
    are left out, so two empty addresses never match."""
    keys = (tuple(_clean(value) for value in row) for row in rows)
    return frozenset(key for key in keys if key[0])


def _orders_of(customer_id: str, email: str) -> Any:
    """The customer's real orders (no drafts), and guest orders placed under their e-mail."""
    from django.db.models import Q
    from saleor.order.models import Order

    mine = Q(user_id=int(customer_id)) if str(customer_id).isdigit() else Q(pk__in=[])
    if email:
        mine |= Q(user_email__iexact=email)
    return Order.objects.exclude(status="draft").filter(mine)


def customer_address_keys(customer_id: str) -> frozenset[AddressKey]:
    """Every address the customer is known at: their default shipping and billing addresses,
    their address book, and the shipping and billing addresses of their orders (guest orders
    under their e-mail included); one query for the addresses."""
    from django.db.models import Q
    from saleor.account.models import Address

    user = get_customer(customer_id)
    if user is None:
        return frozenset()
    orders = _orders_of(customer_id, user.email or "").order_by()
    defaults = [
        pk for pk in (user.default_shipping_address_id, user.default_billing_address_id) if pk
    ]
    addresses = Address.objects.filter(
        Q(pk__in=defaults)
        | Q(user_addresses=user)
        | Q(pk__in=orders.values("shipping_address_id"))
        | Q(pk__in=orders.values("billing_address_id"))
    )
    return _address_keys(addresses.values_list(*_ADDRESS_KEY_FIELDS).distinct())


def _keys_of(*addresses: Any) -> frozenset[AddressKey]:
    return _address_keys(
        [getattr(address, field) for field in _ADDRESS_KEY_FIELDS]
        for address in addresses
        if address is not None
    )


def order_address_keys(order: Any) -> frozenset[AddressKey]:
    return _keys_of(order.shipping_address, order.billing_address)


def checkout_customer_id(checkout: Any) -> str | None:
    return str(checkout.user_id) if checkout.user_id else None


def checkout_address_keys(checkout: Any) -> frozenset[AddressKey]:
    return _keys_of(checkout.shipping_address, checkout.billing_address)


def customer_has_paid_before(customer_id: str) -> bool:
    """Whether money was ever taken for one of the customer's orders (guest orders under their
    e-mail, and orders since refunded or cancelled, included): such a customer is not new."""
    user = get_customer(customer_id)
    if user is None:
        return False
    return ever_charged(_orders_of(customer_id, user.email or ""))


# --- loyalty cards: the Saleor vouchers behind them, and what the decision needs to know ------


def create_card_voucher(
    *,
    code: str,
    name: str,
    applies_to: str,
    value_type: str,
    discount: Decimal,
    currency: str,
    min_spent: Decimal | None,
    starts_at: datetime,
    ends_at: datetime,
) -> None:
    """A single-use Saleor voucher for a parcel card, on the terms its kind chose
    (``cards/kinds.py``): ``applies_to`` ``entire_order`` or ``shipping``, ``value_type``
    ``percentage`` or ``fixed``, the ``discount`` in those units. A taken code raises
    ``IntegrityError`` (the caller draws another in a savepoint)."""
    from saleor.discount import DiscountValueType, VoucherType

    voucher_types = {"entire_order": VoucherType.ENTIRE_ORDER, "shipping": VoucherType.SHIPPING}
    value_types = {"percentage": DiscountValueType.PERCENTAGE, "fixed": DiscountValueType.FIXED}
    if applies_to not in voucher_types or value_type not in value_types:
        raise ValueError(f"no Saleor voucher {applies_to!r} / {value_type!r}")
    _create_card_voucher(
        code=code,
        name=name[:255],
        voucher_type=voucher_types[applies_to],
        value_type=value_types[value_type],
        discount=discount,
        currency=currency,
        min_spent=min_spent,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def order_cancelled_fulfillment_ids(order: Any) -> list[str]:
    """Ids of the order's fulfillments in Saleor's status "canceled" (2.10 reports a cancelled
    fulfillment only through ``order_updated``)."""
    from saleor.order import FulfillmentStatus

    ids = order.fulfillments.filter(status=FulfillmentStatus.CANCELED).values_list("pk", flat=True)
    return [str(pk) for pk in ids.order_by("pk")]


def earlier_paid_order_count(order: Any) -> int:
    """Paid, not cancelled orders of the same customer (their account, or guest orders under
    their e-mail) created before this one."""
    email = order.get_customer_email() or ""
    customer_id = order_customer_id(order)
    if customer_id is None and not email:
        return 0
    mine = _orders_of(customer_id or "", email).values("pk")
    before = {f"{ORDER_CREATED_AT}__lt": order_created_at(order)}
    return _paid_orders().filter(pk__in=mine, **before).exclude(pk=order.pk).count()


def default_currency() -> str:
    from django.conf import settings

    return str(getattr(settings, "DEFAULT_CURRENCY", "USD"))


# --- forum: who writes, and whether they are a repeat customer -----------------------------------


def forum_author_facts(customer_id: str) -> ForumAuthorFacts | None:
    """The name shown on a forum post and the staff badge, read when the post is written."""
    from saleor.account.models import User

    row = (
        User.objects.filter(pk=customer_id)
        .values_list("first_name", "last_name", "is_staff", "is_active")
        .first()
        if str(customer_id).isdigit()
        else None
    )
    if row is None:
        return None
    first, last, is_staff, is_active = row
    return ForumAuthorFacts(str(customer_id), first or "", last or "", bool(is_staff), is_active)


def paid_order_count(customer_id: str) -> int:
    """Paid, not cancelled orders of the customer (their account's, and guest orders under their
    e-mail): what a repeat-customer forum board asks for. Two queries."""
    user = get_customer(customer_id) if str(customer_id).isdigit() else None
    if user is None:
        return 0
    mine = _orders_of(customer_id, user.email or "").values("pk")
    return _paid_orders().filter(pk__in=mine).count()


# --- reviews: who bought what, and the orders behind review requests ----------------------------


def _short_name(first: str, last: str) -> str:
    first, last = (first or "").strip(), (last or "").strip()
    if first and last:
        return f"{first} {last[0]}."
    return first or (f"{last[0]}." if last else "")


def _line_facts(line: Any) -> ReviewableLineFacts | None:
    variant = line.variant
    if variant is None:  # the variant was deleted: nothing to attach a review to
        return None
    order = line.order
    user = order.user
    if user is not None and (user.first_name or user.last_name):
        author = _short_name(user.first_name, user.last_name)
    else:
        address = order.billing_address
        author = _short_name(address.first_name, address.last_name) if address else ""
    return ReviewableLineFacts(
        line_id=str(line.pk),
        order_id=str(order.pk),
        order_status=str(order.status),
        customer_id=order_customer_id(order),
        author_name=author[:100],
        product_id=str(variant.product_id),
        product_name=line.product_name or variant.product.name,
        variant_id=str(variant.pk),
        variant_name=line.variant_name or variant.name or "",
        quantity_fulfilled=int(line.quantity_fulfilled),
        channel=order_channel(order),
    )


def _review_lines() -> Any:
    from saleor.order.models import OrderLine

    return OrderLine.objects.select_related(
        "variant__product", "order__user", "order__billing_address"
    )


def order_line_for_review(line_id: str) -> ReviewableLineFacts | None:
    if not is_order_line_id(line_id):
        return None
    line = _review_lines().filter(pk=line_id).first()
    return _line_facts(line) if line is not None else None


def fulfilled_lines_of(customer_id: str, product_id: str) -> list[ReviewableLineFacts]:
    """The customer's order lines of the product with something shipped, in orders neither
    cancelled nor drafts, oldest first: the lines that make them a verified buyer."""
    if not str(product_id).isdigit():
        return []
    lines = (
        _review_lines()
        .filter(order__user_id=customer_id, variant__product_id=product_id)
        .filter(quantity_fulfilled__gt=0)
        .exclude(order__status__in=("canceled", "draft"))
        .order_by("pk")
    )
    return [facts for facts in map(_line_facts, lines) if facts is not None]


def order_reviewable_lines(order_id: str) -> list[ReviewableLineFacts]:
    """Lines of an order that can be reviewed: shipped, with a product that still exists."""
    lines = _review_lines().filter(order_id=order_id, quantity_fulfilled__gt=0).order_by("pk")
    return [facts for facts in map(_line_facts, lines) if facts is not None]


def order_is_fully_fulfilled(order: Any) -> bool:
    return str(order.status) == "fulfilled"


def order_is_fully_refunded(order: Any) -> bool:
    """Refunds reach what was paid with money: the last payment says "fully-refunded", or
    refunds were made and nothing charged is left (Saleor lowers the charged amount on each
    refund). Gift cards, the points discount among them, are not money paid, so an order paid
    partly with points counts as refunded in full once its money is back (the same rule as
    ``ledger.referrals.money_paid``)."""
    from saleor.payment import ChargeStatus

    payment = order.get_last_payment()
    if payment is not None and payment.charge_status == ChargeStatus.FULLY_REFUNDED:
        return True
    return order_refunded_amount(order) > 0 and paid_amount(order) <= 0


def order_refunded_amount(order: Any) -> Decimal:
    """What the order's refunds (chargebacks among them) come to now: less what came back to
    the merchant of them (a reverse, a lowered manual amount; a failed refund counts nothing)."""
    refunds, voids = order_refunds_and_voids(order)
    return refunded_amount(refunds, voids)


def customer_display_name(customer_id: str) -> str:
    from saleor.account.models import User

    row = User.objects.filter(pk=customer_id).values_list("first_name", "last_name").first()
    return _short_name(*row)[:100] if row else ""


def product_exists(product_id: str) -> bool:
    from saleor.product.models import Product

    return str(product_id).isdigit() and Product.objects.filter(pk=product_id).exists()


# --- insight: Saleor's order tables as SQL, for the set-based customer files --------------------
#
# The customer files are built with one SQL statement over every customer (``insight.sql``), so
# the tables and the rule for "paid" are handed out here as SQL text. Each function returns a
# SELECT whose columns are fixed; ``one_customer=True`` adds ``%(customer_id)s`` as a filter so
# the same statement updates one customer's file inside an order event's processing.
#
# What "paid" means in SQL differs per line: ``insight_supported`` and ``insight_paid_orders_sql``
# live in ``saleor2`` (the rule) and ``saleor3`` (not written yet: the files are skipped there).


def insight_order_lines_sql() -> str:
    """Lines of the orders in ``paid`` (a CTE of ``insight_paid_orders_sql``) with their
    category and product ids (names are joined later, for the top three only). Columns:
    order_id, customer_id, currency, category_id, product_id, spent. Line amounts are before
    order-level discounts (a line's own price times its quantity)."""
    return f"""
        SELECT paid.order_id, paid.customer_id, paid.currency, pr.category_id, v.product_id,
               l.unit_price_gross_amount * l.quantity AS spent
        FROM paid
        JOIN {db_table("order.OrderLine")} l ON l.order_id = paid.order_id
        LEFT JOIN {db_table("product.ProductVariant")} v ON v.id = l.variant_id
        LEFT JOIN {db_table("product.Product")} pr ON pr.id = v.product_id
    """


def insight_categories_sql() -> str:
    """Columns: id, slug, name."""
    return f"SELECT id, slug, name FROM {db_table('product.Category')}"


def insight_products_sql() -> str:
    """Columns: id, name."""
    return f"SELECT id, name FROM {db_table('product.Product')}"


def insight_customers_sql(*, one_customer: bool = False, among: str | None = None) -> str:
    """Registered customers who get a file: active accounts that are not staff, and staff who
    have ordered (Saleor's ``User.objects.customers()``); for one, or those of ``among`` (a
    SELECT of customer ids). Columns: customer_id, date_joined."""
    mine = (
        "AND u.id = %(customer_id)s" if one_customer else f"AND u.id IN ({among})" if among else ""
    )
    return f"""
        SELECT u.id AS customer_id, u.date_joined
        FROM {db_table("account.User")} u
        WHERE u.is_active {mine}
          AND (NOT u.is_staff
               OR EXISTS (SELECT 1 FROM {db_table("order.Order")} o WHERE o.user_id = u.id))
    """


def insight_deactivated_customers_sql() -> str:
    """Accounts Saleor has deactivated (``is_active`` false): they get no file (see
    ``insight_customers_sql``). Column: customer_id."""
    return f"SELECT u.id AS customer_id FROM {db_table('account.User')} u WHERE NOT u.is_active"


def insight_orders_sql() -> str:
    """Every order of a registered customer, paid or not (which orders cross a time window).
    Columns: customer_id, created."""
    return f"""SELECT o.user_id AS customer_id, o.{ORDER_CREATED_AT} AS created
               FROM {db_table("order.Order")} o WHERE o.user_id IS NOT NULL"""


def insight_category_slugs(category_ids: Iterable[str]) -> dict[str, str]:
    """Category id -> slug (for the churn-window overrides shown to staff)."""
    from saleor.product.models import Category

    ids = [pk for pk in category_ids if str(pk).isdigit()]
    return dict(Category.objects.filter(pk__in=ids).values_list("pk", "slug")) if ids else {}


def insight_customer_emails(customer_ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """Customer id -> (e-mail, first name, last name), for a segment's page or CSV batch."""
    from saleor.account.models import User

    ids = list(customer_ids)
    rows = User.objects.filter(pk__in=ids).values_list("pk", "email", "first_name", "last_name")
    return {pk: (email, first, last) for pk, email, first, last in rows} if ids else {}
