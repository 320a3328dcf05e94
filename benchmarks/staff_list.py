"""Staff directory reads at 100,000 staff: the API page and the web list page.

Measured in-process through django.test.Client (server-side: URL routing, middleware, auth,
queries, serialization or template rendering; no network). Each request asks for another
location, in turn, so one cached page cannot flatter the figures. Queries per request are
counted in a separate pass, because counting queries slows them.

The search figures (`q=Chen` and `q=Zhou` over the whole organization, the count included) are
set beside a floor taken in the same run on the same machine: the cheapest request through the
same stack (one member by id for the API, the empty-result list page for the web), so a
slow machine reads as a slow floor rather than as a slow search.
"""

import os

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import timed
from .seed import seeded

API_URL = "/api/v1/staff"
PAGE_URL = "/staff/"
TARGET_API_P50_MS = 15.0
# Two surnames of the seed, each held by about 4 % of the members: one near the start of the
# alphabet, one at its end (a plan walking the members in name order finds the first soon and
# the second last).
SEARCHES = ("Chen", "Zhou")
TARGET_SEARCH_API_P50_MS = 20.0
TARGET_SEARCH_PAGE_P50_MS = 60.0


def _query_counts(get, paths) -> tuple[int, int]:
    counts = []
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            get(path)
        counts.append(len(ctx.captured_queries))
    return min(counts), max(counts)


def _bench(report, name, get, path_for, *, requests, check):
    first = get(path_for(0))
    if first.status_code != 200:
        report(name, {"error": f"HTTP {first.status_code} for {path_for(0)}"})
        return None
    problem = check(first)
    if problem:
        report(name, {"error": problem})
        return None
    figures = timed(lambda i: get(path_for(i)), requests=requests)
    low, high = _query_counts(get, [path_for(i) for i in range(10)])
    figures["queries"] = high if low == high else f"{low}-{high}"
    report(name, figures)
    return figures


def run(report) -> None:
    requests = int(os.environ.get("BENCH_REQUESTS", 200))
    data = seeded()
    locations = data.location_ids

    api = Client(headers={"Authorization": f"Bearer {data.token}"})

    def api_path(i):
        return f"{API_URL}?location={locations[i % len(locations)]}&status=active&limit=50"

    def api_check(response):
        body = response.json()
        if not body.get("items"):
            return f"no items in {API_URL} (count={body.get('count')})"
        if len(body["items"]) != 50:
            return f"expected a full page of 50, got {len(body['items'])}"
        return None

    figures = _bench(
        report, "staff API page", api.get, api_path, requests=requests, check=api_check
    )
    if figures is not None:
        met = figures["p50_ms"] <= TARGET_API_P50_MS
        report(
            "staff API target",
            {"p50_target_ms": TARGET_API_P50_MS, "met": "yes" if met else "NO"},
        )

    from clinicorg.staff.models import StaffMember

    web = Client()
    web.force_login(StaffMember.objects.get(pk=data.admin_id))

    def page_path(i):
        return f"{PAGE_URL}?location={locations[i % len(locations)]}&status=active"

    def page_check(response):
        return None if b"<table" in response.content else "no table in the staff list page"

    _bench(report, "staff list page", web.get, page_path, requests=requests, check=page_check)

    _search(report, api, web, data, requests=requests)


def _search(report, api, web, data, *, requests) -> None:
    """Each of SEARCHES across the organization, API page and web page, each beside its
    floor."""
    floor_api = _bench(
        report,
        "floor API one member",
        api.get,
        lambda i: f"{API_URL}/{data.admin_id}",
        requests=requests,
        check=lambda r: None,
    )
    floor_page = _bench(
        report,
        "floor page no match",
        web.get,
        lambda i: f"{PAGE_URL}?q=zz-none-{i}",
        requests=requests,
        check=lambda r: None,
    )
    for term in SEARCHES:

        def found(response, term=term):
            body = response.json()
            return None if body.get("items") else f"no member matches q={term}"

        def on_page(response, term=term):
            return None if term.encode() in response.content else f"{term} not on the page"

        search_api = _bench(
            report,
            f"search API q={term}",
            api.get,
            lambda i, term=term: f"{API_URL}?q={term}&limit=50",
            requests=requests,
            check=found,
        )
        search_page = _bench(
            report,
            f"search page q={term}",
            web.get,
            lambda i, term=term: f"{PAGE_URL}?q={term}",
            requests=requests,
            check=on_page,
        )
        for label, search, floor, target in (
            (f"search API target q={term}", search_api, floor_api, TARGET_SEARCH_API_P50_MS),
            (f"search page target q={term}", search_page, floor_page, TARGET_SEARCH_PAGE_P50_MS),
        ):
            if search is None or floor is None:
                continue
            report(
                label,
                {
                    "p50_target_ms": target,
                    "p50_ms": search["p50_ms"],
                    "floor_p50_ms": floor["p50_ms"],
                    "over_floor_ms": round(search["p50_ms"] - floor["p50_ms"], 2),
                    "met": "yes" if search["p50_ms"] <= target else "NO",
                },
            )
