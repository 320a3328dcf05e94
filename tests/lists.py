"""Reading a list as each front end gives it: the export download and the export command,
the list page's column headers and the API's published properties, for the tests that hold
every front end of a list to one filter set and one field list."""

import csv
import html
import io
import re

from django.core.management import call_command

from clinicorg.api.urls import api as ninja_api
from clinicorg.transfer.cells import unneutralize


def _first_column(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    return [r[0] for r in rows[1:]]


def _command(kind: str, params: dict, tmp_path) -> str:
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
    return path.read_text(encoding="utf-8-sig")


def _download(client, kind: str, params: dict) -> str:
    download = client.get(f"/exports/{kind}/", {**params, "format": "csv"})
    assert download.status_code == 200, download.content[:300]
    return download.content.decode("utf-8-sig")


def exported(client, kind: str, params: dict) -> list[str]:
    """The first column of the web export of `kind` with these filters."""
    return _first_column(_download(client, kind, params))


def exported_by_command(kind: str, params: dict, tmp_path) -> list[str]:
    """The first column of `clinicorg export KIND` with these filters."""
    return _first_column(_command(kind, params, tmp_path))


def export_table(client, kind: str, params: dict) -> list[list[str]]:
    """The web export of `kind` with these filters: the header, then the rows."""
    return list(csv.reader(io.StringIO(_download(client, kind, params))))


def export_table_by_command(kind: str, params: dict, tmp_path) -> list[list[str]]:
    """`clinicorg export KIND` with these filters: the header, then the rows."""
    return list(csv.reader(io.StringIO(_command(kind, params, tmp_path))))


def page_headers(client, url: str) -> list[str]:
    """The visible text of a list page's column headers (a header holding only a checkbox or
    a label for screen readers is not a column of values)."""
    page = client.get(url)
    assert page.status_code == 200
    table = re.search(r'<table class="list[^"]*">(.*?)</thead>', page.text, re.S).group(1)
    headers = []
    for cell in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S):
        if "visually-hidden" in cell:
            continue
        text = html.unescape(re.sub(r"<[^>]+>", "", cell)).replace("▲", "").replace("▼", "")
        if text.strip():
            headers.append(text.strip())
    return headers


def cell_labels(client, url: str) -> set[str]:
    """The labels a list page's cells carry for the narrow layout (`data-label`)."""
    page = client.get(url)
    assert page.status_code == 200
    table = re.search(r'<table class="list[^"]*">(.*?)</table>', page.text, re.S).group(1)
    return {html.unescape(label) for label in re.findall(r'data-label="([^"]*)"', table)}


def api_properties(schema: str) -> set[str]:
    """The properties the OpenAPI document publishes for one of the API's schemas."""
    spec = ninja_api.get_openapi_schema()
    return set(spec["components"]["schemas"][schema]["properties"])


def as_exported(api, value, follow: str | tuple[str, str] | None = None) -> str:
    """An API value as the export writes it: empty for null, yes/no for a flag, a list as its
    items joined by "; " in order. A related record ({id, name, ...}) is written by its name;
    by another of its keys with `follow` = key; or, with `follow` = (API path with {id}, key),
    by that key of the record the API answers there: the code of a location, the email of a
    member (the keys an import reads back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(sorted(as_exported(api, item, follow) for item in value))
    if isinstance(value, dict):
        if follow is None:
            return value["name"]
        if isinstance(follow, str):
            return value[follow]
        path, key = follow
        answer = api.get(path.format(id=value["id"]))
        assert answer.status_code == 200, answer.content[:300]
        return answer.json()[key]
    return str(value)


def cells_by_key(fields, header: list[str], row: list[str]) -> dict[str, str]:
    """An export row by field key, each cell as an import reads it back (formula guard off)."""
    keys = {f.header: f.key for f in fields}
    return {keys[h]: unneutralize(cell) for h, cell in zip(header, row, strict=True)}
