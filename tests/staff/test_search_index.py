"""The staff search index (staff.search): it only narrows, so every search answers as the plain
condition would, and it follows every change of the searched columns."""

import pytest
from django.db import connection

from clinicorg.staff import actions, queries, search
from clinicorg.staff.models import StaffMember
from tests.conftest import signed_in

QUERIES = [
    "chen",
    "CHEN",
    "Ana Chen",
    "ana.chen@",
    "E-100",
    "e-100",
    "ch",
    "o",
    "zz",
    "Ño",
    "%",
    "_",
    # Case mappings where Python and the database differ ("ß".upper() is "SS" in Python).
    "groß",
    "GROSS",
    "straße",
    "ﬁnn",
    # Employee ids: matched whole, spaces and all, and never by a part.
    "AB 1234",
    "ab 1234",
    "1234",
    "E-10",
    # One word found in one column or another, never across two.
    "ana.chen@acme.test",
    "chenoweth bo",
    "anachen",
    "chen diaz",
    "dr.",
]


@pytest.fixture
def office(acme):
    acme.member("ana.chen@acme.test", first_name="Ana", last_name="Chen", employee_id="E-100")
    acme.member("bo@acme.test", first_name="Bo", last_name="Chenoweth")
    acme.member("cy@acme.test", first_name="Cy", last_name="Diaz", display_name="Dr. Chen-Diaz")
    acme.member("dee@acme.test", first_name="Dee", last_name="Ño")
    acme.member("pct@acme.test", first_name="Per%cent", last_name="Under_score")
    acme.member("gross@acme.test", first_name="Jörg", last_name="Groß", display_name="Straße")
    acme.member("finn@acme.test", first_name="ﬁnn", last_name="Lund", employee_id="AB 1234")
    return acme


def emails(qs) -> list[str]:
    return list(qs.values_list("email", flat=True))


@pytest.mark.parametrize("q", QUERIES)
def test_the_index_changes_no_answer(office, admin, monkeypatch, q):
    indexed = emails(queries.filter_staff(queries.scoped_staff(admin), q=q, status="all"))
    monkeypatch.setattr(search, "narrow", lambda q: None)
    plain = emails(queries.filter_staff(queries.scoped_staff(admin), q=q, status="all"))
    assert indexed == plain


def test_the_database_has_its_index(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'staff_search%%'")
            assert {row[0] for row in cursor.fetchall()} == {search.PG_INDEX}
        else:
            assert search.fts5_available()
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'staff_search%%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {search.FTS, *search._TRIGGERS} <= names


def test_a_renamed_member_is_found_by_the_new_name_only(office, admin, api):
    member = StaffMember.objects.get(email="bo@acme.test")
    actions.update_staff(member, {"last_name": "Okafor"}, actor=admin)
    found = [i["email"] for i in api.get("/api/v1/staff", {"q": "okafor"}).json()["items"]]
    assert found == ["bo@acme.test"]
    page = signed_in(admin).get("/staff/", {"q": "chenoweth"})
    assert "bo@acme.test" not in page.text


def test_an_email_change_and_a_new_member_are_searchable_at_once(office, admin, api):
    office.member("fresh@acme.test", first_name="Fresh", last_name="Quist")
    assert [i["email"] for i in api.get("/api/v1/staff", {"q": "quist"}).json()["items"]] == [
        "fresh@acme.test"
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")
def test_lost_triggers_come_back_after_migrate_with_what_was_missed(office, admin):
    """A migration that rebuilds the staff table on SQLite drops its triggers."""
    with connection.cursor() as cursor:
        for name in search._TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    office.member("missed@acme.test", first_name="Missed", last_name="Xylander")
    search.ensure_index()  # what the post-migrate hook runs
    assert emails(queries.filter_staff(queries.scoped_staff(admin), q="xylander")) == [
        "missed@acme.test"
    ]


def test_a_search_is_answered_by_the_index(office, admin):
    """The search's document is the indexed expression, written the same way: PostgreSQL
    finds the matches through the index (a different spelling would read every member)."""
    qs = queries.filter_staff(queries.scoped_staff(admin), q="chen", status="all")
    if connection.vendor == "postgresql":
        # A handful of rows: PostgreSQL would rather read them all, or all of the
        # organization's, unless told not to; the search alone, then.
        alone = queries.filter_staff(StaffMember.objects.all(), q="chen", status="all")
        with connection.cursor() as cursor:
            for scan in ("seqscan", "indexscan", "indexonlyscan"):
                cursor.execute(f"SET LOCAL enable_{scan} = off")
            plan = alone.values_list("pk", flat=True).explain()
        assert search.PG_INDEX in plan, plan
    else:
        sql = str(qs.values_list("pk", flat=True).query)
        assert f"{search.FTS} MATCH" in sql, sql
    assert set(emails(qs)) == {"ana.chen@acme.test", "bo@acme.test", "cy@acme.test"}


@pytest.mark.parametrize("sort", ["", "-name", "email", "-hire_date", "location", "-role"])
def test_a_search_through_the_index_keeps_every_order(office, admin, monkeypatch, sort):
    """The order of an indexed search is written so that no index provides it (the database
    then sorts what the index finds): the same order as the plain search's."""
    office.member("ann.chen@acme.test", first_name="Ann", last_name="Chen", hire_date="2020-01-02")
    office.member("al.chen@acme.test", first_name="Al", last_name="Chen")

    def found():
        qs = queries.filter_staff(queries.scoped_staff(admin), q="chen", status="all", sort=sort)
        return emails(qs)

    indexed = found()
    monkeypatch.setattr(search, "narrow", lambda q: None)
    assert indexed == found()
    assert len(indexed) == 5
