"""Bulk writes: COPY on PostgreSQL (psycopg 3), executemany elsewhere.

Rows are written with ids allocated up front, so members, their locations, taxonomy codes and
audit events can be written in one pass each. Call inside `transaction.atomic()`.
"""

import json
import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, models

BATCH = 5000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# SQLite's page cache for bulk writes, in KiB. It is memory of the writing process: at 256 MB
# an import of 100,000 members peaked at 410 MB.
SQLITE_CACHE_KIB = 64 * 1024


def prepare_connection() -> None:
    """SQLite: a page cache that keeps most of a large insert's index pages in memory."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def allocate_ids(model, count: int) -> list[int]:
    """`count` fresh primary keys for `model`, reserved inside the current transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if is_postgres():
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [r[0] for r in cur.fetchall()]
        # SQLite: the write transaction holds the database lock, so max + 1.. is ours.
        cur.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
        top = cur.fetchone()[0]
        try:
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cur.fetchone()
        except Exception:  # no AUTOINCREMENT table
            seq = None
        if seq and seq[0] and seq[0] > top:
            top = seq[0]
    return list(range(top + 1, top + 1 + count))


def _memoized(fn):
    """Dates and timestamps repeat (one `now` per import, a few thousand hire dates)."""
    memo: dict = {}

    def adapt(value):
        try:
            return memo[value]
        except KeyError:
            result = memo[value] = fn(value)
            return result

    return adapt


def _adapter(field: models.Field):
    """A function turning a Python value into what the driver takes for this column."""
    if is_postgres():
        if isinstance(field, models.JSONField):
            return lambda v: None if v is None else json.dumps(v)
        return None
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(field, models.DateTimeField | models.DateField | models.TimeField):
        ops = connection.ops
        if isinstance(field, models.DateTimeField):
            return _memoized(ops.adapt_datetimefield_value)
        if isinstance(field, models.DateField):
            return _memoized(ops.adapt_datefield_value)
        return _memoized(ops.adapt_timefield_value)
    return None


def insert_rows(model, columns: list[str], rows) -> int:
    """Insert tuples (in `columns` order, attnames) into the model's table; returns the count."""
    fields = [model._meta.get_field(c) if c != "id" else model._meta.pk for c in columns]
    db_columns = [f.column for f in fields]
    adapters = [(i, a) for i, a in ((i, _adapter(f)) for i, f in enumerate(fields)) if a]
    table = model._meta.db_table
    quote = connection.ops.quote_name
    cols_sql = ", ".join(quote(c) for c in db_columns)
    count = 0
    with connection.cursor() as cur:
        if is_postgres():
            from psycopg.copy import QueuedLibpqWriter

            raw = cur.cursor
            # A queued writer sends the data from a thread, so building the rows here and
            # the server's work (constraints, indexes) overlap.
            statement = f"COPY {quote(table)} ({cols_sql}) FROM STDIN"
            with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
                for row in rows:
                    if adapters:
                        row = list(row)
                        for i, a in adapters:
                            row[i] = a(row[i])
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {quote(table)} ({cols_sql}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        for row in rows:
            if adapters:
                row = list(row)
                for i, a in adapters:
                    row[i] = a(row[i])
            batch.append(row)
            if len(batch) >= BATCH:
                cur.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
            count += len(batch)
    return count


def update_rows(model, updates: list[tuple[dict, int]]) -> None:
    """UPDATE each (values by attname, pk); rows changing the same columns share one statement."""
    groups: dict[tuple[str, ...], list] = {}
    for values, pk in updates:
        key = tuple(sorted(values))
        groups.setdefault(key, []).append(tuple(values[k] for k in key) + (pk,))
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cur:
        for key, params in groups.items():
            fields = [model._meta.get_field(k) for k in key]
            adapters = [(i, a) for i, a in ((i, _adapter(f)) for i, f in enumerate(fields)) if a]
            if adapters:
                fixed = []
                for p in params:
                    p = list(p)
                    for i, a in adapters:
                        p[i] = a(p[i])
                    fixed.append(p)
                params = fixed
            sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            sql = f"UPDATE {quote(table)} SET {sets} WHERE {quote('id')} = %s"
            for start in range(0, len(params), BATCH):
                cur.executemany(sql, params[start : start + BATCH])


def delete_where_in(model, column: str, ids: list[int]) -> None:
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cur:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM {quote(table)} WHERE {quote(column)} IN ({marks})", chunk)


def unusable_password() -> str:
    """What `set_unusable_password` stores, without its slower random string per row."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
