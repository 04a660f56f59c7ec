from django.core.management.base import BaseCommand, CommandError

from ...ledger.services import verify_accounts


class Command(BaseCommand):
    help = "Rebuild every points balance from lots and entries; report any drift (exit 1 if any)."

    def handle(self, *args, **options):
        drifts = verify_accounts()
        for drift in drifts:
            self.stdout.write(
                f"account {drift.account_id}: {drift.field} cached {drift.cached}, "
                f"rebuilt {drift.rebuilt}"
            )
        if drifts:
            raise CommandError(f"{len(drifts)} drift(s) found")
        self.stdout.write("ledger verified: no drift")
