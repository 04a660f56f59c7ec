"""Reads of the ledger for GraphQL and commands; each a fixed number of queries."""

from __future__ import annotations

import dataclasses
from datetime import date

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from .models import EntryType, LedgerEntry, LoyaltyAccount, PointLot


@dataclasses.dataclass(frozen=True)
class ExpiringPoints:
    points: int
    expires_at: date


@dataclasses.dataclass(frozen=True)
class OrderPoints:
    earned: int
    pending: int
    reversed: int
    redeemed: int  # points spent on the order, net of any given back


def entry_for_key(key: str) -> LedgerEntry | None:
    """The entry posted under an idempotency key (a business event), if any."""
    return LedgerEntry.objects.filter(idempotency_key=key).first()


def account_for_customer(customer_id: str) -> LoyaltyAccount | None:
    return LoyaltyAccount.objects.filter(customer_id=customer_id).first()


def spendable_points(account: LoyaltyAccount | None, *, policy: str = "negative") -> int:
    if account is None:
        return 0
    points = account.available_points - account.held_points - account.debt_points
    # "future": a debt is paid from future earnings and not shown as a negative balance.
    return max(0, points) if policy != "negative" else points


def expiring_points(account: LoyaltyAccount | None, *, limit: int = 12) -> list[ExpiringPoints]:
    """Spendable points grouped by expiry date (UTC), soonest first."""
    if account is None:
        return []
    rows = (
        PointLot.objects.filter(
            account=account,
            status=PointLot.Status.AVAILABLE,
            remaining__gt=0,
            expires_at__isnull=False,
        )
        .annotate(expiry_date=TruncDate("expires_at"))
        .values("expiry_date")
        .annotate(points=Sum("remaining"))
        .order_by("expiry_date")[:limit]
    )
    return [ExpiringPoints(points=row["points"], expires_at=row["expiry_date"]) for row in rows]


def entries(account: LoyaltyAccount | None) -> QuerySet[LedgerEntry]:
    """An account's history, newest first (none without an account)."""
    if account is None:
        return LedgerEntry.objects.none().order_by("-pk")
    return LedgerEntry.objects.filter(account=account).order_by("-pk")


def order_points(order_id: str) -> OrderPoints:
    totals = LedgerEntry.objects.filter(order_id=order_id).aggregate(
        earned=Sum("points", filter=Q(type=EntryType.EARN)),
        reversed=Sum("points", filter=Q(type=EntryType.REVERSAL)),
        redeemed=Sum("points", filter=Q(type=EntryType.REDEEM)),
        returned=Sum("points", filter=Q(type=EntryType.REDEEM_RELEASE)),
    )
    pending = (
        PointLot.objects.filter(
            entry__order_id=order_id, entry__type=EntryType.EARN, status=PointLot.Status.PENDING
        ).aggregate(s=Sum("remaining"))["s"]
        or 0
    )
    return OrderPoints(
        earned=totals["earned"] or 0,
        pending=pending,
        reversed=-(totals["reversed"] or 0),
        redeemed=-(totals["redeemed"] or 0) - (totals["returned"] or 0),
    )


def tier_name_for(customer_id: str | None) -> str:
    """Kept for ``cards`` and ``forum``, which other work owns: the tier lives in ``tiers``."""
    from ..tiers.selectors import tier_name_for as name_in_tiers

    return name_in_tiers(customer_id)
