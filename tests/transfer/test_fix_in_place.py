"""Fixing an import's rows in the browser or through the API, without uploading a new file.

The rows with errors come back cell by cell as the file has them, the bad cells marked; the
corrected cells make a new job that goes through the same checks and the same atomic commit as an
upload, and the first job stays as it was.
"""

import pytest
from django.core.exceptions import ValidationError

from clinicorg.core.errors import Conflict, Denied
from clinicorg.staff.models import StaffMember
from clinicorg.transfer import actions, corrections
from clinicorg.transfer.models import ImportJob, State
from tests.conftest import ApiClient, signed_in

from .conftest import STAFF_HEADERS, csv_bytes, staff_row, xlsx_bytes

pytestmark = pytest.mark.django_db

EMAIL = STAFF_HEADERS.index("Email")
LOCATION = STAFF_HEADERS.index("Primary location code")
ROLE = STAFF_HEADERS.index("Role")


def _rows():
    return [
        staff_row(1),
        staff_row(2, Email="not-an-email", Role="Nobody"),
        staff_row(3, **{"Primary location code": "NOWHERE"}),
    ]


@pytest.fixture(params=["csv", "xlsx"])
def bad_job(request, acme, admin):
    data = csv_bytes(_rows()) if request.param == "csv" else xlsx_bytes(_rows())
    job = actions.start_import(data, f"staff.{request.param}", "staff", actor=admin)
    assert job.state == State.INVALID and job.error_rows == 2
    return job


def test_the_rows_with_errors_come_back_with_their_bad_cells(acme, admin, bad_job):
    found = corrections.rows_to_fix(bad_job, actor=admin)
    assert found.headers == STAFF_HEADERS and found.more == 0
    assert [r.row for r in found.rows] == [3, 4]
    second, third = found.rows
    assert second.cells[EMAIL] == "not-an-email" and second.cells[ROLE] == "Nobody"
    assert set(second.errors) == {EMAIL, ROLE}
    assert set(third.errors) == {LOCATION}
    assert "NOWHERE" in third.errors[LOCATION][0]


def test_corrected_cells_make_a_new_job_that_commits_all_rows(acme, admin, bad_job):
    fixed = corrections.correct_import(
        bad_job,
        {3: {EMAIL: "new2@acme.test", ROLE: "Provider"}, 4: {"Primary location code": "BRANCH"}},
        actor=admin,
    )
    assert fixed.pk != bad_job.pk and fixed.file_name == "staff-corrected.csv"
    assert fixed.state == State.VALID and fixed.to_create == 3, fixed.errors
    bad_job.refresh_from_db()
    assert bad_job.state == State.INVALID
    actions.commit_import(fixed, actor=admin)
    emails = set(StaffMember.objects.filter(organization=acme.org).values_list("email", flat=True))
    assert {"new1@acme.test", "new2@acme.test", "new3@acme.test"} <= emails
    assert StaffMember.objects.get(email="new3@acme.test").primary_location == acme.branch


def test_a_partial_correction_keeps_the_other_errors_on_their_rows(acme, admin, bad_job):
    fixed = corrections.correct_import(bad_job, {4: {LOCATION: "MAIN"}}, actor=admin)
    assert fixed.state == State.INVALID and fixed.error_rows == 1
    assert {e["row"] for e in fixed.errors} == {3}
    again = corrections.correct_import(
        fixed, {3: {EMAIL: "new2@acme.test", ROLE: "Provider"}}, actor=admin
    )
    assert again.state == State.VALID and again.file_name == "staff-corrected.csv"


@pytest.mark.parametrize(
    "edits, field",
    [
        ({2: {EMAIL: "x@acme.test"}}, "rows"),  # row 2 has no error
        ({3: {EMAIL: "bad\x00value"}}, "rows"),
        ({3: {EMAIL: "x" * 2001}}, "rows"),
        ({3: {"No such column": "x"}}, "cells"),
        ({3: {99: "x"}}, "cells"),
        ({}, "rows"),
    ],
)
def test_a_correction_it_cannot_take_names_why(acme, admin, bad_job, edits, field):
    before = ImportJob.objects.count()
    with pytest.raises(ValidationError) as caught:
        corrections.correct_import(bad_job, edits, actor=admin)
    assert field in caught.value.message_dict
    assert ImportJob.objects.count() == before


def test_only_a_checked_file_with_row_errors_can_be_corrected(acme, admin):
    valid = actions.start_import(csv_bytes([staff_row(1)]), "ok.csv", "staff", actor=admin)
    with pytest.raises(Conflict) as caught:
        corrections.rows_to_fix(valid, actor=admin)
    assert caught.value.code == "not_correctable"
    headerless = actions.start_import(
        csv_bytes([{"Email": "a@acme.test"}], headers=["Email"]), "h.csv", "staff", actor=admin
    )
    assert headerless.state == State.INVALID
    with pytest.raises(Conflict):
        corrections.rows_to_fix(headerless, actor=admin)


def test_a_purged_upload_cannot_be_corrected(acme, admin, bad_job):
    actions.purge_import_files(older_than_days=0)
    bad_job.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        corrections.rows_to_fix(bad_job, actor=admin)
    assert caught.value.code == "file_purged"


def test_someone_without_import_rights_cannot_correct(acme, admin, bad_job):
    desk = acme.member("desk@acme.test", role="front_desk")
    with pytest.raises(Denied):
        corrections.correct_import(bad_job, {3: {EMAIL: "x@acme.test"}}, actor=desk)
    with pytest.raises(Denied):
        corrections.rows_to_fix(bad_job, actor=desk)


def test_the_page_marks_the_bad_cells_and_checks_the_corrections(acme, admin, bad_job):
    web = signed_in(admin)
    detail = web.get(f"/imports/{bad_job.pk}/").content.decode()
    assert f"/imports/{bad_job.pk}/fix/" in detail
    page = web.get(f"/imports/{bad_job.pk}/fix/").content.decode()
    assert page.count('aria-invalid="true"') == 3
    assert 'value="not-an-email"' in page and "Row 3" in page and "Row 4" in page
    form = {
        f"c-{r}-{i}": v
        for r, cells in {3: _rows()[1], 4: _rows()[2]}.items()
        for i, v in enumerate(cells.get(h, "") for h in STAFF_HEADERS)
    }
    form |= {f"c-3-{EMAIL}": "new2@acme.test", f"c-3-{ROLE}": "Provider", f"c-4-{LOCATION}": "MAIN"}
    r = web.post(f"/imports/{bad_job.pk}/fix/", form)
    assert r.status_code == 302
    new = ImportJob.objects.exclude(pk=bad_job.pk).get()
    assert r["Location"] == f"/imports/{new.pk}/" and new.state == State.VALID
    assert "Commit 3 changes" in web.get(r["Location"]).content.decode()


def test_the_page_keeps_a_refused_correction_beside_its_cell(acme, admin, bad_job):
    web = signed_in(admin)
    r = web.post(f"/imports/{bad_job.pk}/fix/", {f"c-3-{EMAIL}": "bad\x01"})
    assert r.status_code == 200
    assert "not allowed" in r.content.decode()
    assert ImportJob.objects.count() == 1


def test_the_api_lists_the_rows_and_takes_corrections(acme, admin, bad_job):
    api = ApiClient(acme.token())
    listed = api.get(f"/api/v1/imports/{bad_job.pk}/rows-to-fix")
    assert listed.status_code == 200
    body = listed.json()
    assert [r["row"] for r in body["rows"]] == [3, 4]
    assert body["rows"][0]["cells"]["Email"] == "not-an-email"
    assert {e["column"] for e in body["rows"][0]["errors"]} == {"Email", "Role"}
    r = api.post(
        f"/api/v1/imports/{bad_job.pk}/corrections",
        {
            "rows": [
                {"row": 3, "cells": {"Email": "new2@acme.test", "Role": "Provider"}},
                {"row": 4, "cells": {"Primary location code": "MAIN"}},
            ]
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["state"] == "valid" and r.json()["summary"]["create"] == 3
    refused = api.post(
        f"/api/v1/imports/{bad_job.pk}/corrections",
        {"rows": [{"row": 2, "cells": {"Email": "x@acme.test"}}]},
    )
    assert refused.status_code == 422


def test_another_organization_cannot_read_or_correct_the_rows(acme, admin, globex, bad_job):
    api = ApiClient(globex.token())
    assert api.get(f"/api/v1/imports/{bad_job.pk}/rows-to-fix").status_code == 404
    r = api.post(
        f"/api/v1/imports/{bad_job.pk}/corrections",
        {"rows": [{"row": 3, "cells": {"Email": "x@globex.test"}}]},
    )
    assert r.status_code == 404
    web = signed_in(globex.member("g@globex.test"))
    assert web.get(f"/imports/{bad_job.pk}/fix/").status_code == 404
