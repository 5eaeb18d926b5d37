"""The suggestions' indexes on PostgreSQL: full-text (``simple`` configuration) over the
jieba-segmented text — a stored generated ``search_vector`` column, so ranking reads the
vector instead of recomputing it per row (the model does not know the column; only
``tickets.knowledge.search`` reads it) — and ``pg_trgm`` trigrams of it. SQLite (``make run``) gets none: its
suggestions match tokens in Python (tickets.knowledge.search)."""

from django.db import migrations

VECTOR = (
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
)
INDEXES = (
    ("knowledge_article_fts", "knowledge_article USING gin (search_vector)"),
    ("knowledge_article_trgm", "knowledge_article USING gin (search_text gin_trgm_ops)"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(VECTOR)
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
