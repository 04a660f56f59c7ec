from django.core.management.base import BaseCommand

from ... import conf
from ...bonuses import services as bonuses


class Command(BaseCommand):
    help = (
        "Credit the birthday bonus to customers whose birthday is today in the store's time zone. "
        "Run it at least daily (hourly is fine: each customer is credited once a year)."
    )

    def handle(self, *args, **options):
        active, settings = conf.load_state()
        if not active:
            self.stdout.write("the retention plugin is not active: nothing credited")
            return
        run = bonuses.grant_birthday_bonuses(settings=settings)
        self.stdout.write(
            f"{run.date.isoformat()} ({settings.store_timezone}): {run.credited} credited, "
            f"{run.already_credited} already credited, {run.changed_recently} changed within "
            f"30 days, {run.inactive} inactive"
        )
