from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    """A migration that rebuilds the staff table on SQLite drops the search triggers: put them
    back (and re-read the table) after every migrate. Nothing to do when they are in place."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from .search import ensure_index

    conn = connections[using]
    applied = MigrationRecorder(conn).applied_migrations()
    if ("staff", "0005_staff_search_index") in applied:
        ensure_index(conn)


class StaffConfig(AppConfig):
    name = "clinicorg.staff"
    label = "staff"
    verbose_name = "Staff"

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)
        from . import outbox  # noqa: F401  (invitation emails join the mail outbox)
