from django.core.management.base import BaseCommand

from clinicorg.demo.loader import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo organization (slug 'demo') unless it already exists."

    def handle(self, *args, **options):
        org, created = load_demo()
        word = "Created" if created else "Already present:"
        self.stdout.write(f"{word} demo organization “{org.name}” (slug {org.slug}).")
        self.stdout.write(f"Sign in as {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}")
