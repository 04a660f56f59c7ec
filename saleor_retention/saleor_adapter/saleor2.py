"""What only Saleor 2.10 does: money on payments, refunds as order events, integer order ids,
``Order.created``, ``Voucher.code`` with one value, gift cards bound through ``user``, and the
2.10 calculations API. ``saleor_adapter`` imports this module when it runs inside Saleor 2.x;
``saleor3`` has the same names for 3.x."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .facts import ZERO, RefundFacts, RefundVoidFacts
from .tables import db_table

# Field of the order's creation time, for queries.
ORDER_CREATED_AT = "created"

# Saleor 2.10 has no ``checkout_updated`` hook: a plugin hears of a changed checkout only when
# Saleor computes its total (``calculate_checkout_total``, asked before every place it counts).
CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED = False

# Saleor 2.10's payments that count towards ``Order.is_fully_paid()`` (see ``Order._total_paid``).
_PAID_CHARGE_STATUSES = ("partially-charged", "fully-charged", "partially-refunded")
# Payments on which money was taken at some point (refunded ones included).
_EVER_CHARGED_STATUSES = (*_PAID_CHARGE_STATUSES, "fully-refunded")


def is_order_id(value: Any) -> bool:
    return str(value).isdigit()


def is_order_line_id(value: Any) -> bool:
    return str(value).isdigit()


def order_token(order: Any) -> str:
    return str(order.token)


def order_number(order: Any) -> str:
    return str(order.pk)  # 2.10 shows the id as the order number


def order_created_at(order: Any) -> datetime:
    return order.created


def order_channel(order: Any) -> str | None:
    return None  # 2.10 has no channels


def order_voucher_code(order: Any) -> str | None:
    voucher_id = getattr(order, "voucher_id", None)
    if voucher_id is None:
        return None
    from saleor.discount.models import Voucher

    return Voucher.objects.filter(pk=voucher_id).values_list("code", flat=True).first()


def paid_amount(order: Any) -> Decimal:
    total = ZERO
    for payment in order.payments.all():
        if payment.is_active or payment.captured_amount:
            total += Decimal(payment.captured_amount)
    return total


def is_fully_paid(order: Any) -> bool:
    return bool(order.is_fully_paid())


def fully_paid(orders: Any) -> Any:
    """``orders`` narrowed to the fully paid: "captured amount of the charged (or partly refunded)
    payments >= total gross" (``is_fully_paid()``) as a correlated subquery."""
    from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce
    from saleor.payment.models import Payment

    captured = (
        Payment.objects.filter(order_id=OuterRef("pk"), charge_status__in=_PAID_CHARGE_STATUSES)
        .order_by()
        .values("order_id")
        .annotate(total=Sum("captured_amount"))
        .values("total")
    )
    paid = Coalesce(Subquery(captured), Value(ZERO), output_field=DecimalField())
    return orders.alias(paid=paid).filter(paid__gte=F("total_gross_amount"))


def ever_charged(orders: Any) -> bool:
    """Whether money was taken at some point for one of ``orders`` (refunded since or not)."""
    from saleor.payment.models import Payment

    return Payment.objects.filter(
        order_id__in=orders.values("pk"), charge_status__in=_EVER_CHARGED_STATUSES
    ).exists()


def order_refunds(order: Any) -> list[RefundFacts]:
    """Saleor 2.10 has no refund hook: ``orderRefund`` writes a ``payment_refunded`` OrderEvent
    with the amount, then calls ``order_updated``. Each event's id names the refund."""
    from saleor.order import OrderEvents

    events = order.events.filter(type=OrderEvents.PAYMENT_REFUNDED).order_by("pk")
    return [
        RefundFacts(
            refund_id=f"order-event-{event.pk}",
            order_id=str(order.pk),
            amount=Decimal(str(event.parameters.get("amount", "0"))),
            currency=order.currency,
            created=event.date,
        )
        for event in events
    ]


def order_refunds_and_voids(order: Any) -> tuple[list[RefundFacts], list[RefundVoidFacts]]:
    """(``order_refunds``, none taken back): a 2.10 refund is an order event, never undone."""
    return order_refunds(order), []


def orders_refunded_since(since: datetime) -> list[str]:
    from saleor.order import OrderEvents
    from saleor.order.models import OrderEvent

    ids = (
        OrderEvent.objects.filter(type=OrderEvents.PAYMENT_REFUNDED, date__gte=since)
        .values_list("order_id", flat=True)
        .distinct()
    )
    return [str(pk) for pk in ids]


def checkout_prices(checkout: Any) -> tuple[Any, Any, Decimal]:
    """(subtotal, shipping) as TaxedMoney, and what remains to pay after vouchers and gift cards."""
    from django.utils import timezone
    from saleor.checkout import calculations
    from saleor.discount.utils import fetch_discounts
    from saleor.plugins.manager import get_plugins_manager

    lines = list(checkout)
    discounts = fetch_discounts(timezone.now())
    subtotal = calculations.checkout_subtotal(checkout=checkout, lines=lines, discounts=discounts)
    total = calculations.checkout_total(checkout=checkout, lines=lines, discounts=discounts)
    shipping = get_plugins_manager().calculate_checkout_shipping(checkout, lines, discounts)
    cards = sum((card.current_balance_amount for card in checkout.gift_cards.all()), ZERO)
    return subtotal, shipping, max(ZERO, Decimal(total.gross.amount) - cards)


def create_points_gift_card(
    *, code: str, amount: Decimal, currency: str, customer_id: str, ends_on: date
) -> None:
    from saleor.giftcard.models import GiftCard

    GiftCard.objects.create(
        code=code,
        user_id=customer_id,
        initial_balance_amount=amount,
        current_balance_amount=amount,
        currency=currency,
        end_date=ends_on,
        is_active=True,
    )


def create_card_voucher(
    *,
    code: str,
    name: str,
    voucher_type: str,
    value_type: str,
    discount: Decimal,
    currency: str,
    min_spent: Decimal | None,
    starts_at: datetime,
    ends_at: datetime,
) -> None:
    from saleor.discount.models import Voucher

    Voucher.objects.create(
        code=code,
        name=name,
        type=voucher_type,
        discount_value_type=value_type,
        discount_value=discount,
        currency=currency,
        min_spent_amount=min_spent,
        usage_limit=1,
        start_date=starts_at,
        end_date=ends_at,
    )


def end_voucher(code: str, *, at: datetime) -> bool:
    from saleor.discount.models import Voucher

    return bool(Voucher.objects.filter(code=code).update(end_date=at))


def plugin_configuration_row(plugin_id: str) -> Any | None:
    from saleor.plugins.models import PluginConfiguration

    return PluginConfiguration.objects.filter(identifier=plugin_id).first()


# --- points gift cards: what the cap is measured against, and what cards took off an order -----


def checkout_voucher_discount(checkout: Any) -> Decimal:
    """2.10 keeps a voucher's discount beside the lines (``checkout.discount``), gross."""
    return Decimal(checkout.discount_amount or 0)


def points_checkout_subtotal(checkout_or_info: Any, lines: Any = None) -> Decimal:
    """The lines' gross total before vouchers (the voucher is ``checkout_voucher_discount``);
    2.10's hooks hand over the ``Checkout`` itself."""
    checkout = checkout_or_info
    from django.utils import timezone
    from saleor.checkout import calculations
    from saleor.discount.utils import fetch_discounts

    lines = list(checkout) if lines is None else list(lines)
    subtotal = calculations.checkout_subtotal(
        checkout=checkout, lines=lines, discounts=fetch_discounts(timezone.now())
    )
    return Decimal(subtotal.gross.amount)


def order_gift_card_discount(order: Any) -> Decimal:
    """What all gift cards took off the order: 2.10's total is after them, so it is what the
    lines and shipping less the voucher came to, minus the total."""
    lines = sum(
        (Decimal(line.unit_price_gross_amount) * line.quantity for line in order.lines.all()), ZERO
    )
    before_cards = (
        lines + Decimal(order.shipping_price_gross_amount) - Decimal(order.discount_amount or 0)
    )
    return max(ZERO, before_cards - Decimal(order.total_gross_amount))


# --- insight: the paid orders as SQL ------------------------------------------------------------
#
# Paid (Saleor 2.10): a real order (not a draft, not cancelled) whose money taken at some point
# (captured now plus refunded since) covers its total, and that is not refunded in full. Its
# spend is the total minus what was refunded. This differs from ``Order.is_fully_paid()`` on
# purpose: a partly refunded order still counts, at what the customer kept.


# --- points cards: 2.10 fits them in its total hook and has no channels; every check reads ---


def checkout_may_hold_points_card(checkout_or_info: Any) -> bool:
    return True


def mark_points_cards_channel(checkout_or_info: Any) -> None:
    return None


def connect_signals() -> None:
    return None


def insight_supported() -> bool:
    """The customer files are built on 2.10."""
    return True


def insight_paid_orders_sql(*, one_customer: bool = False, among: str | None = None) -> str:
    """Columns: order_id, customer_id, created, currency, spent, language_code.

    For one customer (or those of ``among``, a SELECT of customer ids) the money of each order is
    looked up through the payment indexes; for everyone, the payments and refunds are summed once
    per order and hash-joined (a lookup per order costs ten times more over millions of
    orders)."""
    charged = ", ".join(f"'{status}'" for status in _PAID_CHARGE_STATUSES)
    payments, transactions = db_table("payment.Payment"), db_table("payment.Transaction")
    refunds = f"""SELECT payment_id, SUM(amount) AS refunded FROM {transactions}
                  WHERE kind = 'refund' AND is_success GROUP BY payment_id"""
    if one_customer or among:
        money_source = f"""CROSS JOIN LATERAL (
            SELECT COALESCE(SUM(p.captured_amount) FILTER (
                       WHERE p.charge_status IN ({charged})), 0) AS captured,
                   COALESCE(SUM(r.refunded), 0) AS refunded
            FROM {payments} p
            LEFT JOIN LATERAL ({refunds.replace("GROUP BY payment_id", "AND payment_id = p.id GROUP BY payment_id")}) r ON TRUE
            WHERE p.order_id = o.id
        ) money"""
        mine = "AND o.user_id = %(customer_id)s" if one_customer else f"AND o.user_id IN ({among})"
    else:
        money_source = f"""LEFT JOIN (
            SELECT p.order_id,
                   SUM(p.captured_amount) FILTER (WHERE p.charge_status IN ({charged})) AS captured,
                   SUM(r.refunded) AS refunded
            FROM {payments} p LEFT JOIN ({refunds}) r ON r.payment_id = p.id
            GROUP BY p.order_id
        ) money ON money.order_id = o.id"""
        mine = ""
    return f"""
        SELECT o.id AS order_id, o.user_id AS customer_id, o.created, o.currency,
               GREATEST(o.total_gross_amount - COALESCE(money.refunded, 0), 0) AS spent, o.language_code
        FROM {db_table("order.Order")} o
        {money_source}
        WHERE o.user_id IS NOT NULL {mine}
          AND o.status NOT IN ('draft', 'canceled')
          AND COALESCE(money.captured, 0) + COALESCE(money.refunded, 0) >= o.total_gross_amount
          AND (COALESCE(money.refunded, 0) < o.total_gross_amount OR o.total_gross_amount = 0)
    """


def insight_touched_customers_sql() -> str:
    """Customers whose orders may have changed since ``%(since)s``: an order placed, an order
    event (2.10 writes one for every payment, refund, cancellation and fulfilment), a payment
    or a payment transaction. Column: customer_id."""
    orders = db_table("order.Order")
    return f"""
        SELECT o.user_id AS customer_id FROM {orders} o
        WHERE o.user_id IS NOT NULL AND o.created >= %(since)s
        UNION
        SELECT o.user_id FROM {db_table("order.OrderEvent")} e
        JOIN {orders} o ON o.id = e.order_id
        WHERE e.date >= %(since)s AND o.user_id IS NOT NULL
        UNION
        SELECT o.user_id FROM {db_table("payment.Payment")} p
        JOIN {orders} o ON o.id = p.order_id
        WHERE p.modified >= %(since)s AND o.user_id IS NOT NULL
        UNION
        SELECT o.user_id FROM {db_table("payment.Transaction")} t
        JOIN {db_table("payment.Payment")} p ON p.id = t.payment_id
        JOIN {orders} o ON o.id = p.order_id
        WHERE t.created >= %(since)s AND o.user_id IS NOT NULL
    """


# --- the database: one connection, nothing to ask for ----------------------------------------


def writer_allowed() -> contextlib.AbstractContextManager[None]:
    """Saleor 2.10 has no reader / writer split: every query may write."""
    return contextlib.nullcontext()


# Saleor's type of an order id, for the insight's own copy of the paid orders (which holds it as
# text, the same column on either line).
INSIGHT_ORDER_ID_TYPE = "bigint"


def insight_order_costs_sql() -> str:
    """What the goods of each order in ``paid`` (a CTE of ``insight_paid_orders_sql``) cost the
    store, where Saleor knows: 2.10 keeps a cost price on the variant
    (``ProductVariant.cost_price_amount``). A line whose variant has none adds nothing; an order
    none of whose lines has one is left out (its margin is unknown, not its whole spend).
    Columns: order_id, cost."""
    return f"""
        SELECT paid.order_id, SUM(v.cost_price_amount * l.quantity) AS cost
        FROM paid
        JOIN {db_table("order.OrderLine")} l ON l.order_id = paid.order_id
        JOIN {db_table("product.ProductVariant")} v ON v.id = l.variant_id
        WHERE v.cost_price_amount IS NOT NULL
        GROUP BY paid.order_id
    """
