"""Authorization: `policy.can()` in-process, and the decision API over HTTP.

- `can()` warm: members loaded once (role and location grants cached on the instance, as in a
  request), then a rotating mix of permissions and locations, allowed and denied.
- `POST /api/v1/authz/check`, one check per request and batches of 100, in-process through
  django.test.Client (routing, middleware, token auth, queries, serialization; no network).
  Queries per request are counted in a separate pass. Target: >= 100,000 in-process decisions
  per second, <= 2 queries per HTTP decision.
"""

import json
import os
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import timed
from .seed import seeded

TARGET_DECISIONS_PER_S = 100_000
CHECK_URL = "/api/v1/authz/check"


def _members(organization_id, count=200):
    from clinicorg.staff.models import StaffMember

    return list(
        StaffMember.objects.filter(organization_id=organization_id, status="active")
        .select_related("role", "primary_location")
        .order_by("id")[:count]
    )


def _bench_can(report, data) -> None:
    from clinicorg.access import policy
    from clinicorg.access.catalogue import PERMISSIONS
    from clinicorg.directory.models import Location

    members = _members(data.organization_id)
    locations = list(Location.objects.filter(pk__in=data.location_ids[:20]))
    locations += [m.primary_location for m in members[:20]]
    perms = list(PERMISSIONS)
    cases = [
        (members[i % len(members)], perms[i % len(perms)], locations[i % len(locations)])
        for i in range(5_000)
    ]
    for member, perm, loc in cases:  # warm: grants and permission sets cached per instance
        policy.can(member, perm, loc)
    allowed = sum(policy.can(m, p, loc) for m, p, loc in cases)
    rounds = 100
    can = policy.can
    start = time.perf_counter()
    for _ in range(rounds):
        for member, perm, loc in cases:
            can(member, perm, loc)
    seconds = time.perf_counter() - start
    total = rounds * len(cases)
    rate = round(total / seconds)
    report(
        "can() in-process, warm",
        {
            "decisions_per_s": rate,
            "us_per_decision": round(seconds / total * 1e6, 2),
            "allowed_share": round(allowed / len(cases), 2),
            "target": TARGET_DECISIONS_PER_S,
            "ok": rate >= TARGET_DECISIONS_PER_S,
        },
    )


def _query_count(post, bodies) -> tuple[int, int]:
    counts = []
    for body in bodies:
        with CaptureQueriesContext(connection) as ctx:
            post(body)
        counts.append(len(ctx.captured_queries))
    return min(counts), max(counts)


def _bench_http(report, data, requests) -> None:
    from clinicorg.access.catalogue import PERMISSIONS

    members = _members(data.organization_id, 1000)
    perms = list(PERMISSIONS)
    client = Client(headers={"Authorization": f"Bearer {data.token}"})

    def check(i):
        m = members[i % len(members)]
        loc = m.primary_location_id if i % 3 else data.location_ids[i % len(data.location_ids)]
        return {"staff": m.pk, "permission": perms[i % len(perms)], "location": loc}

    def post(body):
        response = client.post(CHECK_URL, json.dumps(body), content_type="application/json")
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:200]!r}")
        return response

    def batch(i):
        return [check(i * 100 + k) for k in range(100)]

    for name, body_for, per_request in (
        ("authz/check single", check, 1),
        ("authz/check batch of 100", batch, 100),
    ):
        n = requests if per_request == 1 else max(20, requests // 4)
        start = time.perf_counter()
        figures = timed(lambda i, f=body_for: post(f(i)), requests=n)
        elapsed = time.perf_counter() - start
        # timed() also runs 20 untimed warm-up calls: rate over all calls made.
        calls = n + 20
        low, high = _query_count(post, [body_for(i) for i in range(10)])
        figures["req_per_s"] = round(calls / elapsed)
        figures["decisions_per_s"] = round(calls * per_request / elapsed)
        figures["queries"] = high if low == high else f"{low}-{high}"
        figures["queries_per_decision"] = round(high / per_request, 3)
        report(name, figures)


def run(report) -> None:
    requests = int(os.environ.get("BENCH_REQUESTS", 200))
    data = seeded()
    _bench_can(report, data)
    _bench_http(report, data, requests)
