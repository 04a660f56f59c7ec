"""Do the cards bring customers back? A program's results against its control group.

For the decisions made in a period: how many cards were issued and redeemed, the revenue of the
orders that redeemed them, and, for the customers who got a card (treatment) and the eligible
customers drawn into the control group, the share who placed another paid order within N days of
the decision. The difference of the two shares comes with a 95% confidence interval (normal
approximation for two independent proportions); with small groups it is wide, and says so.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta
from decimal import Decimal

from .. import saleor_adapter as saleor
from .models import CardDecision, LoyaltyCard

Z_95 = 1.959964


@dataclasses.dataclass(frozen=True)
class GroupResult:
    customers: int
    reordered: int

    @property
    def share(self) -> float | None:
        return self.reordered / self.customers if self.customers else None


@dataclasses.dataclass(frozen=True)
class ProgramReport:
    cards_issued: int
    cards_redeemed: int
    redemption_rate: float | None
    redeeming_revenue: Decimal
    currency: str
    treatment: GroupResult
    control: GroupResult
    difference: float | None
    ci_low: float | None
    ci_high: float | None


def _difference(treatment: GroupResult, control: GroupResult) -> tuple[float | None, ...]:
    p1, p2 = treatment.share, control.share
    if p1 is None or p2 is None:
        return None, None, None
    diff = p1 - p2
    se = math.sqrt(p1 * (1 - p1) / treatment.customers + p2 * (1 - p2) / control.customers)
    return diff, diff - Z_95 * se, diff + Z_95 * se


def program_report(
    *, program_id: int, start: datetime, end: datetime, reorder_days: int, currency: str
) -> ProgramReport:
    decisions = [
        (pk, order_id, str(customer_id), outcome, decided_at)  # the adapter's ids are strings
        for pk, order_id, customer_id, outcome, decided_at in CardDecision.objects.filter(
            program_id=program_id, decided_at__gte=start, decided_at__lt=end
        )
        .exclude(customer=None)
        .values_list("pk", "order_id", "customer_id", "outcome", "decided_at")
    ]
    cards = LoyaltyCard.objects.filter(
        program_id=program_id, issued_at__gte=start, issued_at__lt=end
    )
    issued = cards.count()
    redeemed_orders = list(
        cards.exclude(redeemed_order_id="").values_list("redeemed_order_id", flat=True)
    )
    revenue = sum(saleor.order_totals(redeemed_orders).values(), Decimal("0"))

    window = timedelta(days=reorder_days)
    later_orders = saleor.paid_orders_of(
        {customer for _, _, customer, _, _ in decisions},
        created_from=start,
        created_until=end + window,
    )
    by_customer: dict[str, list[tuple[str, datetime]]] = {}
    for order_id, customer_id, created in later_orders:
        by_customer.setdefault(customer_id, []).append((order_id, created))

    counts = {CardDecision.Outcome.ISSUED: [0, 0], CardDecision.Outcome.CONTROL: [0, 0]}
    for _, order_id, customer_id, outcome, decided_at in decisions:
        group = counts[outcome]
        group[0] += 1
        if any(
            other != order_id and decided_at < created <= decided_at + window
            for other, created in by_customer.get(customer_id, ())
        ):
            group[1] += 1
    treatment = GroupResult(*counts[CardDecision.Outcome.ISSUED])
    control = GroupResult(*counts[CardDecision.Outcome.CONTROL])
    difference, low, high = _difference(treatment, control)
    return ProgramReport(
        cards_issued=issued,
        cards_redeemed=len(redeemed_orders),
        redemption_rate=len(redeemed_orders) / issued if issued else None,
        redeeming_revenue=revenue,
        currency=currency,
        treatment=treatment,
        control=control,
        difference=difference,
        ci_low=low,
        ci_high=high,
    )
