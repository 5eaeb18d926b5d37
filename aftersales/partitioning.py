"""Monthly range partitions on PostgreSQL (README "Partitions and retention").

The SQL shared by the migrations that convert a growing table into a partitioned one
(``aftersales.migration_operations.PartitionByMonth``) and by the partition task that
creates months ahead and drops expired ones (``aftersales.platform.partitions``). Imports
nothing of the apps: the migrations use it.

A partitioned table ``T`` has one partition per calendar month in UTC, ``T_pYYYYMM``
(``FOR VALUES FROM ('YYYY-MM-01 00:00+00') TO (next month)``), and ``T_default`` for a
row outside every month (a timestamp far in the past or the future).
"""

import datetime as dt
import re

UTC = dt.UTC
_MONTH = re.compile(r"_p(\d{4})(\d{2})$")


def month_start(value):
    """The first day (a date) of the month of ``value`` (a date or an aware datetime, UTC)."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(UTC).date()
    return value.replace(day=1)


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table, month):
    return f"{table}_p{month:%Y%m}"


def month_of(table, partition):
    """The month a partition named by ``partition_name`` holds, or None."""
    if not partition.startswith(f"{table}_p"):
        return None
    match = _MONTH.search(partition)
    return dt.date(int(match[1]), int(match[2]), 1) if match else None


def _bound(month):
    """The SQL literal of a month's first instant (UTC): DDL takes no parameters."""
    return f"'{dt.datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()}'"


def _q(name):
    return '"' + name.replace('"', '""') + '"'


def partitioned_tables(cursor):
    """The range-partitioned tables of the current schema: ``{table: partition column}``."""
    cursor.execute(
        """
        SELECT c.relname, a.attname
          FROM pg_partitioned_table p
          JOIN pg_class c ON c.oid = p.partrelid
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
         WHERE p.partstrat = 'r' AND pg_catalog.pg_table_is_visible(c.oid)
        """
    )
    return dict(cursor.fetchall())


def months(cursor, table):
    """The monthly partitions of ``table``: ``{month: partition name}``, oldest first."""
    cursor.execute(
        """
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = %s::regclass
        """,
        [table],
    )
    found = {}
    for (name,) in cursor.fetchall():
        month = month_of(table, name)
        if month is not None:
            found[month] = name
    return dict(sorted(found.items()))


def create_month(cursor, table, month):
    """Create the partition of ``month`` unless it exists; True when it was created.

    Refused by PostgreSQL (an error) when the default partition already holds rows of
    that month: the caller says so, nothing is moved silently.
    """
    name = partition_name(table, month)
    cursor.execute("SELECT to_regclass(%s)", [name])
    if cursor.fetchone()[0] is not None:
        return False
    cursor.execute(
        f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)}"
        f" FOR VALUES FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
    )
    return True


def drop_month(cursor, table, month):
    """Detach the partition of ``month`` and drop it; returns the number of rows it held."""
    name = partition_name(table, month)
    cursor.execute(f"SELECT count(*) FROM {_q(name)}")  # nosec B608
    rows = cursor.fetchone()[0]
    cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(name)}")
    cursor.execute(f"DROP TABLE {_q(name)}")
    return rows


def _with_column(column_list, column):
    """``a, b`` → ``a, b, column`` unless ``column`` is already one of them."""
    names = [part.strip().strip('"') for part in column_list.split(",")]
    return column_list if column in names else f"{column_list}, {_q(column)}"


def _unique_index_with_column(indexdef, column):
    """A unique index's definition with the partition column added to its key."""
    start = indexdef.index(" USING ") + len(" USING ")
    start = indexdef.index("(", start)
    depth, end = 0, start
    for end in range(start, len(indexdef)):
        depth += {"(": 1, ")": -1}.get(indexdef[end], 0)
        if depth == 0:
            break
    return (
        f"{indexdef[: start + 1]}{_with_column(indexdef[start + 1 : end], column)}{indexdef[end:]}"
    )


def convert_to_monthly(cursor, table, column, *, today, months_ahead, months_back_max=120):
    """Turn the plain table ``table`` into one range-partitioned by month on ``column``,
    in the caller's transaction, keeping every row, its name, its id sequence (the next
    id is the one the old table would have given), its check and foreign-key constraints,
    its indexes and its triggers (with their comments).

    The primary key and every unique constraint or index get ``column`` added (a
    partitioned table's unique keys must include the partition key). A table that other
    tables reference by foreign key is refused: those keys cannot point at it any more,
    and must be dropped first (``db_constraint=False``). Months from the oldest row (at
    most ``months_back_max`` back; older rows go to the default partition) to
    ``months_ahead`` after ``today`` are created. Returns ``{"rows", "partitions"}``.
    """
    t = _q(table)
    cursor.execute(f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint"
        " WHERE confrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    incoming = cursor.fetchall()
    if incoming:
        names = ", ".join(f"{rel}.{name}" for rel, name in incoming)
        raise ValueError(f"{table} is referenced by foreign keys ({names}): drop them first")
    cursor.execute(
        """
        SELECT a.attname FROM pg_index i
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = %s::regclass AND i.indisprimary
        """,
        [table],
    )
    (pk,) = (row[0] for row in cursor.fetchall())
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
    old_sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")  # nosec B608
    last_value, is_called = cursor.fetchone()
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype, conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT pg_get_indexdef(i.indexrelid), i.indisunique FROM pg_index i
         WHERE i.indrelid = %s::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
         ORDER BY i.indexrelid
        """,
        [table],
    )
    indexes = cursor.fetchall()
    # With their comments: pgtrigger keeps the hash of its triggers' definition there.
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger')"
        " FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
        [table],
    )
    triggers = cursor.fetchall()
    cursor.execute(f"SELECT min({_q(column)}) FROM {t}")  # nosec B608
    oldest = cursor.fetchone()[0]

    new, sequence = f"{table}__part", f"{table}_{pk}_seq"
    cursor.execute(f"CREATE SEQUENCE {_q(new + '_seq')} AS bigint")
    cursor.execute(
        f"CREATE TABLE {_q(new)} (LIKE {t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
        f" INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({_q(column)})"
    )
    cursor.execute(
        f"ALTER TABLE {_q(new)} ALTER COLUMN {_q(pk)}"
        f" SET DEFAULT nextval('{_q(new + '_seq')}'::regclass)"
    )
    this_month = month_start(today)
    first = this_month if oldest is None else month_start(oldest)
    first = max(first, add_months(this_month, -months_back_max))
    month, created = first, 0
    while month <= add_months(this_month, months_ahead):
        cursor.execute(
            f"CREATE TABLE {_q(partition_name(table, month))} PARTITION OF {_q(new)}"
            f" FOR VALUES FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
        )
        month, created = add_months(month, 1), created + 1
    cursor.execute(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(new)} DEFAULT")
    cursor.execute(f"INSERT INTO {_q(new)} SELECT * FROM {t}")  # nosec B608
    rows = cursor.rowcount
    cursor.execute(f"DROP TABLE {t}")
    cursor.execute(f"ALTER TABLE {_q(new)} RENAME TO {t}")
    cursor.execute(f"ALTER SEQUENCE {_q(new + '_seq')} RENAME TO {_q(sequence)}")
    cursor.execute(f"ALTER SEQUENCE {_q(sequence)} OWNED BY {t}.{_q(pk)}")
    cursor.execute("SELECT setval(%s::regclass, %s, %s)", [sequence, last_value, is_called])

    for name, kind, definition in constraints:
        if kind in ("p", "u"):
            match = re.fullmatch(r"(PRIMARY KEY|UNIQUE) \((.*?)\)(.*)", definition)
            definition = f"{match[1]} ({_with_column(match[2], column)}){match[3]}"
        cursor.execute(f"ALTER TABLE {t} ADD CONSTRAINT {_q(name)} {definition}")
    for definition, unique in indexes:
        cursor.execute(_unique_index_with_column(definition, column) if unique else definition)
    for name, definition, comment in triggers:
        cursor.execute(definition)
        if comment is not None:
            cursor.execute(f"COMMENT ON TRIGGER {_q(name)} ON {t} IS %s", [comment])
    cursor.execute(f"ANALYZE {t}")
    return {"rows": rows, "partitions": created}
