"""The dashboard's tables as files and through the API: the same numbers, the same scope."""

import csv
import io

import pytest
from python_calamine import CalamineWorkbook

from clinicorg.directory import actions as directory
from tests.conftest import ApiClient, signed_in


def _board_rows(client) -> list[list[str]]:
    board = client.get("/dashboard/").context["board"]
    return [
        [t.title, r.label, str(r.value)] for t in (*board.figures, *board.tables) for r in t.rows
    ]


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_the_csv_holds_the_dashboards_tables_in_the_viewers_scope(world, admin, who):
    client = signed_in(admin if who == "admin" else world["manager"])
    r = client.get("/dashboard/export.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Table", "Name", "Count"]
    assert rows[1:] == _board_rows(client)


def test_the_xlsx_has_a_sheet_per_table(world, acme):
    client = signed_in(world["manager"])
    r = client.get("/dashboard/export.xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    board = client.get("/dashboard/").context["board"]
    tables = [*board.figures, *board.tables]
    assert book.sheet_names == [t.title[:31] for t in tables]
    locations = book.get_sheet_by_name("Headcount by location").to_python()
    assert locations == [["Location", "Count"], [acme.branch.name, "5"]]


def test_exported_names_cannot_run_as_formulas(world, acme, admin):
    dept = directory.create_department("=HYPERLINK(1)", actor=acme.system)
    acme.member("formula@acme.test", department=dept)
    rows = list(
        csv.reader(io.StringIO(signed_in(admin).get("/dashboard/export.csv").content.decode()))
    )
    assert ["Headcount by department", "'=HYPERLINK(1)", "1"] in rows


def test_an_unknown_format_is_not_found(admin):
    assert signed_in(admin).get("/dashboard/export.pdf").status_code == 404


@pytest.mark.parametrize("limited", [True, False])
def test_the_api_gives_the_same_figures_as_the_lists_it_names(world, acme, limited):
    api = ApiClient(acme.token(locations=[acme.branch]) if limited else acme.token())
    tables = api.get("/api/v1/reports/dashboard").json()["tables"]
    checked = 0
    for table in tables:
        for row in table["rows"]:
            if not row["filters"]:
                continue
            listed = api.get(f"/api/v1/{table['list']}", row["filters"]).json()["count"]
            assert listed == row["value"], (table["key"], row)
            checked += 1
    assert checked > 10
