"""Gap-free numbers: ticket, quote, receipt, contract, statement and claim numbers.

Every numbered record keeps a counter row per year (and kind) in a table of its own app;
``sequence_next`` is the one way to move one. The row is updated in place with
``UPDATE … RETURNING``, so its row lock serialises concurrent writers until their
transactions end and a rolled-back writer gives its number back: numbers run 1..N with
no gap and no duplicate (the concurrency tests of each app hold this with real threads).
One round trip; the first number of a year creates the row (inside a savepoint, so a
writer that loses that race simply increments the row the winner made).
"""

from django.db import IntegrityError, connection, transaction


def sequence_next(model, *, field="last_value", **key):
    """Add one to ``model``'s counter ``field`` in the row matching ``key`` (creating it
    at 1) and return the new value. Must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "a number needs a transaction"
    value = _increment(model, field, key)
    if value is None:
        try:
            with transaction.atomic():
                model.objects.create(**key, **{field: 1})
                return 1
        except IntegrityError:  # another writer created the row first
            value = _increment(model, field, key)
    return value


def _increment(model, field, key):
    quote = connection.ops.quote_name
    meta = model._meta
    column = quote(meta.get_field(field).column)
    where = " AND ".join(f"{quote(meta.get_field(name).column)} = %s" for name in key)
    with connection.cursor() as cursor:
        # bandit B608: table and column names come from the model's meta, quoted; the
        # key's values are bound parameters.
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {column} = {column} + 1"  # nosec B608
            f" WHERE {where} RETURNING {column}",
            list(key.values()),
        )
        row = cursor.fetchone()
    return row[0] if row else None
