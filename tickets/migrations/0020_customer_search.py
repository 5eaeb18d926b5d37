"""Global search (issue 13): the customer's name in pinyin, and the indexes search reads.

The pinyin keys are derived from the name (``tickets.names.name_keys``, pure: no model,
no service); existing rows are filled here, new writes by ``Customer.save()``.

On PostgreSQL, trigram GIN indexes let ``LIKE '%fragment%'`` read an index instead of the
table: any 3+ characters of the pinyin, 4+ digits of the phone, a fragment of the ticket
number or the serial. Initials are matched from their start ("ly" → 刘洋, 李勇, 刘一阳), which
a B-tree with ``varchar_pattern_ops`` serves (the database's C.UTF-8 collation is not "C",
so a plain B-tree does not answer ``LIKE 'ly%'``). SQLite (``make run``) gets none: it scans
its small tables.
"""

from django.db import migrations, models

from tickets.names import name_keys

BATCH = 2000

INDEXES = [
    ("customer_name_pinyin_trgm", "tickets_customer USING gin (name_pinyin gin_trgm_ops)"),
    ("customer_name_initials", "tickets_customer (name_initials varchar_pattern_ops)"),
    ("customer_phone_trgm", "tickets_customer USING gin (phone gin_trgm_ops)"),
    ("ticket_number_trgm", "tickets_ticket USING gin (UPPER(number) gin_trgm_ops)"),
    ("product_serial_trgm", "tickets_product USING gin (UPPER(serial_number) gin_trgm_ops)"),
]


def backfill(apps, schema_editor):
    """One UPDATE per batch: ``FROM (VALUES …)`` on PostgreSQL (``bulk_update``'s CASE of
    2,000 branches per row took minutes at 200,000 customers), row by row on SQLite."""
    Customer = apps.get_model("tickets", "Customer")
    connection = schema_editor.connection
    rows = Customer.objects.order_by("pk").values_list("pk", "name")
    batch = []

    def flush():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                from psycopg2.extras import execute_values

                execute_values(
                    cursor.cursor,
                    "UPDATE tickets_customer AS c SET name_pinyin = v.p, name_initials = v.i "
                    "FROM (VALUES %s) AS v(id, p, i) WHERE c.id = v.id",
                    batch,
                    page_size=BATCH,
                )
            else:
                cursor.executemany(
                    "UPDATE tickets_customer SET name_pinyin = %s, name_initials = %s WHERE id = %s",
                    [(p, i, pk) for pk, p, i in batch],
                )
        batch.clear()

    for pk, name in rows.iterator(chunk_size=BATCH):
        batch.append((pk, *name_keys(name)))
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0019_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_initials",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=200,
                verbose_name="pinyin initials",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="name_pinyin",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=1200,
                verbose_name="name in pinyin",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
