"""The suggestions' indexes on PostgreSQL: full-text (``simple`` configuration) over the
jieba-segmented text, and ``pg_trgm`` trigrams of it. SQLite (``make run``) gets none: its
suggestions match tokens in Python (tickets.knowledge.search)."""

from django.db import migrations

INDEXES = (
    (
        "knowledge_article_fts",
        "knowledge_article USING gin (to_tsvector('simple', search_text))",
    ),
    ("knowledge_article_trgm", "knowledge_article USING gin (search_text gin_trgm_ops)"),
)


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
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
