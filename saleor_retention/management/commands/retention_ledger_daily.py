from django.core.management.base import BaseCommand

from ...ledger.tasks import ledger_daily_task
from ...redemption.tasks import release_stale_holds_task
from ...tiers.tasks import tiers_daily_task


class Command(BaseCommand):
    help = (
        "Release points whose return window has passed, expire lots past their date, give back "
        "points held by abandoned checkouts and review tiers (the daily tasks, run here)."
    )

    def handle(self, *args, **options):
        done = {
            **ledger_daily_task(),
            "holds_released": release_stale_holds_task(),
            "tiers_reviewed": tiers_daily_task(),
        }
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in done.items()))
