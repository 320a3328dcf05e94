"""Spreadsheets built to exhaust the server are refused cheaply, through the real processes.

A 2 KB workbook with one value at XFD2 and one at A150000 once made the spreadsheet reader
allocate 78 GB and abort the web server. These tests run the site (`clinicorg serve`) and the
`clinicorg import` command as real processes under an address-space limit, so a regression
fails the test instead of the machine: each trap must be refused with a clear message, write
nothing, and leave the server answering.
"""

import io
import json
import os
import resource
import subprocess
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.cli.test_serve import _clinicorg, _free_port

MEMORY_LIMIT = 1536 * 1024 * 1024
HEADER = ("Email", "First name", "Last name", "Primary location code", "Role")


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _inline(ref, text, prefix=""):
    ref_attr = f' r="{ref}"' if ref else ""
    p = prefix
    return f'<{p}c{ref_attr} t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'


def workbook(sheet_rows: str, *, prefix="") -> bytes:
    """A minimal valid XLSX whose one sheet holds the header row and then `sheet_rows`."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xmlns = f'xmlns:{prefix[:-1]}="{ns}"' if prefix else f'xmlns="{ns}"'
    header = "".join(_inline(f"{chr(65 + i)}1", h, prefix) for i, h in enumerate(HEADER))
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><{prefix}worksheet {xmlns}><{prefix}sheetData>'
        f'<{prefix}row r="1">{header}</{prefix}row>{sheet_rows}'
        f"</{prefix}sheetData></{prefix}worksheet>"
    )
    rels_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{rels_ns}"><Relationship Id="rId1" '
            f'Type="{doc_ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{doc_ns}"><sheets>'
            '<sheet name="Staff" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{rels_ns}"><Relationship Id="rId1" '
            f'Type="{doc_ns}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


# Every way of placing a value far from A1: explicit references, implied positions (no `r`
# attributes), namespace-prefixed tags, and an attribute value holding ">" before the reference.
TRAPS = {
    "value at XFD2 and at A150000": (
        workbook(
            f'<row r="2">{_inline("XFD2", "x")}</row><row r="150000">'
            f"{_inline('A150000', 'y')}</row>"
        ),
        "Cell XFD2 holds a value beyond column BH",
    ),
    "value at XFD1 and at A6000": (
        workbook(f'<row r="6000">{_inline("A6000", "y")}{_inline("XFD6000", "z")}</row>'),
        "Cell XFD6000 holds a value beyond column BH",
    ),
    "row far below the cap": (
        workbook(f'<row r="900000">{_inline("A900000", "y")}</row>'),
        "more than 200,000 data rows",
    ),
    "61 cells without references": (
        workbook("<row>" + "".join(_inline(None, "v") for _ in range(61)) + "</row>"),
        "Cell BI2 holds a value beyond column BH",
    ),
    "prefixed tags": (
        workbook(f'<x:row r="2">{_inline("XFD2", "x", "x:")}</x:row>', prefix="x:"),
        "Cell XFD2 holds a value beyond column BH",
    ),
    "attribute holding >": (
        workbook(
            '<row r="2"><c s="0" foo="a>b" r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
        ),
        "Cell XFD2 holds a value beyond column BH",
    ),
}


def test_the_first_trap_is_a_two_kilobyte_file():
    assert len(TRAPS["value at XFD2 and at A150000"][0]) < 2048


def served_site(data: Path, **settings):
    """A migrated data folder with the demo organization, a token, and `clinicorg serve`
    running on it under the memory limit (a generator: the server stops after the yield).
    `settings` are extra environment variables."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(CLINICORG_DATA_DIR=str(data / "var"), **settings)
    cli = _clinicorg()
    for command in (["migrate", "--noinput"], ["demo"]):
        subprocess.run([*cli, *command], env=env, check=True, capture_output=True)
    token = (
        subprocess.run(
            [*cli, "token", "create", "--org", "demo", "--role", "Administrator"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_limit_memory,
    )
    site = {
        "env": env,
        "cli": cli,
        "base": f"http://127.0.0.1:{port}",
        "token": token,
        "proc": proc,
        "dir": data,
    }
    _wait_until_up(site)
    yield site
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from served_site(tmp_path_factory.mktemp("trap-site"))


def _wait_until_up(site) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{site['base']}/healthz", timeout=2).close()
            return
        except OSError:
            if site["proc"].poll() is not None or time.monotonic() > deadline:
                site["proc"].kill()
                pytest.fail("the site did not start")
            time.sleep(0.2)


def _get(site, path):
    request = urllib.request.Request(
        site["base"] + path, headers={"Authorization": f"Bearer {site['token']}"}
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status, json.loads(r.read())


def _staff_count(site) -> int:
    """The members, counted exactly (a page far past the end reads the exact total)."""
    page = _get(site, "/api/v1/staff?limit=1&offset=1000000")[1]
    assert page["count_exact"], page
    return page["count"]


def _upload(site, data: bytes, name: str):
    boundary = uuid.uuid4().hex
    parts = []
    for field, value in (("kind", "staff"), ("mode", "create"), ("dry_run", "false")):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'
        )
    body = (
        "".join(parts).encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        site["base"] + "/api/v1/imports",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {site['token']}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("trap", TRAPS)
def test_the_api_refuses_the_trap_and_the_server_keeps_answering(site, trap):
    data, message = TRAPS[trap]
    before = _staff_count(site)
    status, job = _upload(site, data, "staff.xlsx")
    assert site["proc"].poll() is None, "the server process died"
    assert status == 201, job
    assert job["state"] == "invalid"
    assert message in job["message"]
    assert _staff_count(site) == before
    assert _get(site, "/healthz")[0] == 200


@pytest.mark.parametrize("trap", TRAPS)
def test_the_command_refuses_the_trap_with_a_clear_message(site, trap):
    data, message = TRAPS[trap]
    path = Path(site["dir"]) / "trap.xlsx"
    path.write_bytes(data)
    before = _staff_count(site)
    done = subprocess.run(
        [*site["cli"], "import", "staff", str(path), "--org", "demo"],
        env=site["env"],
        capture_output=True,
        text=True,
        preexec_fn=_limit_memory,
        timeout=60,
    )
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr[-2000:])
    assert message in done.stdout
    assert "Nothing was imported." in done.stdout
    assert _staff_count(site) == before
