"""The dashboard and the license expiry list at 100,000 staff and 1,000 locations.

Adds to the seeded organization, once per database and in bulk like the seed (the reads are
measured, not the writes): licenses for one member in ten, expiring from 60 days ago to 400
days ahead, an invitation for each pending member, a tenth of them expired, and a primary
taxonomy code for nine providers in ten (so that "no primary taxonomy" is counted against a
real table). Measured in-process through django.test.Client (routing, middleware, auth,
queries, templates), for the administrator (all locations; the dashboard twice: as read again
within its minute, and counted on every request) and for an administrator limited to one
location (counted on every request), beside a floor taken in the same run: the reminder
settings page with its empty list of digests (the same stack, session, layout and a scoped,
paginated list, with next to no query work).
"""

import os
import random
from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from . import timed
from .seed import BATCH, seeded, vacuum_analyze

DASHBOARD_URL = "/dashboard/"
LICENSES_URL = "/licenses/"
REMINDERS_URL = "/licenses/reminders/"
TARGET_DASHBOARD_P50_MS = 150.0
TARGET_LICENSES_P50_MS = 50.0
LIMITED_EMAIL = "limited@bench.clinicorg.test"


def _seed_reports(data) -> None:
    from clinicorg.access.models import Role
    from clinicorg.access.system import SystemActor
    from clinicorg.directory.models import Location
    from clinicorg.staff.actions import create_staff
    from clinicorg.staff.models import Invitation, License, StaffMember, TaxonomyAssignment

    if License.objects.filter(staff__organization_id=data.organization_id).exists():
        return
    rng = random.Random(20251128)
    today = timezone.localdate()
    now = timezone.now()
    members = StaffMember.objects.filter(organization_id=data.organization_id)
    ids = list(members.order_by("pk").values_list("pk", flat=True))
    pending = list(members.filter(status="pending").values_list("pk", flat=True))
    clinical = Role.objects.filter(organization_id=data.organization_id).clinical()
    providers = list(
        members.filter(role__in=clinical.values("pk")).order_by("pk").values_list("pk", flat=True)
    )
    with transaction.atomic():
        License.objects.bulk_create(
            [
                License(
                    staff_id=pk,
                    state=rng.choice(["CA", "NY", "TX", "IL", "WA"]),
                    number=f"L{pk:08d}",
                    expires_on=today + timedelta(days=rng.randint(-60, 400)),
                )
                for pk in ids[::10]
            ],
            batch_size=BATCH,
        )
        Invitation.objects.bulk_create(
            [
                Invitation(
                    staff_id=pk,
                    token_hash=f"{pk:064d}",
                    expires_at=now + timedelta(days=-1 if i % 10 == 0 else 5),
                )
                for i, pk in enumerate(pending)
            ],
            batch_size=BATCH,
        )
        TaxonomyAssignment.objects.bulk_create(
            [
                TaxonomyAssignment(staff_id=pk, code="207Q00000X", is_primary=True)
                for i, pk in enumerate(providers)
                if i % 10
            ],
            batch_size=BATCH,
        )
    create_staff(
        {
            "email": LIMITED_EMAIL,
            "first_name": "Limited",
            "last_name": "Manager",
            "primary_location": Location.objects.get(pk=data.location_ids[1]),
            "role": Role.objects.get(organization_id=data.organization_id, key="administrator"),
        },
        actor=SystemActor(data.organization_id),
        status="active",
    )
    vacuum_analyze()


def _queries(get, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        get(path)
    return len(ctx.captured_queries)


def _measure(
    report, name, client, path_for, *, requests, target=None, floor=None, uncached=False, check
):
    """`uncached`: the cache is emptied before each request, so each one counts again."""

    def get(path):
        if uncached:
            cache.clear()
        return client.get(path)

    first = get(path_for(0))
    if first.status_code != 200 or check(first):
        report(name, {"error": f"HTTP {first.status_code}: {check(first) or ''}"})
        return None
    figures = timed(lambda i: get(path_for(i)), requests=requests)
    figures["queries"] = _queries(get, path_for(0))
    if floor is not None:
        figures["floor_p50_ms"] = floor["p50_ms"]
    if target is not None:
        figures["target_ms"] = target
        figures["met"] = "yes" if figures["p50_ms"] <= target else "NO"
    report(name, figures)
    return figures


def run(report) -> None:
    from clinicorg.staff.models import StaffMember

    requests = int(os.environ.get("BENCH_REQUESTS", 200))
    data = seeded()
    _seed_reports(data)
    admin, limited = Client(), Client()
    admin.force_login(StaffMember.objects.get(pk=data.admin_id))
    limited.force_login(StaffMember.objects.get(email=LIMITED_EMAIL))

    def has_charts(response):
        return None if b"chart-svg" in response.content else "no chart on the dashboard"

    def has_rows(response):
        return None if b'<td class="num"' in response.content else "no license listed"

    # The floor: the same stack (session, layout, a scoped list) with next to no query work.
    floor = _measure(
        report,
        "floor reminders page",
        admin,
        lambda i: REMINDERS_URL,
        requests=requests,
        check=lambda r: None,
    )
    # A reader of every location has the dashboard kept a minute per organization and latest
    # change: measured as read again (the kept figures) and as counted on every request (the
    # cache emptied first). A location-limited reader's is counted on every request.
    dash_requests = max(20, requests // 4)
    _measure(
        report,
        "dashboard (all locations)",
        admin,
        lambda i: DASHBOARD_URL,
        requests=dash_requests,
        target=TARGET_DASHBOARD_P50_MS,
        floor=floor,
        check=has_charts,
    )
    _measure(
        report,
        "dashboard counted (all)",
        admin,
        lambda i: DASHBOARD_URL,
        requests=dash_requests,
        target=TARGET_DASHBOARD_P50_MS,
        floor=floor,
        uncached=True,
        check=has_charts,
    )
    _measure(
        report,
        "dashboard (one location)",
        limited,
        lambda i: DASHBOARD_URL,
        requests=requests,
        floor=floor,
        check=has_charts,
    )
    windows = (30, 60, 90)
    _measure(
        report,
        "license expiry page",
        admin,
        lambda i: f"{LICENSES_URL}?window={windows[i % 3]}",
        requests=requests,
        target=TARGET_LICENSES_P50_MS,
        floor=floor,
        check=has_rows,
    )
    _measure(
        report,
        "license expiry API",
        Client(headers={"Authorization": f"Bearer {data.token}"}),
        lambda i: f"/api/v1/reports/licenses?window={windows[i % 3]}&limit=50",
        requests=requests,
        check=lambda r: None if r.json().get("items") else "no items",
    )
