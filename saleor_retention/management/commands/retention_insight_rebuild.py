from django.core.management.base import BaseCommand, CommandError

from saleor_retention import saleor_adapter as saleor
from saleor_retention.conf import load_settings
from saleor_retention.insight.services import files_rebuild


class Command(BaseCommand):
    help = "Rebuild every customer's file, stage, RFM score and top-20% flag (set-based SQL)."

    def handle(self, *args, **options):
        if not saleor.insight_supported():
            raise CommandError("The customer files need Saleor 2.10 for now (docs/saleor3.md).")
        run = files_rebuild(settings=load_settings())
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"files: {run.files}, stage changes: {run.stage_changes}, {seconds:.2f} s"
        )
