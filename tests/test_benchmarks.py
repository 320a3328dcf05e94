"""`make bench` runs: every benchmark suite at a tiny size, so a change cannot break one unseen.

The figures themselves belong to `make bench` at full size; here only that each suite runs to
the end and reports without an error.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_suite_runs_at_a_tiny_size(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        BENCH_IMPORT_ROWS="300", BENCH_LOAD_SECONDS="0.5", CLINICORG_DATA_DIR=str(tmp_path / "var")
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--staff", "1500", "--locations", "12"]
        + ["--requests", "3", "--no-postgres"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error=" not in done.stdout, done.stdout[-3000:]
    assert "import staff csv" in done.stdout
    assert "load 30 staff: Employee Center page" in done.stdout
    assert "not_200=0" in done.stdout and "not_200=1" not in done.stdout
