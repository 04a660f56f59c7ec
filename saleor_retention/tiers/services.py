"""Membership tiers: qualification over a rolling window (or lifetime), upgrades at once,
downgrades after a grace period, every change recorded.

What counts (``tier_basis``): "points" counts points earned on orders, net of their reversals;
"spend" counts the earning base of paid orders (the money that earned points), net of refunds,
in the store's first earning currency. Re-evaluated after every payment, refund and
cancellation, and daily (a rolling window moves on its own).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import ROUND_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .. import lock_objects
from ..conf import RetentionSettings, Tier
from ..ledger.models import EntryType, LedgerEntry, LoyaltyAccount
from .models import AccountTier, TierChange


@dataclasses.dataclass(frozen=True)
class TierStanding:
    tier: Tier | None
    next_tier: Tier | None
    measure: Decimal
    to_next: Decimal | None  # points or money still needed for the next tier
    downgrade_due_at: datetime | None


def _window_start(settings: RetentionSettings, now: datetime) -> datetime | None:
    if settings.tier_window_months <= 0:
        return None
    return now - relativedelta(months=settings.tier_window_months)


def qualifying_measure(account_id: int, settings: RetentionSettings, now: datetime) -> Decimal:
    entries = LedgerEntry.objects.filter(account_id=account_id).exclude(order_id="")
    start = _window_start(settings, now)
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    if settings.tier_basis == "points":
        total = entries.filter(type__in=[EntryType.EARN, EntryType.REVERSAL]).aggregate(
            s=Sum("points")
        )["s"]
        return Decimal(total or 0)
    currency = settings.primary_currency
    spent = sum(
        (
            Decimal(details.get("eligible_amount", "0"))
            for details in entries.filter(
                type=EntryType.EARN, details__currency=currency
            ).values_list("details", flat=True)
        ),
        Decimal("0"),
    )
    refunded = sum(
        (
            Decimal(details.get("refund_amount", "0"))
            for details in entries.filter(type=EntryType.REVERSAL).values_list("details", flat=True)
        ),
        Decimal("0"),
    )
    return max(Decimal("0"), spent - refunded)


def _qualified(settings: RetentionSettings, measure: Decimal) -> Tier | None:
    reached = [tier for tier in settings.tiers if measure >= tier.threshold]
    return reached[-1] if reached else None


def _rank(settings: RetentionSettings, name: str) -> int:
    names = [tier.name for tier in settings.tiers]
    return names.index(name) if name in names else -1


def current_multiplier(account_id: int, settings: RetentionSettings) -> Decimal:
    name = AccountTier.objects.filter(account_id=account_id).values_list("name", flat=True).first()
    for tier in settings.tiers:
        if tier.name == name:
            return tier.multiplier
    return Decimal("1")


@transaction.atomic
def evaluate(
    account_id: int, settings: RetentionSettings, *, now: datetime | None = None, reason: str = ""
) -> AccountTier:
    """Bring the account's tier up to date; returns its tier row."""
    now = now or timezone.now()
    lock_objects.account(account_id)  # serialise with postings
    row, _ = AccountTier.objects.get_or_create(
        account_id=account_id, defaults={"since": now, "evaluated_at": now}
    )
    measure = qualifying_measure(account_id, settings, now)
    qualified = _qualified(settings, measure)
    target = qualified.name if qualified else ""
    current_rank, target_rank = _rank(settings, row.name), _rank(settings, target)
    change_to: str | None = None
    if row.name and current_rank == -1:  # the merchant renamed or removed the tier
        change_to, reason = target, reason or "tiers changed"
    elif target_rank > current_rank:
        change_to = target
    elif target_rank < current_rank:
        if row.downgrade_due_at is None and settings.tier_grace_days > 0:
            row.downgrade_due_at = now + timedelta(days=settings.tier_grace_days)
        elif row.downgrade_due_at is None or now >= row.downgrade_due_at:
            change_to, reason = target, reason or "grace period over"
    else:
        row.downgrade_due_at = None
    if change_to is not None and change_to != row.name:
        TierChange.objects.create(
            account_id=account_id,
            from_tier=row.name,
            to_tier=change_to,
            measure=measure,
            reason=(
                reason or ("qualified" if target_rank > current_rank else "no longer qualified")
            )[:200],
        )
        row.name, row.since, row.downgrade_due_at = change_to, now, None
    row.evaluated_at = now
    row.save()
    return row


def evaluate_all(settings: RetentionSettings, *, now: datetime | None = None) -> int:
    """Daily: every account holding a tier or with points in the window. Returns how many."""
    now = now or timezone.now()
    ids = set(AccountTier.objects.exclude(name="").values_list("account_id", flat=True))
    start = _window_start(settings, now)
    recent = LedgerEntry.objects.filter(type=EntryType.EARN)
    if start is not None:
        recent = recent.filter(created_at__gte=start)
    ids |= set(recent.values_list("account_id", flat=True).distinct())
    for account_id in sorted(ids):
        evaluate(account_id, settings, now=now, reason="daily review")
    return len(ids)


def standing(account: LoyaltyAccount | None, settings: RetentionSettings) -> TierStanding:
    if account is None or not settings.tiers:
        first = settings.tiers[0] if settings.tiers else None
        return TierStanding(None, first, Decimal("0"), first.threshold if first else None, None)
    now = timezone.now()
    row = AccountTier.objects.filter(account=account).first()
    measure = qualifying_measure(account.pk, settings, now)
    held = next((t for t in settings.tiers if row and t.name == row.name), None)
    rank = _rank(settings, held.name) if held else -1
    following = settings.tiers[rank + 1] if rank + 1 < len(settings.tiers) else None
    to_next = max(Decimal("0"), following.threshold - measure) if following else None
    return TierStanding(held, following, measure, to_next, row.downgrade_due_at if row else None)


def money_to_next(
    standing_: TierStanding, settings: RetentionSettings
) -> tuple[Decimal, str] | None:
    """How much more to spend (in the first earning currency) to reach the next tier."""
    currency = settings.primary_currency
    if standing_.to_next is None or currency is None:
        return None
    if settings.tier_basis == "spend":
        return standing_.to_next.quantize(Decimal("0.01"), rounding=ROUND_UP), currency
    rate = settings.rate_for(currency)
    if not rate:
        return None
    return (standing_.to_next / rate).quantize(Decimal("0.01"), rounding=ROUND_UP), currency
