"""One rule path: each staff rule gives the same outcome and message through every front end.

A rule is exercised through the action, the REST API, the web form, the import (a row of a
file) and, where the rule can be reached there, the `clinicorg` command; every path must refuse
with the same message and change nothing. The import once kept its own copy of these rules and
drifted; this table is what keeps them one.
"""

import csv
import io
from dataclasses import dataclass
from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from clinicorg.core.errors import Denied
from clinicorg.staff import actions, rules, taxonomy
from clinicorg.staff.actions import change_staff_role
from clinicorg.staff.models import StaffMember, Status
from clinicorg.transfer import actions as transfer
from clinicorg.transfer.columns import COLUMNS
from tests.conftest import ApiClient, signed_in

ESCALATION = (
    "This member has access to all locations; only someone with access to all locations can "
    "change their record or access."
)
RETIRED = "101Y00000X"
RETIRED_MESSAGE = f"{RETIRED} was retired in code set 25.1; choose a current code."


def _state():
    """Every staff row and its links, to show that a refusal changed nothing."""
    through = StaffMember.extra_locations.through
    return (
        # Signing in (the web front end's clients) touches last_login, which is no change.
        [
            {k: v for k, v in row.items() if k != "last_login"}
            for row in StaffMember.objects.order_by("pk").values()
        ],
        list(through.objects.order_by("pk").values_list("staffmember_id", "location_id")),
    )


def _row(member, **cells) -> dict:
    """An update row for `member`: the required columns as they are, plus `cells`."""
    return {
        "Email": member.email,
        "First name": member.first_name,
        "Last name": member.last_name,
        "Primary location code": member.primary_location.code,
        "Role": member.role.name,
        **{k.replace("_", " "): v for k, v in cells.items()},
    }


def _import(rows: list[dict], actor, *, mode="update"):
    labels = [c.label for c in COLUMNS["staff"]]
    used = [h for h in labels if any(h in r for r in rows)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(used)
    for row in rows:
        writer.writerow([row.get(h, "") for h in used])
    job = transfer.start_import(out.getvalue().encode(), "s.csv", "staff", actor=actor, mode=mode)
    return [e["message"] for e in job.errors]


def _web_record(member, **over) -> dict:
    data = {
        f: getattr(member, f"{f}_id") if f in ("primary_location", "role") else getattr(member, f)
        for f in ("first_name", "last_name", "display_name", "employee_id", "phone")
    }
    data["primary_location"] = member.primary_location_id
    data["role"] = member.role_id
    data.update(over)
    return {k: "" if v is None else v for k, v in data.items()}


@dataclass
class World:
    acme: object
    admin: object
    boss: object  # an Administrator at Branch with access to all locations
    mgr: object  # an Administrator limited to Branch
    token: str  # the manager's API token, limited to Branch as they are


@pytest.fixture
def world(acme, admin):
    boss = acme.member("boss@acme.test", location=acme.branch, all_locations=True)
    mgr = acme.member("mgr@acme.test", location=acme.branch)
    token = acme.token("administrator", locations=[acme.branch])
    return World(acme, admin, boss, mgr, token)


# -- escalation: a limited manager acting on a member with broader access ----------------------


def test_a_role_change_of_a_broader_member_is_refused_the_same_everywhere(world):
    w = world
    provider = w.acme.roles["provider"]
    before = _state()
    with pytest.raises(Denied) as exc:
        change_staff_role(w.boss, provider, actor=w.mgr)
    assert exc.value.decision.message == ESCALATION

    r = ApiClient(w.token).put(f"/api/v1/staff/{w.boss.pk}/role", {"role": provider.pk})
    assert r.status_code == 403 and r.json()["message"] == ESCALATION

    r = signed_in(w.mgr).post(f"/staff/{w.boss.pk}/role/", {"role": provider.pk})
    assert r.status_code == 403 and escape(ESCALATION) in r.content.decode()

    errors = _import([_row(w.boss, Role="Provider")], w.mgr)
    assert errors == [ESCALATION]
    assert _state() == before


def test_a_status_change_of_a_broader_member_is_refused_the_same_everywhere(world):
    w = world
    before = _state()
    with pytest.raises(Denied) as exc:
        actions.change_staff_status(w.boss, Status.SUSPENDED, "Because", actor=w.mgr)
    assert exc.value.decision.message == ESCALATION

    api = ApiClient(w.token)
    r = api.post(f"/api/v1/staff/{w.boss.pk}/status", {"status": "suspended", "reason": "x"})
    assert r.status_code == 403 and r.json()["message"] == ESCALATION

    page = signed_in(w.mgr).post(
        f"/staff/{w.boss.pk}/status/", {"status": "suspended", "reason": "x"}
    )
    assert page.status_code == 403 and escape(ESCALATION) in page.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    "call",
    [
        ("patch", "/api/v1/staff/{id}", {"phone": "555-010-9999"}),
        ("put", "/api/v1/staff/{id}/access", {"all_locations": False, "locations": []}),
        ("put", "/api/v1/staff/{id}/credentials", {"bio": "Changed"}),
        ("post", "/api/v1/staff/{id}/credentials/licenses", {"state": "CA", "number": "A1"}),
        ("post", "/api/v1/supervisors", {"staff": "{id}"}),
        ("put", "/api/v1/locations/{branch}/managers", {"staff": ["{id}"]}),
    ],
    ids=lambda c: f"{c[0].upper()} {c[1]}",
)
def test_no_write_acts_on_a_member_whose_access_is_broader_than_the_callers(world, call):
    w = world
    method, path, body = call

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        if value == "{id}":
            return w.boss.pk
        return value

    body = {k: fill(v) for k, v in body.items()}
    path = path.format(id=w.boss.pk, branch=w.acme.branch.pk)
    before = _state()
    r = getattr(ApiClient(w.token), method)(path, body)
    assert r.status_code == 403, r.content
    assert r.json()["reason"] == "member_outside_access"
    assert _state() == before


def test_a_manager_cannot_grant_a_location_outside_their_own_and_learns_nothing_of_it(world):
    w = world
    member = w.acme.member("n@acme.test", role="front_desk", location=w.acme.branch)
    before = _state()
    with pytest.raises(Denied) as exc:
        from clinicorg.staff.actions import set_location_access

        set_location_access(member, all_locations=False, locations=[w.acme.main], actor=w.mgr)
    assert "Main" not in exc.value.decision.message

    api = ApiClient(w.token)
    r = api.put(
        f"/api/v1/staff/{member.pk}/access", {"all_locations": False, "locations": [w.acme.main.pk]}
    )
    assert r.status_code in (403, 404, 422) and "Main" not in r.content.decode()

    errors = _import([_row(member, Additional_location_codes="MAIN")], w.mgr)
    assert errors == ["No location with code “MAIN”."]
    errors = _import(
        [
            {
                "Email": "new@acme.test",
                "First name": "N",
                "Last name": "W",
                "Primary location code": "BRANCH",
                "Role": "Front Desk",
                "Additional location codes": "MAIN",
            }
        ],
        w.mgr,
        mode="create",
    )
    assert errors == ["No location with code “MAIN”."]
    assert _state() == before


# -- references: supervisors -------------------------------------------------------------------


@pytest.fixture
def pair(acme, admin):
    """Two appointed supervisors at Main; `b` reports to `a`."""
    a = acme.member("a@acme.test", role="provider")
    b = acme.member("b@acme.test", role="provider")
    actions.appoint_supervisor(a, actor=admin)
    actions.appoint_supervisor(b, actor=admin)
    actions.update_staff(b, {"supervisor": a}, actor=admin)
    return a, b


def test_a_reporting_loop_is_refused_the_same_everywhere(acme, admin, pair):
    a, b = pair
    before = _state()
    with pytest.raises(ValidationError) as exc:
        actions.update_staff(a, {"supervisor": b}, actor=admin)
    assert exc.value.message_dict == {"supervisor": [rules.SUPERVISOR_LOOP]}

    r = ApiClient(acme.token()).patch(f"/api/v1/staff/{a.pk}", {"supervisor": b.pk})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "supervisor", "message": rules.SUPERVISOR_LOOP}]

    page = signed_in(admin).post(f"/staff/{a.pk}/edit/", _web_record(a, supervisor=b.pk))
    assert escape(rules.SUPERVISOR_LOOP) in page.content.decode()

    errors = _import([_row(a, Supervisor_email=b.email)], admin)
    assert errors == [rules.SUPERVISOR_LOOP]
    assert _state() == before


def test_handing_a_removed_supervisors_reports_to_one_of_them_is_refused(acme, admin, pair):
    a, b = pair
    sup_a = a.supervisor_appointment
    sup_b = b.supervisor_appointment
    before = _state()
    with pytest.raises(ValidationError) as exc:
        actions.remove_supervisor(sup_a, actor=admin, reassign_to=sup_b)
    assert "cannot supervise themselves" in exc.value.message_dict["reassign_to"][0]
    r = ApiClient(acme.token()).delete(f"/api/v1/supervisors/{sup_a.pk}?reassign_to={sup_b.pk}")
    assert r.status_code == 422 and "cannot supervise themselves" in r.content.decode()
    assert _state() == before
    b.refresh_from_db()
    assert b.supervisor_id == a.pk


def test_a_supervisor_outside_the_callers_scope_reads_as_not_appointed(acme, admin):
    outside = acme.member("far@acme.test", role="provider")  # at Main
    actions.appoint_supervisor(outside, actor=admin)
    mgr = acme.member("mgr@acme.test", location=acme.branch)
    member = acme.member("m@acme.test", role="front_desk", location=acme.branch)
    token = acme.token("administrator", locations=[acme.branch])
    before = _state()
    with pytest.raises(ValidationError) as exc:
        actions.update_staff(member, {"supervisor": outside}, actor=mgr)
    assert exc.value.message_dict == {"supervisor": [rules.SUPERVISOR_NOT_APPOINTED]}
    r = ApiClient(token).patch(f"/api/v1/staff/{member.pk}", {"supervisor": outside.pk})
    assert r.status_code in (404, 422) and outside.email not in r.content.decode()
    page = signed_in(mgr).get(f"/staff/{member.pk}/edit/")
    assert outside.email not in page.content.decode() and "Far" not in page.content.decode()
    errors = _import([_row(member, Supervisor_email=outside.email)], mgr)
    assert errors == [rules.SUPERVISOR_NOT_APPOINTED]
    assert _state() == before


# -- code sets and uniqueness ------------------------------------------------------------------


@pytest.fixture
def retired_code(db, tmp_path):
    header = "Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\n"
    family = "207Q00000X,Physicians,Family Medicine,,,,Family Medicine Physician,Individual\n"
    old = f"{RETIRED},Counselors,Counselor,,,,Counselor,Individual\n"
    first = tmp_path / "nucc_taxonomy_250.csv"
    first.write_text(header + family + old)
    taxonomy.load_file(first)
    second = tmp_path / "nucc_taxonomy_251.csv"
    second.write_text(header + family)
    taxonomy.load_file(second)
    return RETIRED


def test_a_retired_taxonomy_code_is_refused_the_same_everywhere(acme, admin, retired_code):
    doc = acme.member("doc@acme.test", role="provider")
    before = _state()
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(doc, {"taxonomy_codes": [retired_code]}, actor=admin)
    assert exc.value.message_dict["taxonomy_codes"] == [RETIRED_MESSAGE]

    r = ApiClient(acme.token()).put(
        f"/api/v1/staff/{doc.pk}/credentials", {"taxonomy_codes": [retired_code]}
    )
    assert r.status_code == 422 and RETIRED_MESSAGE in r.content.decode()

    page = signed_in(admin).post(
        f"/staff/{doc.pk}/credentials/",
        {"taxonomy_codes": retired_code, "capacity": 1, "scheduling_step": 15, "npi": ""},
    )
    assert escape(RETIRED_MESSAGE) in page.content.decode()

    errors = _import([_row(doc, Taxonomy_codes=retired_code)], admin)
    assert errors == [f"“{retired_code}”: {RETIRED_MESSAGE}"]
    assert _state() == before


def test_a_taken_employee_id_is_refused_the_same_everywhere(acme, admin, tmp_path):
    acme.member("held@acme.test", employee_id="E-100")
    new = {"first_name": "New", "last_name": "Person", "employee_id": "E-100"}
    before = _state()
    with pytest.raises(ValidationError) as exc:
        actions.invite_staff(
            {
                **new,
                "email": "n1@acme.test",
                "primary_location": acme.main,
                "role": acme.roles["front_desk"],
            },
            actor=admin,
            send=False,
        )
    assert exc.value.message_dict["employee_id"] == [rules.EMPLOYEE_ID_TAKEN]

    r = ApiClient(acme.token()).post(
        "/api/v1/staff",
        {
            **new,
            "email": "n2@acme.test",
            "primary_location": acme.main.pk,
            "role": acme.roles["front_desk"].pk,
            "send_invitation": False,
        },
    )
    assert r.status_code == 422
    assert {"field": "employee_id", "message": rules.EMPLOYEE_ID_TAKEN} in r.json()["errors"]

    page = signed_in(admin).post(
        "/staff/new/",
        {
            **new,
            "email": "n3@acme.test",
            "primary_location": acme.main.pk,
            "role": acme.roles["front_desk"].pk,
        },
    )
    assert escape(rules.EMPLOYEE_ID_TAKEN) in page.content.decode()

    errors = _import(
        [
            {
                "Email": "n4@acme.test",
                "First name": "N",
                "Last name": "P",
                "Primary location code": "MAIN",
                "Role": "Front Desk",
                "Employee id": "E-100",
            }
        ],
        admin,
        mode="create",
    )
    assert errors == [rules.EMPLOYEE_ID_TAKEN]

    with pytest.raises(CommandError, match=rules.EMPLOYEE_ID_TAKEN):
        call_command(
            "invite",
            "--org=acme",
            "--email=n5@acme.test",
            "--first-name=N",
            "--last-name=P",
            "--location=MAIN",
            "--role=Front Desk",
            "--employee-id=E-100",
            "--no-send",
        )
    assert _state() == before


def test_the_status_machine_speaks_with_one_voice(acme, admin):
    pending = acme.member("p@acme.test", role="front_desk", status=Status.PENDING)
    message = rules.status_change_error(Status.PENDING, Status.SUSPENDED, label="")
    assert message == "A pending member cannot become suspended. Allowed next: Active, Deactivated."
    with pytest.raises(ValidationError) as exc:
        actions.change_staff_status(pending, Status.SUSPENDED, "x", actor=admin)
    assert exc.value.message_dict == {"status": [message]}
    r = ApiClient(acme.token()).post(
        f"/api/v1/staff/{pending.pk}/status", {"status": "suspended", "reason": "x"}
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "status", "message": message}]
