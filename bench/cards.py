"""Card printing figures: single cards rendered per second, and one print-queue PDF of many."""

from __future__ import annotations

import dataclasses
import resource
import time
from datetime import timedelta
from decimal import Decimal

SINGLE_CARDS = 40
QUEUE_CARDS = 1_000


@dataclasses.dataclass(frozen=True)
class CardsResult:
    single_cards: int
    single_seconds: float
    queue_cards: int
    queue_seconds: float
    queue_pages: int
    queue_bytes: int
    rss_growth_mb: float

    @property
    def cards_per_second(self) -> float:
        return self.single_cards / self.single_seconds


def _cards(run_id: str, count: int):
    from django.utils import timezone

    from saleor_retention.cards import services
    from saleor_retention.cards.models import CardDecision, CardProgram, LoyaltyCard

    program = CardProgram.objects.create(
        name=f"bench {run_id}",
        kind="fixed",
        value=Decimal("5"),
        currency="USD",
        min_spend=Decimal("20"),
        validity_days=60,
        sample_rate=Decimal("100"),
    )
    now = timezone.now()
    # Order ids no Saleor order has (the cards print in the default language, English).
    base = (
        2_000_000_000
        + (int(run_id[:6], 16) % 1000) * 10_000
        + (5_000 if run_id.endswith("q") else 0)
    )
    decisions = CardDecision.objects.bulk_create(
        CardDecision(program=program, order_id=str(base + i), outcome="issued", draw=0)
        for i in range(count)
    )
    return LoyaltyCard.objects.bulk_create(
        LoyaltyCard(
            program=program,
            decision=decision,
            order_id=decision.order_id,
            fulfillment_id="0",
            code=services.new_card_code(),
            kind="fixed",
            value=Decimal("5"),
            currency="USD",
            min_spend=Decimal("20"),
            issued_at=now,
            expires_at=now + timedelta(days=60),
        )
        for decision in decisions
    )


def bench_cards(run_id: str) -> CardsResult:
    from saleor_retention.cards import printing
    from saleor_retention.cards.models import LoyaltyCard
    from saleor_retention.conf import load_settings

    settings = load_settings()
    single = _cards(f"{run_id}s", SINGLE_CARDS)
    printing.render_cards(single[:1], settings)  # warm-up: fonts, templates
    started = time.perf_counter()
    for card in single:
        printing.render_cards([card], settings)
    single_seconds = time.perf_counter() - started

    queue = list(
        LoyaltyCard.objects.select_related("program").filter(
            pk__in=[c.pk for c in _cards(f"{run_id}q", QUEUE_CARDS)]
        )
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    data = printing.render_cards(queue, settings)
    queue_seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    from io import BytesIO

    from pypdf import PdfReader

    pages = len(PdfReader(BytesIO(data)).pages)
    if pages != QUEUE_CARDS:
        raise AssertionError(f"the print-queue PDF has {pages} pages for {QUEUE_CARDS} cards")
    return CardsResult(
        single_cards=SINGLE_CARDS,
        single_seconds=single_seconds,
        queue_cards=QUEUE_CARDS,
        queue_seconds=queue_seconds,
        queue_pages=pages,
        queue_bytes=len(data),
        rss_growth_mb=max(0, rss_after - rss_before) / 1024,
    )
