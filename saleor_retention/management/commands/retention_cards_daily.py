from django.core.management.base import BaseCommand

from ...cards.tasks import cards_daily_task


class Command(BaseCommand):
    help = "Mark loyalty cards past their end date, never redeemed, as expired (run daily)."

    def handle(self, *args, **options):
        done = cards_daily_task()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in done.items()))
