"""`make bench`: run every benchmark suite on SQLite, then on PostgreSQL when reachable.

    python -m benchmarks.run [--staff N] [--locations N] [--requests N] [--only SUITE ...]
                             [--no-postgres] [--postgres URL]

(`make bench BENCH_ARGS="--no-postgres --staff 10000"` passes options through make.)

Each database gets a fresh process: SQLite in a new temporary data folder, PostgreSQL in the
database `clinicorg_bench_<checkout folder>` or $BENCH_PG_DB (dropped and created again at the
start, left in place afterwards so the plans can be inspected with EXPLAIN). The process
migrates, seeds the benchmark organization (benchmarks/seed.py), then calls `run(report)` of
each suite module in this folder (see benchmarks/__init__.py for the interface). A summary
table closes the run.
"""

import argparse
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_SUITES = {"run", "seed"}
PREFERRED_ORDER = ("staff_list", "authz", "imports")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# One bench database per checkout: two checkouts benchmarking against one server would
# otherwise drop each other's database mid-run.
PG_BENCH_DB = os.environ.get("BENCH_PG_DB", f"clinicorg_bench_{ROOT.name}".lower()[:63])


def suite_names() -> list[str]:
    """Modules of this folder that are suites, the known ones first."""
    found = {
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.ispkg and m.name not in NOT_SUITES and not m.name.startswith("_")
    }
    known = [n for n in PREFERRED_ORDER if n in found]
    return known + sorted(found - set(known))


# The worker: one database, in its own process (Django reads DATABASE_URL at start-up).


def worker(database: str, only: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicorg.settings")
    import django

    django.setup()
    from django.core.management import call_command

    results = Path(os.environ["BENCH_RESULTS"])

    def report(name: str, figures: dict) -> None:
        shown = "  ".join(f"{k}={v}" for k, v in figures.items())
        print(f"  {database:<10} {name:<28} {shown}", flush=True)
        with results.open("a") as out:
            out.write(json.dumps({"database": database, "name": name, "figures": figures}) + "\n")

    print(f"\n== {database}: migrating", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    from .seed import seeded, sizes

    staff, locations = sizes()
    print(f"== {database}: seeding {staff:,} staff across {locations:,} locations", flush=True)
    data = seeded()
    report("seed", {"staff": data.staff, "locations": len(data.location_ids), "s": data.seconds})

    failed = 0
    for name in suite_names():
        if only and name not in only:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        if not callable(getattr(module, "run", None)):
            continue
        print(f"== {database}: {name}", flush=True)
        try:
            module.run(report)
        except Exception as exc:  # one broken suite must not hide the others' figures
            failed += 1
            traceback.print_exc()
            report(name, {"error": f"{type(exc).__name__}: {exc}"[:200]})
    return 1 if failed else 0


# The driver: prepares each database and runs a worker for it.


def _run_worker(database: str, env: dict, args) -> int:
    cmd = [sys.executable, "-m", "benchmarks.run", "--worker", database]
    for name in args.only or ():
        cmd += ["--only", name]
    return subprocess.call(cmd, cwd=ROOT, env=env)


def _postgres_ready(admin_url: str) -> str | None:
    """Drop and create the bench database; None when PostgreSQL cannot be reached."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
    except psycopg.OperationalError as exc:
        print(f"\nPostgreSQL not reachable at {admin_url} ({str(exc).strip()[:120]}): skipped.")
        return None
    return admin_url.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"


def _table(results_path: Path) -> str:
    if not results_path.exists():
        return "(no figures)"
    rows = [json.loads(line) for line in results_path.read_text().splitlines() if line]
    head = ("database", "measurement", "p50 ms", "p95 ms", "queries/req", "other")
    lines = []
    for row in rows:
        f = dict(row["figures"])
        cells = (
            row["database"],
            row["name"],
            str(f.pop("p50_ms", "")),
            str(f.pop("p95_ms", "")),
            str(f.pop("queries", "")),
            "  ".join(f"{k}={v}" for k, v in f.items()),
        )
        lines.append(cells)
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]

    def fmt(r):
        return " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *(fmt(r) for r in lines)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--staff", type=int, default=100_000, help="staff to seed")
    parser.add_argument("--locations", type=int, default=1_000, help="locations to seed")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measure")
    parser.add_argument("--only", action="append", help="run only this suite (repeatable)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--postgres", default=PG_ADMIN_URL, help="admin URL of the server")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        return worker(args.worker, args.only or [])

    print(f"Suites: {', '.join(suite_names())}")
    workdir = Path(tempfile.mkdtemp(prefix="clinicorg-bench-"))
    results = workdir / "results.jsonl"
    base = {
        **os.environ,
        "BENCH_STAFF": str(args.staff),
        "BENCH_LOCATIONS": str(args.locations),
        "BENCH_REQUESTS": str(args.requests),
        "BENCH_RESULTS": str(results),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    base.pop("DATABASE_URL", None)

    status = _run_worker(
        "sqlite", {**base, "CLINICORG_DATA_DIR": str(workdir / "sqlite-var")}, args
    )
    if not args.no_postgres:
        url = _postgres_ready(args.postgres)
        if url:
            env = {**base, "CLINICORG_DATA_DIR": str(workdir / "pg-var"), "DATABASE_URL": url}
            status = _run_worker("postgresql", env, args) or status

    print("\n" + _table(results))
    print(f"\n(figures also in {results})")
    return status


if __name__ == "__main__":
    sys.exit(main())
