"""One small class per card kind: what its value may be, the Saleor voucher that carries it and
the line printed on the card. The stored ``kind`` (``CardKind``) picks the class from
``KINDS``; a new kind is one class registered here, its ``CardKind`` choice and its template.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext as _

from ..errors import RetentionError, RetentionErrorCode
from ..validators import invalid
from .models import CardKind

if TYPE_CHECKING:
    from .models import LoyaltyCard

HUNDRED = Decimal("100")
MAX_MONEY = Decimal("1000000")
MAX_BONUS_POINTS = 1_000_000


def _invalid_value(message: str) -> RetentionError:
    return invalid(message, "value")


class CardKindStrategy:
    """The defaults are a percentage off the entire order; each kind overrides what differs."""

    kind: ClassVar[str]  # a CardKind value
    # what the Saleor voucher applies to and how its value counts (saleor_adapter maps them)
    voucher_applies_to: ClassVar[str] = "entire_order"
    voucher_value_type: ClassVar[str] = "percentage"

    def clean_value(self, value: Decimal) -> Decimal:
        """The value a program of this kind stores; refuses one the kind cannot have."""
        return value

    def check_min_spend(self, value: Decimal, min_spend: Decimal | None) -> None:
        """Refuse a minimum spend (already checked as an amount) the kind cannot work with."""

    def voucher_discount(self, value: Decimal) -> Decimal:
        return value

    def headline(self, card: LoyaltyCard) -> str:
        raise NotImplementedError


KINDS: dict[str, CardKindStrategy] = {}


def register(strategy: type[CardKindStrategy]) -> type[CardKindStrategy]:
    KINDS[strategy.kind] = strategy()
    return strategy


def strategy_for(kind: str) -> CardKindStrategy:
    """The class of a stored kind; ``KeyError`` for a name no class is registered under."""
    return KINDS[str(kind)]


@register
class PercentageOff(CardKindStrategy):
    kind = str(CardKind.PERCENTAGE)

    def clean_value(self, value: Decimal) -> Decimal:
        if not Decimal("0") < value <= HUNDRED:
            raise _invalid_value(_("A percentage must be above 0 and at most 100."))
        return value

    def headline(self, card: LoyaltyCard) -> str:
        return _("%(percent)s%% off your next order") % {"percent": f"{card.value.normalize():f}"}


@register
class FixedAmountOff(CardKindStrategy):
    kind = str(CardKind.FIXED)
    voucher_value_type = "fixed"

    def clean_value(self, value: Decimal) -> Decimal:
        if not Decimal("0") < value <= MAX_MONEY:
            raise _invalid_value(_("An amount must be above 0 and at most 1,000,000."))
        return value

    def check_min_spend(self, value: Decimal, min_spend: Decimal | None) -> None:
        # an amount off bigger than the order would give money away
        if min_spend is None:
            raise invalid(
                _("A fixed-amount card needs a minimum spend."),
                "minSpend",
                RetentionErrorCode.REQUIRED,
            )
        if min_spend < value:
            raise invalid(_("The minimum spend must be at least the amount off."), "minSpend")

    def headline(self, card: LoyaltyCard) -> str:
        return _("Save %(amount)s on your next order") % {
            "amount": f"{card.value:.2f} {card.currency}"
        }


@register
class FreeShipping(CardKindStrategy):
    """Saleor 2.10 has no free-shipping voucher: a shipping voucher at 100 % is one."""

    kind = str(CardKind.FREE_SHIPPING)
    voucher_applies_to = "shipping"

    def clean_value(self, value: Decimal) -> Decimal:
        return HUNDRED

    def voucher_discount(self, value: Decimal) -> Decimal:
        return HUNDRED

    def headline(self, card: LoyaltyCard) -> str:
        return _("Free shipping on your next order")


@register
class BonusPoints(CardKindStrategy):
    """A 0 % voucher: the code takes nothing off, but Saleor's promo-code flow checks it, uses it
    up and records it on the order, which then earns the card's points (``cards.services``)."""

    kind = str(CardKind.BONUS_POINTS)

    def clean_value(self, value: Decimal) -> Decimal:
        if value != value.to_integral_value() or not 1 <= value <= MAX_BONUS_POINTS:
            raise _invalid_value(_("Bonus points are a whole number from 1 to 1,000,000."))
        return value

    def voucher_discount(self, value: Decimal) -> Decimal:
        return Decimal("0")

    def headline(self, card: LoyaltyCard) -> str:
        return _("%(points)s bonus points on your next order") % {"points": f"{card.value:,.0f}"}
