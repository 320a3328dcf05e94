"""The staff export at 100,000 staff, as `clinicorg export staff --status all` makes it.

Measured in this process (no HTTP): the filter set's query, the prefetches, one row per member
from the staff field list, the CSV. Beside it, a floor taken in the same run: the same members
read with the same query and prefetches without building a row, so `over_floor_cpu_s` is what
the rows and the file cost. Times are CPU seconds of this process (SQLite's work is in them,
PostgreSQL's is not), the median of BENCH_EXPORT_RUNS runs (default 3).
"""

import os
import statistics
import time

from .seed import SLUG, seeded


def _timed(call, runs: int) -> dict:
    cpu, wall = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = call()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return {
        "runs": runs,
        "cpu_s_p50": round(statistics.median(cpu), 2),
        "wall_s_p50": round(statistics.median(wall), 2),
        "result": result,
    }


def run(report) -> None:
    from django.db.models import Prefetch

    from clinicorg.core.cli import organization
    from clinicorg.directory.models import Location
    from clinicorg.staff.filters import staff_for
    from clinicorg.staff.models import TaxonomyAssignment
    from clinicorg.transfer.exports import export
    from clinicorg.transfer.management.commands._common import system_actor

    seeded()
    runs = int(os.environ.get("BENCH_EXPORT_RUNS", 3))
    actor = system_actor(organization(SLUG))
    filters = {"status": "all"}

    def read_only() -> int:
        qs = staff_for(actor, filters).prefetch_related(
            Prefetch("extra_locations", queryset=Location.objects.visible_to(actor)),
            Prefetch(
                "taxonomies", queryset=TaxonomyAssignment.objects.order_by("-is_primary", "code")
            ),
        )
        return sum(1 for _ in qs.iterator(chunk_size=2000))

    def export_csv() -> int:
        content, _type, _name = export("staff", "csv", actor, filters)
        return len(content)

    floor = _timed(read_only, runs)
    members = floor.pop("result")
    report("floor read the members", {**floor, "rows": members})
    figures = _timed(export_csv, runs)
    size = figures.pop("result")
    figures["bytes"] = size
    figures["floor_cpu_s_p50"] = floor["cpu_s_p50"]
    figures["over_floor_cpu_s"] = round(figures["cpu_s_p50"] - floor["cpu_s_p50"], 2)
    report("staff export CSV", figures)
