from django.core.management.base import BaseCommand, CommandError

from ...reviews.tasks import reviews_rebuild_task


class Command(BaseCommand):
    help = (
        "Count every product's published reviews and compare with the stored ratings; rewrite "
        "the ones that drifted. --check only reports (exit 1 on drift)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="report drift without writing; exit 1 if any"
        )

    def handle(self, *args, **options):
        found = reviews_rebuild_task(check_only=options["check"])
        for item in found:
            self.stdout.write(
                f"product {item['product_id']}: stored {item['stored']}, counted {item['counted']}"
            )
        if options["check"]:
            if found:
                raise CommandError(f"{len(found)} product rating(s) drifted")
            self.stdout.write("product ratings verified: no drift")
        else:
            self.stdout.write(f"product ratings rebuilt: {len(found)} corrected")
