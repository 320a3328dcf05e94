"""The demo organization: three locations, org structure and ~30 staff across the seeded roles.

Built through the actions, so the demo's audit log reads like a real one.
"""

from django.db import transaction

from clinicorg.access.system import SystemActor
from clinicorg.core.models import Organization
from clinicorg.core.validators import NPI_PREFIX, luhn_check_digit

DEMO_SLUG = "demo"
DEMO_ADMIN_EMAIL = "admin@demo.clinicorg.test"
DEMO_PASSWORD = "clinicorg-demo"

LOCATIONS = [
    {
        "name": "Main Street Clinic",
        "code": "MAIN",
        "address_line1": "120 Main Street",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "phone": "(217) 555-0100",
        "timezone": "America/Chicago",
        "place_of_service": "11",
        "credentialing_enabled": True,
    },
    {
        "name": "Northside Family Practice",
        "code": "NORTH",
        "address_line1": "4400 N Grand Ave",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62702",
        "phone": "(217) 555-0140",
        "timezone": "America/Chicago",
        "place_of_service": "11",
    },
    {
        "name": "Lakeview Pediatrics",
        "code": "LAKE",
        "address_line1": "9 Lakeshore Drive",
        "city": "Chatham",
        "state": "IL",
        "postal_code": "62629",
        "phone": "(217) 555-0199",
        "timezone": "America/Chicago",
        "place_of_service": "22",
    },
]
DEPARTMENTS = ["Primary Care", "Pediatrics", "Front Office", "Billing", "Administration"]
POSITIONS = [
    "Physician",
    "Nurse Practitioner",
    "Registered Nurse",
    "Medical Assistant",
    "Receptionist",
    "Billing Specialist",
    "Practice Manager",
]
CATEGORIES = ["Full-time", "Part-time", "Contractor", "Per diem"]

# NUCC taxonomy codes (code set 25.1) by position, for the providers' credentials.
TAXONOMY = {
    ("Physician", "Primary Care"): "207Q00000X",  # Family Medicine
    ("Physician", "Pediatrics"): "208000000X",  # Pediatrics
    ("Nurse Practitioner", "Pediatrics"): "363LP0200X",  # Nurse Practitioner, Pediatrics
    ("Nurse Practitioner", "Primary Care"): "363LF0000X",  # Nurse Practitioner, Family
}

FIRST = [
    "Olivia",
    "Liam",
    "Amara",
    "Noah",
    "Sofia",
    "Mateo",
    "Priya",
    "Ethan",
    "Grace",
    "Diego",
    "Hannah",
    "Omar",
    "Chloe",
    "Lucas",
    "Aisha",
    "Daniel",
    "Mia",
    "Samuel",
    "Leah",
    "Jonah",
    "Zara",
    "Isaac",
    "Nora",
    "Elijah",
    "Ruth",
    "Kenji",
    "Ava",
    "Tomas",
    "Ivy",
]
LAST = [
    "Bennett",
    "Okafor",
    "Nguyen",
    "Patel",
    "Garcia",
    "Schmidt",
    "Kowalski",
    "Haddad",
    "Johnson",
    "Rivera",
    "Cohen",
    "Mensah",
    "Larsen",
    "Tanaka",
    "Moreau",
    "Brooks",
    "Ali",
    "Fischer",
    "Reyes",
    "Novak",
    "Hughes",
    "Singh",
    "Costa",
    "Murphy",
    "Ibrahim",
    "Sato",
    "Walsh",
    "Delgado",
    "Price",
]

# (role key, department, position, is provider)
PLAN = (
    [("provider", "Primary Care", "Physician", True)] * 6
    + [("provider", "Pediatrics", "Nurse Practitioner", True)] * 4
    + [("provider", "Primary Care", "Registered Nurse", False)] * 3
    + [("front_desk", "Front Office", "Receptionist", False)] * 7
    + [("front_desk", "Primary Care", "Medical Assistant", False)] * 4
    + [("billing_manager", "Billing", "Billing Specialist", False)] * 3
    + [("administrator", "Administration", "Practice Manager", False)] * 2
)


def demo_npi(n: int) -> str:
    base = f"1{n:08d}"
    return base + str(luhn_check_digit(NPI_PREFIX + base))


def load_demo() -> tuple[Organization, bool]:
    """Create the demo organization unless it exists; returns (organization, created)."""
    from clinicorg.access.actions import create_organization
    from clinicorg.access.models import Role
    from clinicorg.directory import actions as d
    from clinicorg.staff.actions import create_staff, set_location_managers
    from clinicorg.staff.models import Status

    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing:
        return existing, False
    with transaction.atomic():
        org = create_organization("Riverbend Family Health", DEMO_SLUG, timezone="America/Chicago")
        system = SystemActor(org.pk, label="demo loader")
        locations = [
            d.create_location({**loc, "npi": demo_npi(99000010 + n)}, actor=system)
            for n, loc in enumerate(LOCATIONS)
        ]
        d.add_payer_enrollment(
            locations[0],
            {
                "payer_name": "Blue Cross Blue Shield of Illinois",
                "payer_id": "00621",
                "status": "active",
                "effective_date": "2024-01-01",
            },
            actor=system,
        )
        d.add_payer_enrollment(
            locations[0],
            {"payer_name": "Medicare Part B", "payer_id": "00952", "status": "pending"},
            actor=system,
        )
        d.add_organization_npi("Group practice", demo_npi(99000001), actor=system)
        departments = {n: d.create_department(n, actor=system) for n in DEPARTMENTS}
        positions = {n: d.create_position(n, actor=system) for n in POSITIONS}
        categories = {n: d.create_employee_category(n, actor=system) for n in CATEGORIES}
        roles = {r.key: r for r in Role.objects.filter(organization=org)}
        admin = create_staff(
            {
                "email": DEMO_ADMIN_EMAIL,
                "first_name": "Dana",
                "last_name": "Whitfield",
                "display_name": "Dana Whitfield",
                "primary_location": locations[0],
                "role": roles["administrator"],
                "department": departments["Administration"],
                "position": positions["Practice Manager"],
                "category": categories["Full-time"],
                "employee_id": "E0001",
                "phone": "(217) 555-0101",
                "hire_date": "2019-03-04",
            },
            actor=system,
            status=Status.ACTIVE,
            password=DEMO_PASSWORD,
            all_locations=True,
        )
        password_hash = admin.password  # every accepted demo member shares the demo password
        members = []
        for i, (role_key, dept, pos, provider) in enumerate(PLAN):
            first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
            status = Status.ACTIVE
            if i in (5, 17):
                status = Status.PENDING
            elif i == 11:
                status = Status.ON_LEAVE
            elif i == 22:
                status = Status.DEACTIVATED
            data = {
                "email": f"{first}.{last}@demo.clinicorg.test".lower(),
                "first_name": first,
                "last_name": last,
                "display_name": (
                    f"{'Dr. ' if pos == 'Physician' else ''}{first} {last}"
                    f"{', NP' if pos == 'Nurse Practitioner' else ''}"
                ),
                "primary_location": locations[i % 3],
                "role": roles[role_key],
                "department": departments[dept],
                "position": positions[pos],
                "category": categories["Part-time" if i % 5 == 4 else "Full-time"],
                "employee_id": f"E{i + 2:04d}",
                "phone": f"(217) 555-{1000 + i:04d}",
                "hire_date": f"20{15 + i % 10}-0{1 + i % 9}-1{i % 10}",
            }
            if provider:
                data.update(npi=demo_npi(10000 + i), capacity=1 + i % 3, scheduling_step=15)
            member = create_staff(
                data,
                actor=system,
                status=status,
                password_hash=password_hash if status != Status.PENDING else None,
            )
            members.append(member)
            if provider:
                _credentials(member, TAXONOMY[(pos, dept)], pos, actor=system)
        _supervisors(members, locations, actor=system)
        set_location_managers(locations[0], [admin.pk], actor=system)
        d.update_employee_category(categories["Per diem"], {"status": "deprecated"}, actor=system)
        from clinicorg.scheduling.demo import load_scheduling_demo

        load_scheduling_demo(org, system)
    return org, True


def _credentials(member, taxonomy_code: str, position: str, *, actor) -> None:
    from clinicorg.staff.actions import people

    title = "family physician" if position == "Physician" else "nurse practitioner"
    people.update_credentials(
        member,
        {
            "taxonomy_codes": [taxonomy_code],
            "primary_taxonomy": taxonomy_code,
            "bio": (
                f"{member.first_name} is a {title} at {member.primary_location.name} who "
                "cares for patients of every age. **Languages:** English."
            ),
        },
        actor=actor,
    )
    if position == "Physician":
        people.add_license(
            member,
            {"state": "IL", "number": f"036-{100000 + member.pk}", "expires_on": "2027-07-31"},
            actor=actor,
        )


def _supervisors(members, locations, *, actor) -> None:
    """The first active physician of each location supervises that location's staff."""
    from clinicorg.staff.actions import appoint_supervisor, update_staff
    from clinicorg.staff.models import Status

    heads = {}
    for member in members:
        loc = member.primary_location_id
        if loc not in heads and member.status == Status.ACTIVE and member.npi:
            heads[loc] = member
    for loc in locations:
        if loc.pk in heads:
            appoint_supervisor(heads[loc.pk], locations=[loc], actor=actor)
    for member in members:
        head = heads.get(member.primary_location_id)
        if head and head.pk != member.pk and member.status != Status.DEACTIVATED:
            update_staff(member, {"supervisor": head}, actor=actor)
