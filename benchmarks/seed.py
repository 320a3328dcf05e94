"""The benchmark organization: 1,000 locations and 100,000 staff, inserted in bulk.

Bulk inserts bypass the actions on purpose: 100,000 audited, validated, password-hashed
creates would take many minutes and measure the seeding rather than the reads. The rows are
what the actions would write (unusable password, real roles, departments, positions,
categories, a spread of statuses). The administrator and the API token used by the suites are
created through the actions, as a user would.

Sizes come from BENCH_STAFF and BENCH_LOCATIONS (run.py sets them from its options).
"""

import os
import random
import time
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import transaction

BATCH = 5000
SLUG = "bench"

FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jamal",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adams",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Moreau",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zhou",
]
# Of every 20 members: 16 active, 2 on leave, 1 invited (pending), 1 deactivated.
STATUS_CYCLE = ["active"] * 16 + ["on_leave"] * 2 + ["pending", "deactivated"]


@dataclass(frozen=True)
class BenchData:
    organization_id: int
    location_ids: tuple[int, ...]
    admin_id: int
    token: str  # raw bearer token of an Administrator token, all locations
    staff: int
    seconds: float


def sizes() -> tuple[int, int]:
    return int(os.environ.get("BENCH_STAFF", 100_000)), int(
        os.environ.get("BENCH_LOCATIONS", 1_000)
    )


@cache
def seeded() -> BenchData:
    """The seeded organization, created on first use in this process (once per database)."""
    from clinicorg.access.actions import create_api_token
    from clinicorg.access.models import Role
    from clinicorg.core.models import Organization
    from clinicorg.directory.models import Location
    from clinicorg.staff.models import StaffMember

    start = time.perf_counter()
    org = Organization.objects.filter(slug=SLUG).first()
    if org is None:
        staff, locations = sizes()
        org = _seed(staff, locations)
        vacuum_analyze()
    admin = StaffMember.objects.get(organization=org, email="admin@bench.clinicorg.test")
    role = Role.objects.get(organization=org, key="administrator")
    _token, raw = create_api_token(org, role, "bench")
    location_ids = tuple(
        Location.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    )
    return BenchData(
        organization_id=org.pk,
        location_ids=location_ids,
        admin_id=admin.pk,
        token=raw,
        staff=StaffMember.objects.filter(organization=org).count(),
        seconds=round(time.perf_counter() - start, 1),
    )


def vacuum_analyze() -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk load: planner statistics, and
    the visibility map that lets a query read a covering index without visiting the table.

    Autovacuum vacuums a table once inserts pass `autovacuum_vacuum_insert_threshold` plus
    `autovacuum_vacuum_insert_scale_factor` of its rows (1,000 + 20 %: a bulk load of the
    seed's size does) and analyzes it alike; a benchmark server may run with autovacuum off,
    and would not wait for it anyway, so this does both at once. Without statistics the
    planner guesses one row per filter and may scan the whole organization; without the
    visibility map every index-only scan visits the table. SQLite is left as the application
    leaves it: it never runs ANALYZE there, so the figures show what an out-of-the-box
    installation gets.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _seed(staff_count: int, location_count: int):
    from clinicorg.access.actions import create_organization
    from clinicorg.access.models import Role
    from clinicorg.access.system import SystemActor
    from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
    from clinicorg.staff.actions import create_staff
    from clinicorg.staff.models import StaffMember

    rng = random.Random(20251123)
    org = create_organization("Bench Health", SLUG)
    system = SystemActor(org.pk)
    roles = list(Role.objects.filter(organization=org).order_by("id"))
    with transaction.atomic():
        Location.objects.bulk_create(
            [
                Location(
                    organization=org,
                    name=f"Site {i:04d}",
                    code=f"S{i:04d}",
                    city=rng.choice(["Austin", "Boston", "Denver", "Miami", "Portland"]),
                )
                for i in range(location_count)
            ],
            batch_size=BATCH,
        )
        Department.objects.bulk_create(
            [Department(organization=org, name=f"Department {i}") for i in range(20)]
        )
        Position.objects.bulk_create(
            [Position(organization=org, name=f"Position {i}") for i in range(50)]
        )
        EmployeeCategory.objects.bulk_create(
            [EmployeeCategory(organization=org, name=f"Category {i}") for i in range(5)]
        )
    location_ids = list(
        Location.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    )
    department_ids = list(Department.objects.filter(organization=org).values_list("id", flat=True))
    position_ids = list(Position.objects.filter(organization=org).values_list("id", flat=True))
    category_ids = list(
        EmployeeCategory.objects.filter(organization=org).values_list("id", flat=True)
    )
    unusable = make_password(None)  # one unusable hash for every row: no hashing per row

    def member(i: int) -> StaffMember:
        return StaffMember(
            organization_id=org.pk,
            email=f"s{i:06d}@bench.clinicorg.test",
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            primary_location_id=location_ids[i % len(location_ids)],
            role_id=roles[i % len(roles)].pk,
            department_id=rng.choice(department_ids),
            position_id=rng.choice(position_ids),
            category_id=rng.choice(category_ids) if i % 3 else None,
            employee_id=f"E{i:06d}",
            status=STATUS_CYCLE[(i // len(location_ids)) % len(STATUS_CYCLE)],
            password=unusable,
        )

    with transaction.atomic():
        for first in range(0, staff_count, BATCH):
            batch = [member(i) for i in range(first, min(first + BATCH, staff_count))]
            StaffMember.objects.bulk_create(batch, batch_size=BATCH)
    create_staff(
        {
            "email": "admin@bench.clinicorg.test",
            "first_name": "Bench",
            "last_name": "Admin",
            "primary_location": Location.objects.get(pk=location_ids[0]),
            "role": Role.objects.get(organization=org, key="administrator"),
        },
        actor=system,
        status="active",
        all_locations=True,
    )
    return org
