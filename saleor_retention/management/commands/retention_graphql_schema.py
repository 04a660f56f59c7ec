from pathlib import Path

from django.core.management.base import BaseCommand

SNAPSHOT = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


class Command(BaseCommand):
    help = "Print the store's whole GraphQL schema (Saleor + retention), or --write the snapshot."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"write {SNAPSHOT.name}")

    def handle(self, *args, **options):
        from ...graphql.schema import schema_sdl

        sdl = schema_sdl()
        if options["write"]:
            SNAPSHOT.write_text(sdl)
            self.stdout.write(f"wrote {SNAPSHOT}")
        else:
            self.stdout.write(sdl, ending="")
