"""Bulk import of 100,000 staff from CSV and from XLSX, against the floor.

For the seeded organization (1,000 locations), generates a staff file of BENCH_IMPORT_ROWS
(default 100,000) new members, every column filled in a realistic spread (extra locations,
departments, NPIs and taxonomy codes on some rows, invitations requested on every row), then
runs the import job exactly as the web, API and CLI do: reading, validating, writing in one
transaction with its audit events and invitation rows; the invitation emails are queued, not
sent (the queueing hook is replaced by a counter).

The floor is the same file read with python-calamine (or csv for CSV) plus a raw bulk insert of
the same number of staff rows (COPY on PostgreSQL, executemany on SQLite), committed (then
deleted, untimed). validate_commit_s (reading + validating + the write transaction) is what
the targets apply to: <= 2.5x the floor, and <= 350 MB peak at 100,000 rows.

Every measurement runs in a fresh process (benchmarks/_import_child.py), so its peak memory
(`peak_rss_mb`, getrusage ru_maxrss) is its own, not the generator's or another run's. Two more
measurements: a dry run (read + validate) of BENCH_IMPORT_DRY_ROWS rows (default 1,000,000)
with the row caps raised (targets <= 600 MB and <= 30 s), and the 2 KB trap workbook (values at
XFD2 and A150000), which must be refused in under a second with under 100 MB.
"""

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from django.db import connection, transaction

from .seed import seeded

TARGET_RATIO = 2.5
TARGET_MB = 350
TARGET_DRY_MB = 600
TARGET_DRY_S = 30
TARGET_TRAP_S = 1
TARGET_TRAP_MB = 100


def _rows_wanted() -> int:
    return int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))


def _npi(i: int) -> str:
    from clinicorg.core.validators import NPI_PREFIX, luhn_check_digit

    body = f"2{i:08d}"
    return body + str(luhn_check_digit(NPI_PREFIX + body))


def generate(path: Path, fmt: str, n: int, prefix: str, codes, lists, npi_offset=0) -> None:
    from clinicorg.transfer.columns import COLUMNS

    rnd = random.Random(7)
    headers = [c.label for c in COLUMNS["staff"] if c.key != "status"]
    taxonomy = ["207Q00000X", "208D00000X", "363L00000X", "163W00000X"]

    def rows():
        for i in range(n):
            clinical = i % 10 == 0
            yield [
                f"{prefix}{i}@import.bench.test",
                f"First{i % 997}",
                f"Last{i % 1009}",
                f"Dr. First{i} Last{i}" if clinical else "",
                codes[i % len(codes)],
                lists["roles"][i % len(lists["roles"])],
                codes[(i * 7) % len(codes)] if i % 5 == 0 else "",
                lists["departments"][i % len(lists["departments"])] if lists["departments"] else "",
                lists["positions"][i % len(lists["positions"])] if lists["positions"] else "",
                lists["categories"][i % len(lists["categories"])] if lists["categories"] else "",
                "",
                f"{prefix.upper()}{i:07d}",
                f"555-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}",
                f"20{rnd.randint(10, 24)}-0{rnd.randint(1, 9)}-{rnd.randint(10, 28)}",
                _npi(i + npi_offset) if clinical else "",
                taxonomy[i % 4] if clinical else "",
                str(1 + i % 3),
                "15",
                "yes",
            ]

    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            w = csv.writer(out)
            w.writerow(headers)
            w.writerows(rows())
        return
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Staff")
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows(), start=1):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)
    book.close()


def _delete_floor_rows(table: str, first: int, last: int) -> None:
    """Remove the floor's rows. On PostgreSQL the per-row foreign-key checks of a 100,000-row
    DELETE take minutes; nothing refers to these rows, so the benchmark skips the triggers
    (superuser only; otherwise the plain DELETE runs)."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cur.fetchone()[0]:
                cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(f"DELETE FROM {table} WHERE id >= %s AND id <= %s", [first, last])


def floor(path: Path, fmt: str, n: int, org_id: int, location_ids, role_id) -> dict:
    """Read the file with the raw reader, insert and commit n plain staff rows in bulk.

    The rows are committed (an import pays for its commit too) and deleted afterwards,
    outside the measured time.
    """
    from django.utils import timezone

    from clinicorg.core import bulk
    from clinicorg.staff.models import StaffMember

    t0 = time.perf_counter()
    if fmt == "xlsx":
        from python_calamine import CalamineWorkbook

        data = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    else:
        with path.open(newline="", encoding="utf-8") as f:
            data = list(csv.reader(f))
    t1 = time.perf_counter()
    now = timezone.now()
    fields = StaffMember._meta.concrete_fields
    columns = [f.attname for f in fields]
    template = {f.attname: f.get_default() for f in fields}
    bulk.prepare_connection()
    with transaction.atomic():
        ids = bulk.allocate_ids(StaffMember, n)
        rows = []
        for i, (pk, cells) in enumerate(zip(ids, data[1:], strict=False)):
            values = {
                **template,
                "id": pk,
                "password": "!",
                "organization_id": org_id,
                "email": f"floor{i}@floor.bench.test",
                "first_name": cells[1],
                "last_name": cells[2],
                "primary_location_id": location_ids[i % len(location_ids)],
                "role_id": role_id,
                "employee_id": cells[11],
                "status_changed_at": now,
                "created_at": now,
                "updated_at": now,
                "last_login": None,
            }
            rows.append(tuple(values[c] for c in columns))
        bulk.insert_rows(StaffMember, columns, rows)
    t2 = time.perf_counter()
    _delete_floor_rows(StaffMember._meta.db_table, ids[0], ids[-1])
    return {"read_s": round(t1 - t0, 2), "insert_s": round(t2 - t1, 2), "s": round(t2 - t0, 2)}


def _child(args: dict) -> dict:
    """Run one measurement in a fresh process (see _import_child) and return its figures."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._import_child", json.dumps(args)],
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"state": "crashed", "message": f"exit {done.returncode}: {done.stderr[-300:]}"}
    return json.loads(lines[-1])


def trap_workbook(path: Path) -> None:
    """The 2 KB workbook with one value at XFD2 and one at A150000."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def cell(ref, text):
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    header = "".join(
        cell(f"{chr(65 + i)}1", h)
        for i, h in enumerate(("Email", "First name", "Last name", "Primary location code", "Role"))
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" Type="{doc}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}" xmlns:r="{doc}"><sheets><sheet name="Staff" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" Type="{doc}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{ns}"><sheetData><row r="1">{header}</row><row r="2">'
            f'{cell("XFD2", "x")}</row><row r="150000">{cell("A150000", "y")}</row></sheetData>'
            "</worksheet>",
        )


def _formats() -> list[str]:
    return [f for f in os.environ.get("BENCH_IMPORT_FORMATS", "csv,xlsx").split(",") if f]


def run(report) -> None:
    from clinicorg.access.models import Role
    from clinicorg.access.system import SystemActor
    from clinicorg.directory.models import Location
    from clinicorg.transfer.templates import choice_lists

    data = seeded()
    org_id = data.organization_id
    n = _rows_wanted()
    lists = choice_lists(SystemActor(org_id, label="bench"))
    codes = list(
        Location.objects.filter(organization_id=org_id, status="active").values_list(
            "code", flat=True
        )
    )
    role_id = Role.objects.filter(organization_id=org_id).values_list("id", flat=True)[0]
    workdir = Path(tempfile.mkdtemp(prefix="clinicorg-import-bench-"))
    connection.close()  # the children open their own

    trap = workdir / "trap.xlsx"
    trap_workbook(trap)
    t = time.perf_counter()
    out = _child({"what": "trap", "path": str(trap), "org_id": org_id})
    report(
        "import trap 2 KB xlsx",
        {
            "s": round(time.perf_counter() - t, 2),
            "job_s": out.get("total_s"),
            "refused": out.get("state") == "invalid",
            "message": (out.get("message") or "")[:80],
            "peak_rss_mb": out.get("peak_rss_mb"),
            "start_rss_mb": out.get("start_rss_mb"),
            "file_kb": round(trap.stat().st_size / 1024, 1),
            "target_s": TARGET_TRAP_S,
            "target_mb": TARGET_TRAP_MB,
        },
    )

    for fmt, prefix in (("csv", "c"), ("xlsx", "x")):
        if fmt not in _formats():
            continue
        path = workdir / f"staff-{n}.{fmt}"
        t = time.perf_counter()
        generate(path, fmt, n, prefix, codes, lists, 0 if fmt == "csv" else 5_000_000)
        gen_s = round(time.perf_counter() - t, 2)
        fl = _child(
            {
                "what": "floor",
                "floor_args": [str(path), fmt, n, org_id, list(data.location_ids), role_id],
            }
        )
        out = _child({"what": "import", "path": str(path), "org_id": org_id})
        size = round(path.stat().st_size / 1e6, 1)
        path.unlink()
        if out.get("state") != "committed":
            report(f"import {fmt}", {"error": f"{out.get('state')}: {out.get('message')}"})
            continue
        tm = out["timings"]
        # Validate + commit: reading, validating and the write transaction. Invitations are
        # issued after the commit (reported apart); their emails are queued, not sent.
        vc = tm.get("reading", 0) + tm.get("validating", 0) + tm.get("writing", 0)
        report(
            f"import staff {fmt} {n:,} rows",
            {
                "read_s": tm.get("reading"),
                "validate_s": tm.get("validating"),
                "write_s": tm.get("writing"),
                "invitations_s": tm.get("invitations"),
                "validate_commit_s": round(vc, 2),
                "total_s": out["total_s"],
                "cpu_s": out.get("cpu_s"),
                "floor_s": fl.get("s"),
                "floor_cpu_s": fl.get("cpu_s"),
                "floor_read_s": fl.get("read_s"),
                "floor_insert_s": fl.get("insert_s"),
                "x_floor": round(vc / fl["s"], 2) if fl.get("s") else None,
                "target_x": TARGET_RATIO,
                "peak_rss_mb": out["peak_rss_mb"],
                "target_mb": TARGET_MB,
                "queued_emails": out["queued_emails"],
                "file_mb": size,
                "generate_s": gen_s,
                "db": connection.vendor,
            },
        )

    dry_n = int(os.environ.get("BENCH_IMPORT_DRY_ROWS", "1000000"))
    for fmt in os.environ.get("BENCH_IMPORT_DRY_FORMATS", "csv,xlsx").split(","):
        if not dry_n or fmt not in ("csv", "xlsx"):
            continue
        path = workdir / f"dry-{dry_n}.{fmt}"
        generate(path, fmt, dry_n, "d", codes, lists, 7_000_000)
        size = round(path.stat().st_size / 1e6, 1)
        out = _child({"what": "dry_run", "path": str(path), "org_id": org_id, "raise_caps": True})
        path.unlink()
        tm = out.get("timings") or {}
        report(
            f"import dry run {fmt} {dry_n:,} rows",
            {
                "state": out.get("state"),
                "rows": out.get("total_rows"),
                "read_s": tm.get("reading"),
                "validate_s": tm.get("validating"),
                "total_s": out.get("total_s"),
                "cpu_s": out.get("cpu_s"),
                "peak_rss_mb": out.get("peak_rss_mb"),
                "file_mb": size,
                "target_s": TARGET_DRY_S,
                "target_mb": TARGET_DRY_MB,
                "message": (out.get("message") or "")[:80],
            },
        )
