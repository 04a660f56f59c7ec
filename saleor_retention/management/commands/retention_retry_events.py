from django.core.management.base import BaseCommand

from ...inbox.services import retry_events


class Command(BaseCommand):
    help = (
        "Queue the retention plugin's failed events, and pending ones older than --stale minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale",
            type=int,
            default=None,
            help="minutes (default: RETENTION_EVENT_STALE_MINUTES, 10 unless set)",
        )

    def handle(self, *args, **options):
        queued = retry_events(stale_after_minutes=options["stale"])
        self.stdout.write(f"queued {len(queued)} event(s)")
