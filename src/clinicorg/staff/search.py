"""The staff search index: what makes `q=` fast at 100,000 staff on both databases.

The search itself stays one condition (`staff.filters`: name words, email, display name,
employee id, case-insensitive substrings). This module only gives each database an index that
answers it without reading every member:

- PostgreSQL: one trigram GIN index (`pg_trgm`) on the upper-cased document of the searched
  columns (`document()`); `narrow(q)` asks for every word in that document. An index on an
  earlier spelling of the document is dropped when the new one is built (after every migrate).
- SQLite: an FTS5 table with the trigram tokenizer over the same columns, kept in step with the
  staff table by triggers; `narrow(q)` turns the words into a MATCH.

Either way `narrow(q)` returns a superset of the members the search condition accepts (every
word in some searched column), and the condition then decides: results are the same with or
without the index, on both databases.

Migrations that rebuild the staff table on SQLite drop its triggers, so `ensure_index` runs
again after every migrate (apps.py) and rebuilds the table whenever a trigger was missing.
"""

from django.db import connection
from django.db.models import F, Func, Q, TextField
from django.db.models.expressions import RawSQL

COLUMNS = ("first_name", "last_name", "email", "display_name", "employee_id")
TABLE = "staff_staffmember"
FTS = "staff_search"
MIN_WORD = 3  # trigrams: shorter words cannot narrow the search

_TRIGGERS = {
    f"{FTS}_ai": "AFTER INSERT ON {t} BEGIN "
    "INSERT INTO {f}(rowid, {cols}) VALUES (new.id, {new}); END",
    f"{FTS}_ad": "AFTER DELETE ON {t} BEGIN "
    "INSERT INTO {f}({f}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
    f"{FTS}_au": "AFTER UPDATE OF {cols} ON {t} BEGIN "
    "INSERT INTO {f}({f}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
    "INSERT INTO {f}(rowid, {cols}) VALUES (new.id, {new}); END",
}


def _sqlite_statements() -> tuple[str, dict[str, str]]:
    cols = ", ".join(COLUMNS)
    table = (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({cols}, "
        f"content='{TABLE}', content_rowid='id', tokenize='trigram')"
    )
    parts = {
        "t": TABLE,
        "f": FTS,
        "cols": cols,
        "new": ", ".join(f"new.{c}" for c in COLUMNS),
        "old": ", ".join(f"old.{c}" for c in COLUMNS),
    }
    triggers = {
        name: f"CREATE TRIGGER IF NOT EXISTS {name} {body.format(**parts)}"
        for name, body in _TRIGGERS.items()
    }
    return table, triggers


PG_INDEX = "staff_search_document_trgm"
PG_OLD_INDEXES = ("staff_search_trgm",)  # earlier spellings of the document, dropped


class _Document(Func):
    """`UPPER(first_name || ' ' || last_name || ...)`: the columns are NOT NULL, so a plain
    concatenation (no COALESCE per part) is the document, cheaper to build, to compile and to
    recheck against the index for every candidate row."""

    template = "UPPER(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()


def document():
    """The searched columns as one upper-cased text (PostgreSQL's indexed expression)."""
    return _Document(*(F(col) for col in COLUMNS))


def _pg_index_sql(conn) -> str:
    from django.db.models.sql import Query

    from .models import StaffMember

    query = Query(StaffMember, alias_cols=False)
    compiler = query.get_compiler(connection=conn)
    sql, params = document().resolve_expression(query).as_sql(compiler, conn)
    assert not params, params  # the separators are written in the template
    return f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} USING gin (({sql}) gin_trgm_ops)"


def ensure_index(conn=None) -> None:
    """Create the database's search index when missing (idempotent)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(_pg_index_sql(conn))
            for old in PG_OLD_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {old}")
        elif conn.vendor == "sqlite" and fts5_available(conn):
            table, triggers = _sqlite_statements()
            names = set(triggers)
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN "
                f"({', '.join('%s' for _ in names)})",
                list(names),
            )
            present = {row[0] for row in cursor.fetchall()}
            cursor.execute(table)
            for sql in triggers.values():
                cursor.execute(sql)
            if present != names:
                # New, or the staff table was rebuilt without its triggers: read it again.
                cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def drop_index(conn=None) -> None:
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for name in (PG_INDEX, *PG_OLD_INDEXES):
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif conn.vendor == "sqlite":
            for name in _TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")


def fts5_available(conn=None) -> bool:
    conn = conn or connection
    cached = getattr(conn, "_clinicorg_fts5", None)
    if cached is None:
        with conn.cursor() as cursor:
            cursor.execute("PRAGMA compile_options")
            options = {row[0] for row in cursor.fetchall()}
        cached = "ENABLE_FTS5" in options
        conn._clinicorg_fts5 = cached
    return cached


def _index_ready() -> bool:
    """Whether this SQLite database has the FTS table (a database migrated before it has not)."""
    cached = getattr(connection, "_clinicorg_fts_ready", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS])
            cached = cursor.fetchone() is not None
        # Only a positive answer is kept: the table may be created later in this process.
        if cached:
            connection._clinicorg_fts_ready = True
    return cached


def narrow(q: str) -> Q | None:
    """A condition accepting a superset of the members whose record holds every word of `q`,
    that the database's search index answers; None when no index can narrow the search (no
    FTS5 in this SQLite, or no word of three letters or more)."""
    words = [w for w in q.split() if len(w) >= MIN_WORD]
    if not words:
        return None
    if connection.vendor == "postgresql":
        cond = Q()
        for word in words:
            cond &= Q(_search_document__contains=word.upper())
        return cond
    if connection.vendor != "sqlite" or not fts5_available() or not _index_ready():
        return None
    match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [match]))


def narrowed(queryset, q: str):
    """`queryset` limited by `narrow(q)` (unchanged when it cannot narrow)."""
    cond = narrow(q)
    if cond is None:
        return queryset
    if connection.vendor == "postgresql":
        queryset = queryset.alias(_search_document=document())
    return queryset.filter(cond)
