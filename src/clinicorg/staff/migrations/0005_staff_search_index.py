"""The staff search index: trigram GIN indexes on PostgreSQL, an FTS5 table on SQLite.

Neither is a model index (each exists on one database only), so they are created by SQL chosen
by the database vendor; see clinicorg.staff.search.
"""

from django.db import migrations


def create(apps, schema_editor):
    from clinicorg.staff.search import ensure_index

    ensure_index(schema_editor.connection)


def drop(apps, schema_editor):
    from clinicorg.staff.search import drop_index

    drop_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("staff", "0004_supervisor_scope_reverse_names")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
