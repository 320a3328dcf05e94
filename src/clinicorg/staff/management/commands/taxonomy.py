"""`clinicorg taxonomy load FILE [--version 25.1]` and `clinicorg taxonomy search TEXT`."""

from django.core.management.base import BaseCommand, CommandError

from clinicorg.staff import taxonomy


class Command(BaseCommand):
    help = "The NUCC provider taxonomy code set: load the official CSV, or search it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser(
            "load",
            help="Load (or update to) a version of the official NUCC taxonomy CSV.",
        )
        load.add_argument("file", help="The CSV, e.g. nucc_taxonomy_251.csv.")
        load.add_argument(
            "--version",
            dest="code_set_version",
            default=None,
            help="Code-set version, e.g. 25.1; read from the file name when left out.",
        )
        search = sub.add_parser("search", help="Find codes by code, classification or name.")
        search.add_argument("text", nargs="+")
        search.add_argument("--limit", type=int, default=20)
        search.add_argument(
            "--include-retired", action="store_true", help="Also list retired codes."
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "load":
            return self._load(options["file"], options["code_set_version"])
        return self._search(" ".join(options["text"]), options)

    def _load(self, path, version):
        try:
            result = taxonomy.load_file(path, version)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {path}") from exc
        except (taxonomy.LoadError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Taxonomy code set {result.version}: {result.added} added, {result.updated} "
            f"updated, {result.unchanged} unchanged, {result.retired} retired"
            + (f", {result.restored} restored" if result.restored else "")
            + "."
        )

    def _search(self, text, options):
        results = taxonomy.search(
            text, limit=options["limit"], include_retired=options["include_retired"]
        )
        if not results:
            hint = (
                ""
                if taxonomy.code_set_loaded()
                else " (no code set is loaded: load the official NUCC CSV with "
                "`clinicorg taxonomy load FILE`)"
            )
            self.stdout.write(f"No taxonomy code matches {text!r}{hint}.")
            return
        for entry in results:
            retired = f"  [retired in {entry.retired_in}]" if entry.retired_in else ""
            self.stdout.write(f"{entry.code}  {entry.label}{retired}")
