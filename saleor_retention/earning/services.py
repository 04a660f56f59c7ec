"""Points earned on paid orders, and taken back when the order is refunded or cancelled.

Built on the ledger's public write API (``ledger.services``): the earn is a ``credit`` under
``earn:order:<id>``, each refund and the cancellation a ``reverse`` under its own key.

Rounding (written down once): points are integers; earning floors
``eligible amount x rate x multiplier``; a partial refund reverses
``trunc(earned x refunded so far / paid)`` minus what was already reversed, so several refunds
in any order end at the same total. Money of a refund that comes back to the merchant (Saleor
3.x: a failure, a reverse, a lowered manual amount) lowers "refunded so far" by what is left of
that refund at most, and gives back what was reversed above the new target, so the same holds
for those, in any order with their refunds.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from .. import lock_objects
from ..conf import RetentionSettings
from ..ledger import selectors as ledger_selectors
from ..ledger import services as ledger
from ..ledger.models import EntryType, LedgerEntry, LoyaltyAccount, PointLot

# System reasons are stored as English message ids and translated when shown
# (graphql/ledger/types.py), so history reads in the shopper's language, not the worker's.
from ..saleor_adapter import OrderFacts
from ..saleor_adapter.facts import (
    CHARGEBACK,
    VOID_ADJUSTMENT,
    VOID_CHARGEBACK,
    VOID_FAILURE,
    VOID_REVERSE,
)
from ..tiers.services import current_multiplier

logger = logging.getLogger(__name__)


def eligible_amount(order: OrderFacts, settings: RetentionSettings) -> Decimal:
    """What earns points: the order's total (net of tax unless tax earns), minus shipping unless
    shipping earns, scaled to the share actually paid with money (gift cards are not payments)."""
    base = order.total_gross if settings.earn_on_tax else order.total_net
    if not settings.earn_on_shipping:
        base -= order.shipping_gross if settings.earn_on_tax else order.shipping_net
    if order.total_gross <= 0:
        return Decimal("0")
    paid_share = min(Decimal("1"), order.paid_amount / order.total_gross)
    return max(Decimal("0"), base * paid_share)


def points_for(amount: Decimal, rate: Decimal, multiplier: Decimal = Decimal("1")) -> int:
    return int((amount * rate * multiplier).to_integral_value(rounding=ROUND_DOWN))


def earn_key(order_id: str) -> str:
    return f"earn:order:{order_id}"


def cancel_key(order_id: str) -> str:
    return f"cancel:order:{order_id}"


@dataclasses.dataclass(frozen=True)
class EarnResult:
    points: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"points": self.points, "reason": self.reason}


def earn_for_order(order: OrderFacts, settings: RetentionSettings) -> EarnResult:
    """Points for a fully paid order, pending for the return window; once per order."""
    if order.customer_id is None:
        return EarnResult(0, "guest order: no account to credit")
    rate = settings.rate_for(order.currency)
    if rate is None:
        logger.info("retention: order %s in %s earns nothing (no rate)", order.id, order.currency)
        return EarnResult(0, f"no points rate for {order.currency}")
    with transaction.atomic():
        # Locked first: a cancellation of the order posting meanwhile waits, then sees the earn.
        account = lock_objects.account(ledger.get_or_create_account(order.customer_id).pk)
        already = ledger_selectors.entry_for_key(earn_key(order.id))
        if already is not None:
            return EarnResult(already.points, "already earned")
        if ledger_selectors.entry_for_key(cancel_key(order.id)) is not None:
            return EarnResult(0, "order was cancelled")
        amount = eligible_amount(order, settings)
        multiplier = current_multiplier(account.pk, settings)
        points = points_for(amount, rate, multiplier)
        entry = ledger.credit(
            customer_id=order.customer_id,
            points=points,
            type=EntryType.EARN,
            key=earn_key(order.id),
            settings=settings,
            pending_days=settings.pending_days,
            order_id=order.id,
            details={
                "order_number": order.number,
                "eligible_amount": str(amount),
                "paid_amount": str(order.paid_amount),
                "currency": order.currency,
                "rate": str(rate),
                "multiplier": str(multiplier),
            },
        )
        # Refunds processed before this earn (a worker may take tasks out of order) apply now.
        _reverse_towards_target(
            account,
            order.id,
            key=f"refund-catchup:order:{order.id}",
            policy=settings.negative_balance_policy,
        )
        return EarnResult(entry.points, "earned")


# --- reversals -------------------------------------------------------------------------------


def _reversal_target(order_id: str, extra_refund: Decimal = Decimal("0")) -> tuple[int, int]:
    """(points that should be reversed by now, points reversed so far) for an order."""
    earn = ledger_selectors.entry_for_key(earn_key(order_id))
    reversals = LedgerEntry.objects.filter(order_id=order_id, type=EntryType.REVERSAL)
    already = sum(int(e.details.get("reversal_points", 0)) for e in reversals)
    if earn is None or earn.points == 0:
        return 0, already
    if any(e.details.get("cancelled") for e in reversals):
        return earn.points, already
    refunded = extra_refund + sum(
        (Decimal(e.details.get("refund_amount", "0")) for e in reversals), Decimal("0")
    )
    paid = Decimal(earn.details.get("paid_amount", "0"))
    if paid <= 0:
        return 0, already
    share = max(Decimal("0"), min(Decimal("1"), refunded / paid))
    target = int((earn.points * share).to_integral_value(rounding=ROUND_DOWN))
    return target, already


def _reverse_towards_target(
    account: LoyaltyAccount,
    order_id: str,
    *,
    key: str,
    refund_id: str = "",
    refund_amount: Decimal = Decimal("0"),
    cancelled: bool = False,
    policy: str = "negative",
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> LedgerEntry | None:
    if cancelled:
        earn = ledger_selectors.entry_for_key(earn_key(order_id))
        already = _reversal_target(order_id)[1]
        target = earn.points if earn else 0
    else:
        target, already = _reversal_target(order_id, extra_refund=refund_amount)
    to_reverse = max(0, target - already)
    if to_reverse == 0 and not refund_id and not cancelled:
        return None  # nothing to catch up: post no empty entry
    details: dict[str, Any] = {"reversal_points": to_reverse}
    if refund_id:
        details.update(refund_id=refund_id, refund_amount=str(refund_amount))
    if cancelled:
        details["cancelled"] = True
    details.update(extra or {})
    if not reason:
        reason = gettext_noop("Order cancelled") if cancelled else gettext_noop("Order refunded")
    return ledger.reverse(
        account_id=account.pk,
        points=to_reverse,
        key=key,
        reason=reason,
        policy=policy,
        credit_key=earn_key(order_id),
        order_id=order_id,
        details=details,
    )


def _account_for_order(order_id: str, customer_id: str | None) -> LoyaltyAccount | None:
    earn = ledger_selectors.entry_for_key(earn_key(order_id))
    if earn is not None:
        return earn.account
    if customer_id is None:
        return None
    return ledger.get_or_create_account(customer_id)


def _locked_for_reversal(
    order_id: str, customer_id: str | None, key: str
) -> tuple[LoyaltyAccount | None, LedgerEntry | None]:
    """(the order's account, locked; the entry already posted under ``key``, if any)."""
    account = _account_for_order(order_id, customer_id)
    if account is None:
        return None, None
    return lock_objects.account(account.pk), ledger_selectors.entry_for_key(key)


_REFUND_REASONS = {CHARGEBACK: gettext_noop("Payment charged back")}


@transaction.atomic
def reverse_for_refund(
    *,
    order_id: str,
    customer_id: str | None,
    refund_id: str,
    amount: Decimal,
    settings: RetentionSettings,
    cause: str = "",
) -> LedgerEntry | None:
    """Take back the refunded share of an order's points, by the rate recorded when earned (a
    chargeback, ``cause``, the same way). Not for a refund already voided whole
    (``restore_for_voided_refund`` ran first); one part of which came back before this ran is
    reversed for the rest only."""
    key = refund_key(order_id, refund_id)
    account, existing = _locked_for_reversal(order_id, customer_id, key)
    if account is None or existing is not None:
        return existing
    if ledger_selectors.entry_for_key(refund_void_key(order_id, refund_id)) is not None:
        return None
    early = sum(
        (
            Decimal(entry.details.get("voided_amount", "0"))
            for entry in _voids_of(order_id, refund_id)
            if entry.details.get("before_refund")
        ),
        Decimal("0"),
    )
    net = max(Decimal("0"), amount - early)
    return _reverse_towards_target(
        account,
        order_id,
        key=key,
        refund_id=refund_id,
        refund_amount=net,
        policy=settings.negative_balance_policy,
        reason=_REFUND_REASONS.get(cause, ""),
        extra={"voided_before": str(early)} if early else None,
    )


def refund_key(order_id: str, refund_id: str) -> str:
    return f"refund:order:{order_id}:{refund_id}"


def refund_void_key(order_id: str, refund_id: str, void_id: str = "") -> str:
    """The whole refund's void, or (``void_id``: the Saleor event that took it) a part of it."""
    key = f"refund-void:order:{order_id}:{refund_id}"
    return f"{key}:{void_id}" if void_id else key


def _voids_of(order_id: str, refund_id: str) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            order_id=order_id, type=EntryType.REVERSAL, details__voids_refund=refund_id
        )
    )


def _pending_days_left(order_id: str) -> int:
    """Days the order's earned points are still pending (0 once they are available)."""
    earn = ledger_selectors.entry_for_key(earn_key(order_id))
    if earn is None:
        return 0
    lot = PointLot.objects.filter(entry=earn, status=PointLot.Status.PENDING).first()
    if lot is None:
        return 0
    return max(0, math.ceil((lot.available_at - timezone.now()).total_seconds() / 86400))


_VOID_REASONS = {
    VOID_FAILURE: gettext_noop("Refund cancelled by the payment provider"),
    VOID_REVERSE: gettext_noop("Refund reversed by the payment provider"),
    VOID_ADJUSTMENT: gettext_noop("Refunded amount lowered"),
    VOID_CHARGEBACK: gettext_noop("Chargeback lowered by the payment provider"),
}


@transaction.atomic
def restore_for_voided_refund(
    *,
    order_id: str,
    customer_id: str | None,
    refund_id: str,
    amount: Decimal,
    settings: RetentionSettings,
    void_id: str = "",
    cause: str = VOID_FAILURE,
) -> LedgerEntry | None:
    """Money of a refund came back to the merchant (Saleor 3.x): all of it (``void_id`` empty:
    the payment provider failed the refund after reporting it done) or ``amount`` of it (a
    reverse, a lowered manual amount; ``void_id`` names the event). The points reversed for
    that money come back, once (``refund-void:...``), pending as long as the order's own points
    still are: "refunded so far" drops by that money (never more than is left of the refund)
    and what was reversed above the order's new target is given back, so the order ends where
    it would had the money never been refunded. Its details carry the reversal with the
    opposite sign, so later refunds are measured without it.

    Processed before its refund's reversal (tasks may run out of order) it gives nothing and
    leaves its entry as a marker: a whole void stops the reversal (``reverse_for_refund``
    finds the key), a part is left out of the amount the reversal later takes."""
    key = refund_void_key(order_id, refund_id, void_id)
    account, existing = _locked_for_reversal(order_id, customer_id, key)
    if account is None or existing is not None or account.customer_id is None:
        return existing  # no account, already given back, or the customer was erased
    reversal = ledger_selectors.entry_for_key(refund_key(order_id, refund_id))
    voided_whole = bool(void_id) and (
        ledger_selectors.entry_for_key(refund_void_key(order_id, refund_id)) is not None
    )
    given, taken = 0, Decimal("0")
    if reversal is not None and not voided_whole:
        left = Decimal(reversal.details.get("refund_amount", "0")) + sum(
            (Decimal(e.details.get("refund_amount", "0")) for e in _voids_of(order_id, refund_id)),
            Decimal("0"),
        )
        taken = max(Decimal("0"), left if not void_id else min(amount, left))
        target, already = _reversal_target(order_id, extra_refund=-taken)
        given = max(0, already - target)
    return ledger.credit(
        customer_id=str(account.customer_id),
        points=given,
        type=EntryType.REVERSAL,
        key=key,
        settings=settings,
        pending_days=_pending_days_left(order_id),
        order_id=order_id,
        reason=_VOID_REASONS.get(cause, _VOID_REASONS[VOID_FAILURE]),
        details={
            "voids_refund": refund_id,
            "void_id": void_id,
            "reversal_points": -given,
            "refund_amount": str(-taken),
            "voided_amount": "0" if voided_whole else str(amount),
            "before_refund": reversal is None,
        },
    )


@transaction.atomic
def reverse_for_cancellation(
    *, order_id: str, customer_id: str | None, settings: RetentionSettings
) -> LedgerEntry | None:
    """Take back whatever the order still holds; also marks the order so a later earn is void."""
    key = cancel_key(order_id)
    account, existing = _locked_for_reversal(order_id, customer_id, key)
    if account is None or existing is not None:
        return existing
    return _reverse_towards_target(
        account, order_id, key=key, cancelled=True, policy=settings.negative_balance_policy
    )
