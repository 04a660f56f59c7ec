from django.core.management.base import BaseCommand

from ...ledger import services
from ...ledger.redemption import release_stale_holds


class Command(BaseCommand):
    help = (
        "Release points whose return window has passed, expire lots past their date and "
        "give back points held by abandoned checkouts."
    )

    def handle(self, *args, **options):
        released = services.release_due_lots()
        expired = services.expire_due_lots()
        holds = release_stale_holds()
        self.stdout.write(
            f"released {released} lot(s), expired {expired} lot(s), "
            f"released {holds} abandoned checkout hold(s)"
        )
