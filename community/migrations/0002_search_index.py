"""Trigram indexes for Japanese search: pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite."""

from django.db import migrations

POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX community_searchentry_text_trgm ON community_searchentry USING gin (text gin_trgm_ops)",
)
POSTGRESQL_BACK = ("DROP INDEX IF EXISTS community_searchentry_text_trgm",)

# An external-content FTS5 table kept in step with the entries by triggers.
SQLITE = (
    "CREATE VIRTUAL TABLE community_searchentry_fts USING fts5("
    "text, content='community_searchentry', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER community_searchentry_ai AFTER INSERT ON community_searchentry BEGIN "
    "INSERT INTO community_searchentry_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER community_searchentry_ad AFTER DELETE ON community_searchentry BEGIN "
    "INSERT INTO community_searchentry_fts(community_searchentry_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER community_searchentry_au AFTER UPDATE ON community_searchentry BEGIN "
    "INSERT INTO community_searchentry_fts(community_searchentry_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO community_searchentry_fts(rowid, text) VALUES (new.id, new.text); END",
)
SQLITE_BACK = (
    "DROP TRIGGER IF EXISTS community_searchentry_au",
    "DROP TRIGGER IF EXISTS community_searchentry_ad",
    "DROP TRIGGER IF EXISTS community_searchentry_ai",
    "DROP TABLE IF EXISTS community_searchentry_fts",
)


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("community", "0001_community")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK}),
        ),
    ]
