"""Indexes for searching tickets and customers by name at scale (PostgreSQL only).

``name__icontains`` compiles to ``UPPER(name) LIKE UPPER('%x%')`` on PostgreSQL, which a
B-tree cannot serve; a trigram GIN index on ``UPPER(name)`` can. SQLite (the embedded
default) has no pg_trgm and small data, so it gets nothing.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_name_trgm ON tickets_customer "
    "USING gin (UPPER(name) gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS customer_name_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_role_groups")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
