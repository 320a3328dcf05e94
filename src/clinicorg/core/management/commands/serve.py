"""`clinicorg serve`: the built-in web server for a laptop or a demo.

Production runs a WSGI server instead (`gunicorn clinicorg.wsgi`); see the README.
"""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def parse_port(value) -> int:
    """A TCP port number 1-65535, from the command line or $PORT."""
    try:
        port = int(str(value).strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise CommandError(f"Port must be a number from 1 to 65535, not {value!r}.")
    return port


class Command(BaseCommand):
    help = "Serve clinicorg on http://127.0.0.1:8000 (or --host/--port, $HOST/$PORT)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST") or "127.0.0.1",
            help="Address to listen on (default $HOST or 127.0.0.1).",
        )
        parser.add_argument(
            "--port",
            default=os.environ.get("PORT") or "8000",
            help="Port to listen on (default $PORT or 8000).",
        )

    def handle(self, *args, host, port, **options):
        port = parse_port(port)
        host = (host or "").strip() or "127.0.0.1"
        address = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self.stdout.write(f"clinicorg is serving on http://{address}:{port}/ (Ctrl-C stops it).")
        # The local server is what `clinicorg serve` is for; the README covers production.
        os.environ.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
        self.run(address, port)

    def run(self, address: str, port: int) -> None:
        call_command("runserver", f"{address}:{port}", use_reloader=False, use_threading=True)
