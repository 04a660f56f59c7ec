"""Reads of card programs and cards for GraphQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import CardProgram, LoyaltyCard

OPEN = (LoyaltyCard.Status.ISSUED, LoyaltyCard.Status.PRINTED)


def effective_status(card: LoyaltyCard, now: datetime | None = None) -> str:
    """An open card past its end date reads as expired (its voucher has ended too)."""
    now = now or timezone.now()
    if card.status in OPEN and card.expires_at <= now:
        return "expired"
    return card.status


def programs() -> QuerySet[CardProgram]:
    """Programs, highest priority first, with ``issued_count`` and ``control_count``."""
    from django.db.models import Count

    return CardProgram.objects.annotate(
        issued_count=Count("decisions", filter=Q(decisions__outcome="issued")),
        control_count=Count("decisions", filter=Q(decisions__outcome="control")),
    ).order_by("-priority", "pk")


def cards(
    *,
    statuses: Iterable[str] | None = None,
    program_ids: Iterable[str] | None = None,
    customer_id: str | None = None,
    fulfillment_id: str | None = None,
    now: datetime | None = None,
) -> QuerySet[LoyaltyCard]:
    """Cards, newest first, filtered by effective status, program, customer or fulfillment."""
    now = now or timezone.now()
    rows = LoyaltyCard.objects.select_related("program").order_by("-issued_at", "-pk")
    if statuses is not None:
        wanted = set(statuses)
        condition = Q(pk__in=[])
        for status in wanted:
            if status in OPEN:
                condition |= Q(status=status, expires_at__gt=now)
            elif status == LoyaltyCard.Status.EXPIRED:
                condition |= Q(status=status) | Q(status__in=OPEN, expires_at__lte=now)
            else:
                condition |= Q(status=status)
        rows = rows.filter(condition)
    if program_ids is not None:
        rows = rows.filter(program_id__in=[pk for pk in program_ids if str(pk).isdigit()])
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if fulfillment_id is not None:
        rows = rows.filter(fulfillment_id=fulfillment_id)
    return rows
