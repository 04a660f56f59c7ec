from django.core.management.base import BaseCommand, CommandError

from saleor_retention import saleor_adapter as saleor
from saleor_retention.conf import load_settings
from saleor_retention.insight.services import files_rebuild


class Command(BaseCommand):
    help = "Rebuild every customer's file, stage, RFM score and top-20% flag (set-based SQL)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Recompute every customer from the orders, not only those that changed.",
        )

    def handle(self, *args, **options):
        if not saleor.insight_supported():
            raise CommandError("The customer files need Saleor 2.10 for now (docs/saleor3.md).")
        run = files_rebuild(settings=load_settings(), full=options["full"])
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"{'full' if run.full else 'changed customers'}: {run.files} files recomputed, "
            f"stage changes: {run.stage_changes}, {seconds:.2f} s"
        )
