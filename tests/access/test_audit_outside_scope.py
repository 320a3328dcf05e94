"""The audit log never names a place or person outside its reader's locations.

An event belongs to one location (its target's), and a reader limited to Branch sees the events
of Branch. Such an event may still name Main, or a person at Main, in its changes: a member moved
from Main to Branch, a supervisor at Main, access granted at Main, a manager at Main, a
supervisor's scope. Each value that belongs to another location reads as "(outside your
locations)" on the log page, one event's page, the CSV export, the API and the dashboard,
whichever action wrote it (a single change or an import); a reader of every location reads them
all.
"""

import pytest

from clinicorg.core.audit import HIDDEN
from clinicorg.core.models import AuditEvent
from clinicorg.staff import actions
from clinicorg.transfer import actions as transfer
from tests.conftest import ApiClient, signed_in
from tests.transfer.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(acme):
    boss = acme.member("far.boss@acme.test", role="provider", first_name="Farah", last_name="Boss")
    actions.appoint_supervisor(boss, locations=[acme.main, acme.branch], actor=acme.system)
    return boss


def _single_changes(acme, admin, boss):
    """Events at Branch written by single-record actions, each naming Main or Farah."""
    mover = acme.member("mover@acme.test", role="front_desk")
    actions.update_staff(mover, {"primary_location": acme.branch, "supervisor": boss}, actor=admin)
    member = acme.member("m@acme.test", role="front_desk", location=acme.branch)
    actions.set_location_access(member, all_locations=False, locations=[acme.main], actor=admin)
    actions.set_location_managers(acme.branch, [boss.pk], actor=admin)
    actions.appoint_supervisor(member, locations=[acme.main, acme.branch], actor=admin)


def _imported_changes(acme, admin, boss):
    """Events at Branch written by an import: a create and an update, naming Main and Farah."""
    acme.member("upd@acme.test", role="provider")
    rows = [
        staff_row(
            1,
            **{
                "Primary location code": "BRANCH",
                "Supervisor email": boss.email,
                "Additional location codes": "MAIN",
            },
        ),
        staff_row(
            2,
            Email="upd@acme.test",
            **{
                "First name": "Upd",
                "Primary location code": "BRANCH",
                "Supervisor email": boss.email,
                "Additional location codes": "MAIN",
            },
        ),
    ]
    job = transfer.start_import(csv_bytes(rows), "s.csv", "staff", actor=admin, mode="update")
    assert job.summary()["errors"] == 0, job.errors
    transfer.commit_import(job, actor=admin)


WRITERS = [_single_changes, _imported_changes]


def _leaks(text: str, acme, boss) -> list[str]:
    found = [w for w in (acme.main.name, "Farah", boss.email) if w in text]
    return found + (["MAIN"] if "MAIN" in text.replace("MAIN-", "").split() else [])


def _words(value) -> str:
    return str(value).replace("[", " ").replace("]", " ").replace("'", " ").replace(",", " ")


@pytest.mark.parametrize("write", WRITERS, ids=lambda f: f.__name__.strip("_"))
def test_a_reader_of_branch_never_reads_main_or_its_people(acme, admin, boss, write):
    write(acme, admin, boss)
    events = AuditEvent.objects.filter(location_id=acme.branch.pk).exclude(changes={})
    named = [e for e in events if _leaks(_words(e.changes), acme, boss)]
    assert named, "the setup must write Branch events that name Main or Farah"

    reader = acme.member("reader@acme.test", location=acme.branch)
    web = signed_in(reader)
    assert _leaks(web.get("/audit/").content.decode(), acme, boss) == []
    for event in named:
        page = web.get(f"/audit/{event.pk}/")
        assert page.status_code == 200
        assert _leaks(page.content.decode(), acme, boss) == []
        assert HIDDEN in page.content.decode()
    export = web.get("/audit/export.csv")
    assert _leaks(b"".join(export.streaming_content).decode(), acme, boss) == []
    assert _leaks(web.get("/dashboard/").content.decode(), acme, boss) == []

    api = ApiClient(acme.token(locations=[acme.branch]))
    listing = api.get("/api/v1/audit-events", {"limit": 500})
    assert listing.status_code == 200
    assert _leaks(_words(listing.json()["items"]), acme, boss) == []
    for event in named:
        one = api.get(f"/api/v1/audit-events/{event.pk}")
        assert _leaks(_words(one.json()["changes"]), acme, boss) == []


@pytest.mark.parametrize("write", WRITERS, ids=lambda f: f.__name__.strip("_"))
def test_a_reader_of_every_location_reads_every_value(acme, admin, boss, write):
    write(acme, admin, boss)
    named = [
        e
        for e in AuditEvent.objects.filter(location_id=acme.branch.pk)
        if _leaks(_words(e.changes), acme, boss)
    ]
    api = ApiClient(acme.token())
    for event in named:
        changes = api.get(f"/api/v1/audit-events/{event.pk}").json()["changes"]
        assert changes == event.changes and HIDDEN not in _words(changes)
    page = signed_in(admin).get(f"/audit/{named[0].pk}/").content.decode()
    assert _leaks(page, acme, boss)
