"""What only Saleor 3.x does (read from 3.21): UUID order ids with a ``number``, ``created_at``,
orders in a channel with its currency, the charged sum and ``charge_status`` on the order; refunds
as transaction events, granted refunds or (legacy gateways) payment order events; vouchers with
their codes in ``VoucherCode`` and values per channel in ``VoucherChannelListing``; gift cards with
``created_by`` / ``used_by`` and ``expiry_date``; the checkout calculations that take a
``CheckoutInfo``. ``saleor_adapter`` imports this module when it runs inside Saleor 3.x; the names
are those of ``saleor2``."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .facts import ZERO, RefundFacts, RefundVoidFacts
from .tables import db_table
from .transaction_refunds import EVENT_TYPES as _REFUND_EVENT_TYPES
from .transaction_refunds import GRANTED_REFUND_DONE as _GRANTED_REFUND_DONE
from .transaction_refunds import REFUND_SUCCESS as _REFUND_SUCCESS
from .transaction_refunds import GrantedRefundRow, RefundEventRow, merge_refunds, voided_refunds

ORDER_CREATED_AT = "created_at"

# Every checkout mutation of 3.x (lines, promo codes, customer, delivery, addresses, e-mail, ...)
# calls the plugins' ``checkout_updated`` once it has committed, while ``calculate_checkout_total``
# reaches a plugin only on a channel whose taxes a plugin computes (``TAX_APP``; never on
# ``FLAT_RATES``): a changed checkout is heard of through ``checkout_updated``.
CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED = True

_PAID_CHARGE_STATUSES = ("full", "overcharged")  # OrderChargeStatus
# Legacy payments (``Payment``, still used by plugin gateways) on which money was ever taken.
_EVER_CHARGED_PAYMENT_STATUSES = (
    "partially-charged",
    "fully-charged",
    "partially-refunded",
    "fully-refunded",
)
_CHARGE_SUCCESS = "charge_success"  # TransactionEventType.CHARGE_SUCCESS


def is_order_id(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def is_order_line_id(value: Any) -> bool:
    return is_order_id(value)  # order lines have UUID keys too


def order_token(order: Any) -> str:
    return str(order.pk)  # 3.x made the old token the order's id


def order_number(order: Any) -> str:
    return str(order.number)


def order_created_at(order: Any) -> datetime:
    return order.created_at


def order_channel(order: Any) -> str | None:
    channel = order.channel  # the order's currency is the channel's
    return channel.slug if channel is not None else None


def order_voucher_code(order: Any) -> str | None:
    return order.voucher_code or None  # the code as entered, kept on the order


def paid_amount(order: Any) -> Decimal:
    # Charged through transactions and payments alike, refunds taken off (Saleor keeps it).
    return Decimal(order.total_charged_amount)


def is_fully_paid(order: Any) -> bool:
    return order.charge_status in _PAID_CHARGE_STATUSES


def fully_paid(orders: Any) -> Any:
    return orders.filter(charge_status__in=_PAID_CHARGE_STATUSES)


def ever_charged(orders: Any) -> bool:
    """Money taken at some point: the order's charge status now, a successful charge on one of
    its transactions, or a charged legacy payment (an order refunded in full reads "none")."""
    from saleor.payment.models import Payment, TransactionEvent

    pks = orders.values("pk")
    return (
        orders.exclude(charge_status="none").exists()
        or TransactionEvent.objects.filter(
            transaction__order_id__in=pks, type=_CHARGE_SUCCESS, amount_value__gt=0
        ).exists()
        or Payment.objects.filter(
            order_id__in=pks, charge_status__in=_EVER_CHARGED_PAYMENT_STATUSES
        ).exists()
    )


def _refund_event_rows(order: Any) -> list[RefundEventRow]:
    """The order's refund (success, failure, reverse) and chargeback events that count in
    Saleor's calculations."""
    from saleor.payment.models import TransactionEvent

    return [
        RefundEventRow(
            pk=event.pk,
            transaction_id=str(event.transaction_id),
            type=event.type,
            psp_reference=event.psp_reference or "",
            amount=Decimal(event.amount_value),
            currency=event.currency,
            created=event.created_at,
            granted_refund_id=event.related_granted_refund_id,
        )
        for event in TransactionEvent.objects.filter(
            transaction__order_id=order.pk,
            type__in=_REFUND_EVENT_TYPES,
            include_in_calculations=True,
        )
    ]


def order_refunds(order: Any) -> list[RefundFacts]:
    """Every refund of the order, oldest first, each once: transaction refund events and
    chargebacks, granted refunds done without one, and legacy payments' ``payment_refunded``
    order events (the rule is ``transaction_refunds.merge_refunds``). A manual adjustment that
    lowers the refunded amount (a negative refund event) is not a refund: it takes back part of
    earlier ones (``order_refunds_and_voids``)."""
    return order_refunds_and_voids(order)[0]


def order_refunds_and_voids(order: Any) -> tuple[list[RefundFacts], list[RefundVoidFacts]]:
    """(``order_refunds``, the money of those refunds that came back to the merchant: a newer
    ``refund_failure`` under the same PSP reference (the whole refund), a ``refund_reverse``
    under it, a negative manual adjustment, a smaller later chargeback), from one read of the
    transaction events (``transaction_refunds.voided_refunds``)."""
    from saleor.order import OrderEvents

    events = _refund_event_rows(order)
    # a granted refund is done only through a success event linked to it: that event counts
    granted = [
        GrantedRefundRow(
            pk=grant.pk,
            status=grant.status,
            amount=Decimal(grant.amount_value),
            currency=grant.currency,
            created=grant.created_at,
        )
        for grant in order.granted_refunds.filter(status=_GRANTED_REFUND_DONE).exclude(
            transaction_events__type=_REFUND_SUCCESS
        )
    ]
    payments = [
        RefundFacts(
            refund_id=f"order-event-{event.pk}",
            order_id=str(order.pk),
            amount=Decimal(str((event.parameters or {}).get("amount", "0"))),
            currency=order.currency,
            created=event.date,
        )
        for event in order.events.filter(type=OrderEvents.PAYMENT_REFUNDED)
    ]
    refunds = merge_refunds(str(order.pk), events=events, granted=granted, payment_refunds=payments)
    return refunds, voided_refunds(str(order.pk), events=events)


def orders_refunded_since(since: datetime) -> list[str]:
    from saleor.order import OrderEvents
    from saleor.order.models import OrderEvent, OrderGrantedRefund
    from saleor.payment.models import TransactionEvent

    ids = set(
        OrderEvent.objects.filter(type=OrderEvents.PAYMENT_REFUNDED, date__gte=since).values_list(
            "order_id", flat=True
        )
    )
    ids |= set(
        TransactionEvent.objects.filter(
            type__in=_REFUND_EVENT_TYPES,
            created_at__gte=since,
            transaction__order_id__isnull=False,
        ).values_list("transaction__order_id", flat=True)
    )
    ids |= set(
        OrderGrantedRefund.objects.filter(
            status=_GRANTED_REFUND_DONE, updated_at__gte=since
        ).values_list("order_id", flat=True)
    )
    return sorted(str(pk) for pk in ids)


def _price_arguments(checkout: Any) -> dict[str, Any]:
    """What Saleor's calculations take for a ``Checkout`` (a manager, its info, its lines)."""
    from saleor.checkout.fetch import fetch_checkout_info, fetch_checkout_lines
    from saleor.plugins.manager import get_plugins_manager

    manager = get_plugins_manager(allow_replica=False)
    lines, _unavailable = fetch_checkout_lines(checkout)
    info = fetch_checkout_info(checkout, lines, manager)
    address = checkout.shipping_address or checkout.billing_address
    return {"manager": manager, "checkout_info": info, "lines": lines, "address": address}


def checkout_prices(checkout: Any) -> tuple[Any, Any, Decimal]:
    """(subtotal, shipping) as TaxedMoney, and what remains to pay after vouchers and gift cards,
    through the calculations Saleor's own ``Checkout`` type uses (prices are recalculated when
    Saleor's cached ones have expired)."""
    from saleor.checkout import calculations

    prices = _price_arguments(checkout)
    subtotal = calculations.checkout_subtotal(**prices)
    shipping = calculations.checkout_shipping_price(**prices)
    to_pay = calculations.calculate_checkout_total_with_gift_cards(**prices)
    return subtotal, shipping, max(ZERO, Decimal(to_pay.gross.amount))


def create_points_gift_card(
    *, code: str, amount: Decimal, currency: str, customer_id: str, ends_on: date
) -> None:
    """Bound to the customer as its buyer and user, so it shows in their ``giftCards``."""
    from saleor.account.models import User
    from saleor.giftcard.models import GiftCard

    email = User.objects.filter(pk=customer_id).values_list("email", flat=True).first()
    GiftCard.objects.create(
        code=code,
        created_by_id=customer_id,
        created_by_email=email,
        used_by_id=customer_id,
        used_by_email=email,
        initial_balance_amount=amount,
        current_balance_amount=amount,
        currency=currency,
        expiry_date=ends_on,
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
    """One voucher, its one code, and its value and minimum spend in every channel that sells in
    ``currency`` (a card is printed in the order's currency, so it works where that money is
    taken). No channel in that currency: ``ValueError``, nothing created."""
    from saleor.channel.models import Channel
    from saleor.discount.models import Voucher, VoucherChannelListing, VoucherCode

    channels = list(Channel.objects.filter(currency_code=currency).order_by("pk"))
    if not channels:
        raise ValueError(f"no Saleor channel sells in {currency}")
    voucher = Voucher.objects.create(
        name=name,
        type=voucher_type,
        discount_value_type=value_type,
        usage_limit=1,
        single_use=True,
        start_date=starts_at,
        end_date=ends_at,
    )
    VoucherCode.objects.create(code=code, voucher=voucher)  # unique: a taken code raises
    VoucherChannelListing.objects.bulk_create(
        VoucherChannelListing(
            voucher=voucher,
            channel=channel,
            discount_value=discount,
            currency=currency,
            min_spent_amount=min_spent,
        )
        for channel in channels
    )


def end_voucher(code: str, *, at: datetime) -> bool:
    from saleor.discount.models import Voucher

    return bool(Voucher.objects.filter(codes__code=code).update(end_date=at))


def plugin_configuration_row(plugin_id: str) -> Any | None:
    from saleor.plugins.models import PluginConfiguration

    # The global row: the plugin is not configured per channel.
    return PluginConfiguration.objects.filter(identifier=plugin_id, channel__isnull=True).first()


# --- points gift cards: what the cap is measured against, and what cards took off an order -----

_GIFT_CARD_USED_IN_ORDER = "used_in_order"  # GiftCardEvents.USED_IN_ORDER


def checkout_voucher_discount(checkout: Any) -> Decimal:
    """Nothing to take off the subtotal: 3.x spreads a voucher over the lines, so Saleor's
    subtotal (``checkout_subtotal``, the sum of the line totals) is already after it."""
    return ZERO


def points_checkout_subtotal(checkout_or_info: Any, lines: Any = None) -> Decimal:
    """A ``CheckoutInfo`` (``preprocess_order_creation``, inside ``checkoutComplete``, which has
    just brought the prices up to date): Saleor's stored subtotal, no recalculation. A plain
    ``Checkout`` (``checkout_updated``, after a mutation that only marked its prices expired):
    the subtotal through Saleor's calculations, which recalculate expired prices and store them
    (on a ``TAX_APP`` channel they ask the plugins' ``calculate_checkout_total``, which on 3.x
    returns at once, so nothing recurses)."""
    if hasattr(checkout_or_info, "checkout"):
        return Decimal(checkout_or_info.checkout.subtotal_gross_amount)
    from saleor.checkout import calculations

    subtotal = calculations.checkout_subtotal(**_price_arguments(checkout_or_info))
    return Decimal(subtotal.gross.amount)


def order_gift_card_discount(order: Any) -> Decimal:
    """What all gift cards took off the order: 3.x writes a "used in order" event per card with
    its balance before and after (the order's total stays before the cards)."""
    from saleor.giftcard.models import GiftCardEvent

    taken = ZERO
    for parameters in GiftCardEvent.objects.filter(
        order_id=order.pk, type=_GIFT_CARD_USED_IN_ORDER
    ).values_list("parameters", flat=True):
        balance = (parameters or {}).get("balance") or {}
        before = Decimal(str(balance.get("old_current_balance") or 0))
        after = Decimal(str(balance.get("current_balance") or 0))
        taken += max(ZERO, before - after)
    return taken


# --- points cards in a channel: when a changed checkout's gift cards need reading at all --------
# Fitting a points card to a changed checkout starts by reading the checkout's gift cards: one
# query per checkout mutation, which every store would pay even if no shopper ever spent points.
# A channel in which the plugin has seen a points card carries a mark in its private metadata
# (the channel row Saleor has loaded by the time it calls ``checkout_updated``), and every gift
# card Saleor adds to a checkout is heard through ``m2m_changed``; with neither, no points card
# can be on the checkout and the read is skipped. ``checkoutComplete`` reads the cards always.
_POINTS_CARDS_MARK = "saleor_retention.points_cards"
_GIFT_CARDS_ADDED_LIMIT = 10_000
# Checkouts Saleor added a gift card to in this process, until their next check (a request's
# add and its ``checkout_updated`` run in the same process); bounded, since a lost entry only
# defers the fit to the card's next check and ``checkoutComplete``.
_gift_cards_added: set[Any] = set()


def _loaded_channel(checkout: Any) -> Any | None:
    """The checkout's channel if Saleor has loaded it on this object (no query), else None."""
    return checkout._state.fields_cache.get("channel")


def checkout_may_hold_points_card(checkout_or_info: Any) -> bool:
    """False only when it is known without a query that no points card is on the checkout."""
    checkout = getattr(checkout_or_info, "checkout", checkout_or_info)
    if checkout.pk in _gift_cards_added:
        _gift_cards_added.discard(checkout.pk)
        return True
    channel = _loaded_channel(checkout)
    if channel is None:
        return True  # not known without a query: read the cards
    return _POINTS_CARDS_MARK in (channel.private_metadata or {})


def mark_points_cards_channel(checkout_or_info: Any) -> None:
    """Mark the checkout's channel as one where points cards are spent (once; a JSON merge in
    the database, so Saleor's own metadata on the channel is kept)."""
    from django.db import connection, transaction

    checkout = getattr(checkout_or_info, "checkout", checkout_or_info)
    channel = _loaded_channel(checkout)
    if channel is not None and _POINTS_CARDS_MARK in (channel.private_metadata or {}):
        return
    # a savepoint, so a failure here cannot spoil the transaction of Saleor's mutation
    with writer_allowed(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {db_table('channel.Channel')} SET private_metadata = "  # noqa: S608 - a model's table
            "COALESCE(private_metadata, '{}'::jsonb) || jsonb_build_object(%s::text, '1') "
            "WHERE id = %s AND NOT COALESCE(private_metadata ? %s, false)",
            [_POINTS_CARDS_MARK, checkout.channel_id, _POINTS_CARDS_MARK],
        )
    if channel is not None:
        channel.private_metadata = {**(channel.private_metadata or {}), _POINTS_CARDS_MARK: "1"}


def _on_checkout_gift_cards_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action != "post_add":
        return
    if len(_gift_cards_added) >= _GIFT_CARDS_ADDED_LIMIT:
        _gift_cards_added.clear()
    _gift_cards_added.update((pk_set or ()) if reverse else (instance.pk,))


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed
    from saleor.checkout.models import Checkout

    m2m_changed.connect(
        _on_checkout_gift_cards_changed,
        sender=Checkout.gift_cards.through,
        dispatch_uid="retention_checkout_gift_cards_changed",
    )


# --- insight: the paid orders as SQL ------------------------------------------------------------
#
# Paid (Saleor 3.x), the same rule as on 2.10: a real order (not a draft, not cancelled, not an
# expired unpaid one) whose money taken at some point (Saleor's ``total_charged_amount``, which
# refunds lower, plus what was refunded since) covers its total, and that is not refunded in
# full. Its spend is the total minus what was refunded. Refunded money: the transactions'
# ``refunded_value`` (Saleor's sum of their refund events, granted refunds sent to the payment
# app included) and the successful refunds of legacy payments.


def insight_supported() -> bool:
    """The customer files are built on 3.x too."""
    return True


def insight_paid_orders_sql(*, one_customer: bool = False, among: str | None = None) -> str:
    """Columns: order_id (a UUID here), customer_id, created, currency, spent, language_code.

    For one customer (or those of ``among``, a SELECT of customer ids) each order's refunds are
    looked up through the order indexes; for everyone they are summed once and hash-joined."""
    orders, items = db_table("order.Order"), db_table("payment.TransactionItem")
    payments, transactions = db_table("payment.Payment"), db_table("payment.Transaction")
    payment_refunds = f"""FROM {payments} p JOIN {transactions} t ON t.payment_id = p.id
        WHERE t.kind = 'refund' AND t.is_success"""
    if one_customer or among:
        mine = "AND o.user_id = %(customer_id)s" if one_customer else f"AND o.user_id IN ({among})"
        # one customer's few orders: each one's refunds looked up through the order indexes
        money_source = f"""CROSS JOIN LATERAL (
            SELECT COALESCE((SELECT SUM(refunded_value) FROM {items} WHERE order_id = o.id), 0)
                 + COALESCE((SELECT SUM(t.amount) {payment_refunds} AND p.order_id = o.id), 0)
                 AS refunded
        ) money"""
    else:
        mine = ""
        money_source = f"""LEFT JOIN (
            SELECT order_id, SUM(refunded) AS refunded FROM (
                SELECT order_id, SUM(refunded_value) AS refunded FROM {items}
                WHERE order_id IS NOT NULL GROUP BY order_id
                UNION ALL
                SELECT p.order_id, SUM(t.amount) {payment_refunds} GROUP BY p.order_id
            ) both_kinds GROUP BY order_id
        ) money ON money.order_id = o.id"""
    refunded = "COALESCE(money.refunded, 0)"
    return f"""
        SELECT o.id AS order_id, o.user_id AS customer_id, o.{ORDER_CREATED_AT} AS created,
               o.currency, GREATEST(o.total_gross_amount - {refunded}, 0) AS spent, o.language_code
        FROM {orders} o
        {money_source}
        WHERE o.user_id IS NOT NULL {mine}
          AND o.status NOT IN ('draft', 'canceled', 'expired')
          AND o.total_charged_amount + {refunded} >= o.total_gross_amount
          AND ({refunded} < o.total_gross_amount OR o.total_gross_amount = 0)
    """


def insight_touched_customers_sql() -> str:
    """Customers whose orders may have changed since ``%(since)s``: 3.x stamps ``updated_at`` on
    every order save (charge status, refunds, cancellation, fulfilment), and its payments,
    transaction items and granted refunds carry their own change times. Column: customer_id."""
    orders = db_table("order.Order")
    return f"""
        SELECT o.user_id AS customer_id FROM {orders} o
        WHERE o.user_id IS NOT NULL AND (o.{ORDER_CREATED_AT} >= %(since)s OR o.updated_at >= %(since)s)
        UNION
        SELECT o.user_id FROM {db_table("order.OrderEvent")} e
        JOIN {orders} o ON o.id = e.order_id
        WHERE e.date >= %(since)s AND o.user_id IS NOT NULL
        UNION
        SELECT o.user_id FROM {db_table("payment.Payment")} p
        JOIN {orders} o ON o.id = p.order_id
        WHERE p.modified_at >= %(since)s AND o.user_id IS NOT NULL
        UNION
        SELECT o.user_id FROM {db_table("payment.TransactionItem")} t
        JOIN {orders} o ON o.id = t.order_id
        WHERE t.modified_at >= %(since)s AND o.user_id IS NOT NULL
    """


# --- the database: the writer, asked for where the plugin writes on a read query's path ---------


def writer_allowed() -> contextlib.AbstractContextManager[None]:
    """Saleor 3's ``allow_writer()``: read queries run on the replica, and with
    ``ENABLE_RESTRICT_WRITER_MIDDLEWARE`` (always in Saleor's own tests) a query on the writer
    outside this block is refused or logged. The plugin asks for it only where a read query's
    path must write (fitting a points card to the checkout when Saleor recalculates its total)."""
    from saleor.core.db.connection import allow_writer

    return allow_writer()


# Saleor's type of an order id (a UUID on 3.x), for the insight's own copy of the paid orders
# (which holds it as text, the same column on either line).
INSIGHT_ORDER_ID_TYPE = "uuid"


def insight_order_costs_sql() -> str:
    """What the goods of each order in ``paid`` (a CTE of ``insight_paid_orders_sql``) cost the
    store, where Saleor knows: 3.x keeps the cost price per channel
    (``ProductVariantChannelListing.cost_price_amount``, in the channel's currency), so a line
    costs its variant's listing in the order's channel. A line without one adds nothing; an
    order none of whose lines has one is left out. Columns: order_id, cost. (Checked on Saleor
    3.21.69 against a hand-computed sum, docs/saleor3.md.)"""
    return f"""
        SELECT paid.order_id, SUM(cl.cost_price_amount * l.quantity) AS cost
        FROM paid
        JOIN {db_table("order.Order")} o ON o.id = paid.order_id
        JOIN {db_table("order.OrderLine")} l ON l.order_id = paid.order_id
        JOIN {db_table("product.ProductVariantChannelListing")} cl
          ON cl.variant_id = l.variant_id AND cl.channel_id = o.channel_id
        WHERE cl.cost_price_amount IS NOT NULL
        GROUP BY paid.order_id
    """
