from django.conf import settings
from django.core.management.base import BaseCommand

from clinicorg.demo.loader import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, load_demo
from clinicorg.staff import taxonomy


class Command(BaseCommand):
    help = (
        "Load the demo organization (slug 'demo') unless it already exists, and the NUCC "
        "taxonomy code set from $NUCC_TAXONOMY_CSV when it is set and none is loaded."
    )

    def handle(self, *args, **options):
        org, created = load_demo()
        word = "Created" if created else "Already present:"
        self.stdout.write(f"{word} demo organization “{org.name}” (slug {org.slug}).")
        self._load_taxonomy()
        self.stdout.write(f"Sign in as {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}")

    def _load_taxonomy(self):
        path = settings.NUCC_TAXONOMY_CSV
        if taxonomy.code_set_loaded():
            return
        if not path:
            self.stdout.write(
                "No NUCC taxonomy code set is loaded: taxonomy codes are checked by format "
                "only. Set NUCC_TAXONOMY_CSV to the official CSV, or run "
                "`clinicorg taxonomy load FILE`."
            )
            return
        try:
            result = taxonomy.load_file(path)
        except (OSError, taxonomy.LoadError) as exc:
            self.stderr.write(f"The NUCC code set in {path} was not loaded: {exc}")
            return
        self.stdout.write(f"Loaded NUCC taxonomy code set {result.version} ({result.added} codes).")
