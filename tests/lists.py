"""Reading a list as each front end gives it: the export download and the export command,
for the tests that hold every front end of a list to one filter set."""

import csv
import io

from django.core.management import call_command


def _first_column(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    return [r[0] for r in rows[1:]]


def exported(client, kind: str, params: dict) -> list[str]:
    """The first column of the web export of `kind` with these filters."""
    download = client.get(f"/exports/{kind}/", {**params, "format": "csv"})
    assert download.status_code == 200, download.content[:300]
    return _first_column(download.content.decode("utf-8-sig"))


def exported_by_command(kind: str, params: dict, tmp_path) -> list[str]:
    """The first column of `clinicorg export KIND` with these filters."""
    path = tmp_path / f"{kind}.csv"
    options = [f"--filter={k}={v}" for k, v in params.items() if k not in ("q", "status")]
    call_command(
        "export",
        kind,
        "--org",
        "acme",
        "--format",
        "csv",
        "-o",
        str(path),
        "--status",
        params.get("status", ""),
        "-q",
        params.get("q", ""),
        *options,
        stdout=io.StringIO(),
    )
    return _first_column(path.read_text(encoding="utf-8-sig"))
