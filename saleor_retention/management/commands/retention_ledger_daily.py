from django.core.management.base import BaseCommand

from ...ledger import services


class Command(BaseCommand):
    help = "Release points whose return window has passed and expire lots past their date."

    def handle(self, *args, **options):
        released = services.release_due_lots()
        expired = services.expire_due_lots()
        self.stdout.write(f"released {released} lot(s), expired {expired} lot(s)")
