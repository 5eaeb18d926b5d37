"""A faster flush for the transactional tests (live-server browser tests, concurrency and
worker tests), which also puts back what the migrations wrote.

Django empties the database after each transactional test with one ``TRUNCATE`` of all
~90 tables, which costs PostgreSQL a new file per table (2–3 s a test on this machine),
then re-creates every content type and permission in ``post_migrate``, and leaves the
rows the data migrations wrote (the role groups, the default SLA policies, the working
calendar) deleted for every test that runs after it. Django's own runner avoids the last
by running all the other tests first; under pytest-xdist each worker interleaves them.

On PostgreSQL, when the test user may set ``session_replication_role`` (a superuser, as in
CI), the flush instead, in the flush's one transaction and with triggers and foreign-key
checks off for that transaction only (``SET LOCAL``):

- DELETEs every row (the same empty tables in ~50 ms), except content types and
  permissions, which are schema, not test data (``post_migrate`` still runs and finds them);
- copies back the rows the freshly migrated database held, snapshotted once per test
  session into the schema ``flush_snapshot`` (what the migrations wrote, nothing a test
  made), so every test starts from the same database the first one saw.

``reset_sequences`` and any other database fall back to Django's own statements. The
database is the real one; only the way it is emptied changes.
"""

from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations

KEPT = frozenset({"django_content_type", "auth_permission"})
SNAPSHOT = "flush_snapshot"
_stock_sql_flush = DatabaseOperations.sql_flush
_restore = []  # INSERT … SELECT statements, one per table the migrations wrote rows in


def _can_disable_triggers(cursor):
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def _snapshot(cursor):
    """Copy every non-empty table (but the kept ones) into ``flush_snapshot``."""
    quote = connection.ops.quote_name
    cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE")
    cursor.execute(f"CREATE SCHEMA {SNAPSHOT}")
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    for table in sorted(set(tables) - KEPT):
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")
        if not cursor.fetchone()[0]:
            continue
        cursor.execute(f"CREATE TABLE {SNAPSHOT}.{quote(table)} AS TABLE {quote(table)}")
        # Generated columns cannot be inserted into; copy the others by name.
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = %s AND is_generated = 'NEVER' "
            "ORDER BY ordinal_position",
            [table],
        )
        columns = ", ".join(quote(name) for (name,) in cursor.fetchall())
        _restore.append(
            f"INSERT INTO {quote(table)} ({columns}) "
            f"SELECT {columns} FROM {SNAPSHOT}.{quote(table)}"
        )


def _sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if reset_sequences:
        return _stock_sql_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    quote = self.quote_name
    return [
        "SET LOCAL session_replication_role = replica",
        *(f"DELETE FROM {quote(table)}" for table in sorted(tables) if table not in KEPT),
        *_restore,
        "SET LOCAL session_replication_role = origin",
    ]


def install():
    """Called once per test session, on the freshly set-up test database (conftest.py)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if not _can_disable_triggers(cursor):
            return
        _snapshot(cursor)
    DatabaseOperations.sql_flush = _sql_flush
