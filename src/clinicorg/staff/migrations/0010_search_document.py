"""The staff search reads a stored document on PostgreSQL (staff.search): the column, its
trigram index (built by SQL, PostgreSQL only, replacing the index on the expression), and an
index for a search by employee id."""

import django.db.models.functions.text
from django.db import migrations, models

import clinicorg.staff.search


def build_index(apps, schema_editor):
    from clinicorg.staff.search import ensure_index

    ensure_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_initial"),
        ("core", "0004_audit_event_refs"),
        ("directory", "0002_initial"),
        ("staff", "0009_dashboard_current_staff_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffmember",
            name="search_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=clinicorg.staff.search.Document(
                    models.F("first_name"),
                    models.F("last_name"),
                    models.F("email"),
                    models.F("display_name"),
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="staffmember",
            index=models.Index(
                models.F("organization"),
                django.db.models.functions.text.Upper("employee_id"),
                name="staff_org_employee_id_ci",
            ),
        ),
        migrations.RunPython(build_index, migrations.RunPython.noop, elidable=False),
    ]
