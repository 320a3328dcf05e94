"""`clinicorg demo` loads the demo organization once and is safe to run again."""

from io import StringIO

from django.core.management import call_command
from django.test import Client

from clinicorg.access.models import Role
from clinicorg.core.models import AuditEvent, Organization
from clinicorg.demo.loader import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SLUG
from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
from clinicorg.staff.models import StaffMember, Status


def counts():
    return {
        "organizations": Organization.objects.count(),
        "locations": Location.objects.count(),
        "departments": Department.objects.count(),
        "positions": Position.objects.count(),
        "categories": EmployeeCategory.objects.count(),
        "staff": StaffMember.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_creates_the_organization_with_its_structure_and_staff(db):
    output = run_demo()
    org = Organization.objects.get(slug=DEMO_SLUG)
    assert "Created demo organization" in output
    assert DEMO_ADMIN_EMAIL in output and DEMO_PASSWORD in output
    assert Location.objects.filter(organization=org).count() == 3
    assert Department.objects.filter(organization=org).count() >= 3
    assert Position.objects.filter(organization=org).count() >= 3
    assert EmployeeCategory.objects.filter(organization=org).count() >= 2
    staff = StaffMember.objects.filter(organization=org)
    assert 25 <= staff.count() <= 40
    held = set(staff.values_list("role__name", flat=True))
    assert {"Administrator", "Front Desk", "Provider", "Billing Manager"} <= held
    assert staff.exclude(npi="").count() >= 5
    assert AuditEvent.objects.filter(organization=org, action="create_location").count() == 3


def test_the_demo_administrator_can_sign_in_with_the_documented_password(db, client):
    run_demo()
    admin = StaffMember.objects.get(email=DEMO_ADMIN_EMAIL)
    assert admin.status == Status.ACTIVE
    assert admin.role == Role.objects.get(organization=admin.organization, name="Administrator")
    assert admin.check_password(DEMO_PASSWORD)
    response = client.post("/signin/", {"username": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "/signin/" not in response["Location"]


def test_every_accepted_demo_member_signs_in_with_the_demo_password_and_no_pending_one_can(db):
    run_demo()
    staff = StaffMember.objects.exclude(email=DEMO_ADMIN_EMAIL)
    accepted = staff.exclude(status=Status.PENDING)
    assert accepted.exists() and staff.filter(status=Status.PENDING).exists()
    for member in accepted:
        assert member.check_password(DEMO_PASSWORD), member.email
    for member in staff.filter(status=Status.PENDING):
        assert not member.has_usable_password(), member.email
    member = accepted.filter(status=Status.ACTIVE).first()
    client = Client()
    response = client.post("/signin/", {"username": member.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and "/signin/" not in response["Location"]


def test_running_demo_again_changes_nothing(db):
    run_demo()
    before = counts()
    output = run_demo()
    assert "Already present" in output
    assert counts() == before


def test_demo_loads_the_nucc_code_set_named_by_the_environment(db, settings, tmp_path):
    from clinicorg.staff.models import TaxonomyCode

    path = tmp_path / "nucc_taxonomy_251.csv"
    path.write_text(
        "Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\n"
        "207Q00000X,Allopathic & Osteopathic Physicians,Family Medicine,,,,"
        "Family Medicine Physician,Individual\n",
        encoding="utf-8",
    )
    settings.NUCC_TAXONOMY_CSV = str(path)
    output = run_demo()
    assert "Loaded NUCC taxonomy code set 25.1 (1 codes)." in output
    assert TaxonomyCode.objects.filter(code="207Q00000X").exists()
    # Run again: the code set is there, nothing is loaded twice.
    assert "Loaded NUCC" not in run_demo()


def test_demo_without_a_code_set_says_how_to_load_one(db, settings):
    settings.NUCC_TAXONOMY_CSV = ""
    output = run_demo()
    assert "No NUCC taxonomy code set is loaded" in output
    assert "NUCC_TAXONOMY_CSV" in output and "clinicorg taxonomy load FILE" in output


def test_demo_reports_a_missing_code_set_file_without_failing(db, settings, tmp_path):
    settings.NUCC_TAXONOMY_CSV = str(tmp_path / "nucc_taxonomy_251.csv")
    err = StringIO()
    call_command("demo", stdout=StringIO(), stderr=err)
    assert "was not loaded" in err.getvalue()
    assert Organization.objects.filter(slug=DEMO_SLUG).exists()
