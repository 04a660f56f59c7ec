"""Plain, frozen values the adapter hands to the services: the same on every Saleor line."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

ZERO = Decimal("0")

# An address as a household (see ``customer_address_keys``).
AddressKey = tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class CustomerFacts:
    id: str
    email: str
    first_name: str
    last_name: str
    is_staff: bool
    language_code: str
    date_joined: datetime | None
    birthday: date | None  # Saleor has no birthday field; the plugin keeps its own


@dataclasses.dataclass(frozen=True)
class OrderLineFacts:
    id: str
    product_id: str | None
    variant_id: str | None
    sku: str
    quantity: int
    quantity_fulfilled: int
    unit_price_gross: Decimal
    unit_price_net: Decimal


@dataclasses.dataclass(frozen=True)
class OrderFacts:
    id: str
    number: str
    token: str
    customer_id: str | None
    customer_email: str
    currency: str
    status: str
    language_code: str
    channel: str | None  # None on Saleor 2.10, which has no channels
    total_gross: Decimal
    total_net: Decimal
    shipping_gross: Decimal
    shipping_net: Decimal
    tax: Decimal
    paid_amount: Decimal
    is_fully_paid: bool
    voucher_code: str | None
    gift_card_codes: tuple[str, ...]
    lines: tuple[OrderLineFacts, ...]
    created: datetime


REFUND = "refund"  # RefundFacts.cause: money sent back to the customer
CHARGEBACK = "chargeback"  # the customer's bank took the money back (Saleor 3.x CHARGE_BACK)
# RefundVoidFacts.cause: what took a refund's money back to the merchant
VOID_FAILURE = "failure"  # the PSP failed the refund after reporting it done: all of it
VOID_REVERSE = "reverse"  # REFUND_REVERSE under the refund's PSP reference: its amount
VOID_ADJUSTMENT = "adjustment"  # transactionUpdate lowered amountRefunded: part of a refund
VOID_CHARGEBACK = "chargeback"  # a later CHARGE_BACK under the reference names a smaller sum


@dataclasses.dataclass(frozen=True)
class RefundFacts:
    """One refund of an order: ``refund_id`` is stable across replays (the idempotency key).
    A chargeback counts as a refund of its amount (``cause``)."""

    refund_id: str
    order_id: str
    amount: Decimal
    currency: str
    created: datetime
    cause: str = REFUND


@dataclasses.dataclass(frozen=True)
class RefundVoidFacts:
    """Money of a refund that came back to the merchant (Saleor 3.x): the whole refund when
    ``void_id`` is empty (a failure after its success), else ``amount`` of it, ``void_id``
    naming the Saleor row that took it back (a reverse, a lowered manual amount). The pair
    (``refund_id``, ``void_id``) is stable across replays (the idempotency key)."""

    refund_id: str
    void_id: str
    order_id: str
    amount: Decimal
    currency: str
    created: datetime
    cause: str = VOID_FAILURE

    @property
    def whole(self) -> bool:
        return not self.void_id


@dataclasses.dataclass(frozen=True)
class FulfillmentFacts:
    id: str
    order_id: str
    sequence: int  # 1 for an order's first parcel
    status: str
    line_ids: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class CheckoutFacts:
    token: str
    customer_id: str | None
    currency: str
    subtotal_gross: Decimal
    subtotal_net: Decimal
    shipping_gross: Decimal
    total_gross: Decimal  # what remains to pay: after vouchers and gift cards
    gift_card_codes: tuple[str, ...]
    voucher_discount: Decimal = ZERO  # Saleor's checkout.discount (vouchers), gross


@dataclasses.dataclass(frozen=True)
class PointsCheckoutFacts:
    """What the points cap is measured against, without Saleor's total (whose hook asks)."""

    token: str
    customer_id: str | None
    currency: str
    subtotal_gross: Decimal
    voucher_discount: Decimal
    gift_card_codes: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class CardOrderFacts:
    id: str
    checkout_token: str
    customer_id: str | None
    gift_card_discount: Decimal  # what all gift cards took off this order


@dataclasses.dataclass(frozen=True)
class PointsCardFacts:
    code: str
    initial_balance: Decimal
    current_balance: Decimal
    orders: tuple[CardOrderFacts, ...]  # the orders that used the card

    @property
    def used(self) -> Decimal:
        return self.initial_balance - self.current_balance


@dataclasses.dataclass(frozen=True)
class ForumAuthorFacts:
    customer_id: str
    first_name: str
    last_name: str
    is_staff: bool
    is_active: bool


@dataclasses.dataclass(frozen=True)
class ReviewableLineFacts:
    """An order line as the reviews domain sees it: what was bought, by whom, how far shipped."""

    line_id: str
    order_id: str
    order_status: str
    customer_id: str | None
    author_name: str  # "Mei L.": first name and the last name's initial; "" when unknown
    product_id: str
    product_name: str
    variant_id: str
    variant_name: str
    quantity_fulfilled: int
    channel: str | None = None  # the order's channel (3.x): Saleor's Product type prices in it
