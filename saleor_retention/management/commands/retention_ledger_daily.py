from django.core.management.base import BaseCommand

from ...ledger.tasks import ledger_daily_task


class Command(BaseCommand):
    help = (
        "Release points whose return window has passed, expire lots past their date, give back "
        "points held by abandoned checkouts and review tiers (the daily ledger task, run here)."
    )

    def handle(self, *args, **options):
        done = ledger_daily_task()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in done.items()))
