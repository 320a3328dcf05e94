"""Benchmarks run by `make bench` (python -m benchmarks.run).

A suite is a module in this folder with a module-level `run(report) -> None`. It measures
something against the seeded benchmark organization (`benchmarks.seed.seeded()`), and calls
`report(name, figures)` once per measurement, where `figures` is a flat dict such as
{"p50_ms": 4.1, "p95_ms": 6.0, "queries": 3}. `run.py` calls each suite once per database
(SQLite, then PostgreSQL when reachable) in a fresh process with a migrated, seeded database,
and prints the figures as they come and as a table at the end.

`timed()` is the shared way to take latencies, so every suite reports them alike.
"""

import statistics
import time
from collections.abc import Callable


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of `samples` (pct in 0..100)."""
    ordered = sorted(samples)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def timed(call: Callable[[int], object], *, requests: int = 200, warmup: int = 20) -> dict:
    """Call `call(i)` `warmup` times untimed, then `requests` times; latencies in ms.

    `cpu_p50_ms` is the median CPU time of this process per call: on a shared machine the
    wall-clock latency includes waiting for a core, the CPU time does not (a database server
    in another process is not in it).
    """
    for i in range(warmup):
        call(i)
    samples, cpu = [], []
    for i in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        call(warmup + i)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {
        "n": requests,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "max_ms": round(max(samples), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
    }
