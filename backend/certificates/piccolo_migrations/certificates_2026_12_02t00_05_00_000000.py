"""The n-gram index of the search documents, and the documents of the certificates there are.

SQLite: an FTS5 table with the trigram tokenizer over ``certificate_search`` (external
content: the text is stored once), kept in step by triggers. PostgreSQL: pg_trgm (a trusted
extension, shipped with PostgreSQL's contrib) and a GIN index of the text's trigrams.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend import db
from backend.certificates import search

ID = "2026-12-02T00:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "certificate_search: the trigram index (FTS5 / pg_trgm) and the existing certificates' documents"

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE certificate_search_fts USING fts5("
    "text, content='certificate_search', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER certificate_search_added AFTER INSERT ON certificate_search BEGIN "
    "INSERT INTO certificate_search_fts (rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER certificate_search_removed AFTER DELETE ON certificate_search BEGIN "
    "INSERT INTO certificate_search_fts (certificate_search_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER certificate_search_changed AFTER UPDATE ON certificate_search BEGIN "
    "INSERT INTO certificate_search_fts (certificate_search_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO certificate_search_fts (rowid, text) VALUES (new.id, new.text); END",
]
POSTGRES_DDL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX certificate_search_text_trgm ON certificate_search USING gin (text gin_trgm_ops)",
]
CHUNK = 5000


async def _documents_of_existing_certificates() -> None:
    engine = db.get_engine()
    last = 0
    while True:
        rows = await engine.run_ddl(
            "SELECT c.id, c.project_name, c.orderer_name, co.name AS company_name FROM certificate c "
            f"LEFT JOIN company co ON co.id = c.company WHERE c.id > {last} ORDER BY c.id LIMIT {CHUNK}"
        )
        if not rows:
            return
        await search.index(
            [search.entry(r["id"], r["project_name"], r["orderer_name"], r["company_name"] or "") for r in rows]
        )
        last = rows[-1]["id"]


async def _index() -> None:
    engine = db.get_engine()
    if db.is_sqlite():
        for statement in SQLITE_DDL:
            await engine.run_ddl(statement)
        await _documents_of_existing_certificates()
    else:
        await _documents_of_existing_certificates()  # before the index: one build instead of a row at a time
        for statement in POSTGRES_DDL:
            await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)
    manager.add_raw(_index)
    return manager
