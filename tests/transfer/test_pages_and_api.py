"""Import and export pages and API endpoints: who may use them, and what they answer."""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from clinicorg.staff.models import StaffMember
from clinicorg.transfer import actions
from clinicorg.transfer.models import ImportJob, State
from tests.conftest import ApiClient, signed_in

from .conftest import csv_bytes, staff_row


@pytest.fixture
def job(acme, admin):
    return actions.start_import(
        csv_bytes([staff_row(1), staff_row(2, Role="Nobody")]), "s.csv", "staff", actor=admin
    )


def _upload(name, data):
    return SimpleUploadedFile(name, data, content_type="text/csv")


PAGES = [
    ("web:import_history", ()),
    ("web:import_start", ()),
    ("web:export_staff", ()),
    ("web:export_locations", ()),
    ("web:import_template", ("staff", "xlsx")),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_send_anonymous_visitors_to_sign_in(client, db, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and "/signin/" in response["Location"]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_refuse_members_without_the_import_permission_with_the_reason(frontdesk, name, args):
    response = signed_in(frontdesk).get(reverse(name, args=args))
    assert response.status_code == 403
    assert "administration.import_export" in response.content.decode()


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_answer_a_permitted_member(admin_client, name, args):
    assert admin_client.get(reverse(name, args=args)).status_code == 200


def test_another_organizations_import_is_not_found(job, outsider):
    client = signed_in(outsider)
    for name in ("web:import_detail", "web:import_status", "web:import_error_copy"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("web:import_commit", args=[job.pk])).status_code == 404


def test_uploading_shows_the_preview_with_every_error(admin_client, acme):
    data = csv_bytes([staff_row(1), staff_row(2, Role="Nobody")])
    response = admin_client.post(
        reverse("web:import_start"),
        {"kind": "staff", "mode": "create", "file": _upload("s.csv", data)},
        follow=True,
    )
    page = response.content.decode()
    job = ImportJob.objects.get()
    assert "row 3, column Role: No role named “Nobody”." in page
    assert "1</strong> to create" in page and "1</strong> rows with errors" in page
    assert reverse("web:import_commit", args=[job.pk]) not in page
    assert "Nothing was imported" in page


def test_a_valid_upload_is_committed_from_the_preview(admin_client, acme):
    response = admin_client.post(
        reverse("web:import_start"),
        {"kind": "staff", "mode": "create", "file": _upload("s.csv", csv_bytes([staff_row(1)]))},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("web:import_detail", args=[job.pk])
    assert job.state == State.VALID and not StaffMember.objects.filter(email="new1@acme.test")
    admin_client.post(reverse("web:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == State.COMMITTED
    assert StaffMember.objects.filter(email="new1@acme.test").exists()
    again = admin_client.post(reverse("web:import_commit", args=[job.pk]), follow=True)
    assert "already committed" in again.content.decode()


def test_an_oversized_upload_gets_an_error_beside_the_field(admin_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = admin_client.post(
        reverse("web:import_start"),
        {"kind": "staff", "mode": "create", "file": _upload("s.csv", b"x" * 100)},
    )
    assert response.status_code == 200
    assert "the limit is 0 MB" in response.content.decode()


def test_the_status_endpoint_reports_state_phase_progress_and_summary(admin_client, job):
    data = admin_client.get(reverse("web:import_status", args=[job.pk])).json()
    assert data["state"] == "invalid" and data["finished"] is True and data["progress"] == 100
    assert data["summary"] == {"create": 1, "update": 0, "unchanged": 0, "errors": 1}


def test_the_error_copy_is_the_file_with_an_errors_column(admin_client, job):
    response = admin_client.get(reverse("web:import_error_copy", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Errors"
    assert rows[1][0] == "new1@acme.test" and rows[1][-1] == ""
    assert rows[2][-1] == (
        "Role: No role named “Nobody”. Roles: Administrator, Billing Manager, Front Desk, Provider."
    )


def test_the_history_page_runs_a_constant_number_of_queries(
    admin_client, acme, admin, django_assert_max_num_queries
):
    for i in range(3):
        actions.start_import(csv_bytes([staff_row(i)]), f"s{i}.csv", "staff", actor=admin)
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("web:import_history"))
    assert response.content.decode().count("s1.csv") == 1
    for i in range(3, 8):
        actions.start_import(csv_bytes([staff_row(i)]), f"s{i}.csv", "staff", actor=admin)
    with django_assert_max_num_queries(8):
        admin_client.get(reverse("web:import_history"))


def test_the_xlsx_template_has_dropdowns_from_the_organizations_data_and_instructions(
    admin_client, acme
):
    response = admin_client.get(reverse("web:import_template", args=["staff", "xlsx"]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["Staff", "Lists", "Instructions"]
    sheet = book.get_sheet_by_name("Staff").to_python()
    assert sheet[0][0] == "Email" and sheet[1][4] == "BRANCH"
    lists = book.get_sheet_by_name("Lists").to_python()
    columns = {row: [r[i] for r in lists[1:] if r[i]] for i, row in enumerate(lists[0])}
    assert columns["locations"] == ["BRANCH", "MAIN"]
    assert "Provider" in columns["roles"] and columns["yesno"] == ["yes", "no"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<dataValidation" in sheet_xml and "Lists!$A$2" in sheet_xml


def test_the_staff_export_keeps_the_list_filters_and_neutralizes_formulas(
    admin_client, acme, admin
):
    acme.member("evil@acme.test", first_name='=HYPERLINK("http://x")', last_name="@SUM(1)")
    acme.member("gone@acme.test", status="deactivated")
    response = admin_client.get(reverse("web:export_staff"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    emails = [r[0] for r in rows[1:]]
    assert "evil@acme.test" in emails and "gone@acme.test" not in emails
    evil = rows[1 + emails.index("evil@acme.test")]
    assert evil[1] == '\'=HYPERLINK("http://x")' and evil[2] == "'@SUM(1)"
    response = admin_client.get(reverse("web:export_staff"), {"format": "csv", "q": "evil"})
    assert len(response.content.decode().strip().splitlines()) == 2
    xlsx = admin_client.get(reverse("web:export_staff"), {"format": "xlsx"})
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as zf:
        assert "<f>" not in zf.read("xl/worksheets/sheet1.xml").decode()


def test_the_staff_export_holds_only_what_the_member_may_see(acme, north):
    manager = acme.member("manager@acme.test", location=north)
    acme.member("at-main@acme.test")
    response = signed_in(manager).get(reverse("web:export_staff"), {"format": "csv"})
    text = response.content.decode()
    assert "manager@acme.test" in text and "at-main@acme.test" not in text


def test_an_exported_file_imports_back_unchanged(admin_client, acme, admin):
    acme.member("kim@acme.test", phone="+1 555 010 2000", employee_id="000777")
    export = admin_client.get(reverse("web:export_staff"), {"format": "xlsx"})
    job = actions.start_import(export.content, "staff.xlsx", "staff", actor=admin, mode="update")
    assert job.state == State.VALID, job.errors
    assert job.summary() == {"create": 0, "update": 0, "unchanged": 2, "errors": 0}


# API


def test_the_api_refuses_anonymous_callers_and_tokens_without_the_permission(acme, job):
    assert ApiClient(None).get(f"/api/v1/imports/{job.pk}").status_code == 401
    denied = ApiClient(acme.token("front_desk")).get("/api/v1/imports")
    assert denied.status_code == 403
    assert denied.json()["permission"] == "administration.import_export"


def test_the_api_answers_404_for_another_organizations_import(job, globex, outsider):
    assert ApiClient(globex.token()).get(f"/api/v1/imports/{job.pk}").status_code == 404


def test_the_api_uploads_a_file_and_reports_the_job(api, acme):
    data = csv_bytes([staff_row(1), staff_row(2, Role="Nobody")])
    response = api.client.post(
        "/api/v1/imports",
        {"file": _upload("s.csv", data), "kind": "staff", "mode": "create", "dry_run": "true"},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "invalid" and body["summary"]["errors"] == 1
    assert body["errors"] == [
        {
            "row": 3,
            "column": "Role",
            "message": "No role named “Nobody”. Roles: Administrator, Billing Manager, "
            "Front Desk, Provider.",
        }
    ]
    again = api.get(f"/api/v1/imports/{body['id']}")
    assert again.status_code == 200 and again.json()["state"] == "invalid"
    assert api.get(f"/api/v1/imports/{body['id']}/errors").json()["count"] == 1


def test_the_api_commits_without_dry_run_and_commits_a_dry_run_on_request(api, acme):
    response = api.client.post(
        "/api/v1/imports",
        {"file": _upload("s.csv", csv_bytes([staff_row(1)])), "kind": "staff"},
        headers=api.headers,
    )
    assert response.json()["state"] == "committed"
    response = api.client.post(
        "/api/v1/imports",
        {"file": _upload("t.csv", csv_bytes([staff_row(2)])), "kind": "staff", "dry_run": "1"},
        headers=api.headers,
    )
    job_id = response.json()["id"]
    assert response.json()["state"] == "valid"
    assert api.post(f"/api/v1/imports/{job_id}/commit").json()["state"] == "committed"
    assert api.post(f"/api/v1/imports/{job_id}/commit").status_code == 409
    assert StaffMember.objects.filter(email__in=["new1@acme.test", "new2@acme.test"]).count() == 2


def test_the_api_rejects_a_bad_kind_with_a_422_naming_the_field(api):
    response = api.client.post(
        "/api/v1/imports",
        {"file": _upload("s.csv", b"x"), "kind": "planets"},
        headers=api.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


def test_the_api_serves_templates_and_exports(api, acme):
    template = api.get("/api/v1/imports/templates/locations", {"format": "csv"})
    assert template.status_code == 200 and template.content.startswith(b"Code,Name")
    export = api.get("/api/v1/exports/locations", {"format": "csv", "q": "branch"})
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("BRANCH,")
    assert api.get("/api/v1/exports/staff").status_code == 200


def test_an_exported_locations_file_lists_managers_and_imports_back_unchanged(api, acme, admin):
    from clinicorg.staff.actions import set_location_managers

    nurse = acme.member("nurse@acme.test")
    set_location_managers(acme.branch, [nurse.pk, admin.pk], actor=acme.system)
    export = api.get("/api/v1/exports/locations", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_code = {row["Code"]: row for row in rows}
    assert by_code["BRANCH"]["Manager emails"] == "admin@acme.test; nurse@acme.test"
    assert by_code["MAIN"]["Manager emails"] == ""

    response = api.client.post(
        "/api/v1/imports",
        {
            "file": _upload("locations.csv", export.content),
            "kind": "locations",
            "mode": "update",
            "dry_run": "true",
        },
        headers=api.headers,
    )
    assert response.status_code in (200, 201, 202), response.content
    assert response.json()["summary"] == {"create": 0, "update": 0, "unchanged": 2, "errors": 0}


def test_a_queued_job_shows_a_progress_bar_that_polls_the_status_endpoint(
    admin_client, acme, monkeypatch
):
    from clinicorg.transfer import tasks

    monkeypatch.setattr(tasks.run_import, "delay", lambda *args, **kwargs: None)
    admin_client.post(
        reverse("web:import_start"),
        {"kind": "staff", "mode": "create", "file": _upload("s.csv", csv_bytes([staff_row(1)]))},
    )
    job = ImportJob.objects.get()
    assert job.state == State.QUEUED
    page = admin_client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    status_url = reverse("web:import_status", args=[job.pk])
    assert "<progress" in page and f'data-status-url="{status_url}"' in page
    status = admin_client.get(status_url).json()
    assert (status["finished"], status["phase"], status["progress"]) == (False, "waiting", 0)
    actions.run_job(job.pk)
    status = admin_client.get(status_url).json()
    assert (status["finished"], status["state"]) == (True, "valid")


def test_a_location_scoped_admin_sees_only_the_imports_they_started(acme, admin):
    branch_admin = acme.member("branch-admin@acme.test", location=acme.branch)
    theirs = actions.start_import(
        csv_bytes([staff_row(1, **{"Primary location code": "BRANCH"})]),
        "b.csv",
        "staff",
        actor=branch_admin,
    )
    others = actions.start_import(csv_bytes([staff_row(2)]), "a.csv", "staff", actor=admin)
    assert list(ImportJob.objects.visible_to(branch_admin)) == [theirs]
    assert set(ImportJob.objects.visible_to(admin)) == {theirs, others}
    client = signed_in(branch_admin)
    assert client.get(f"/imports/{others.pk}/").status_code == 404
