"""Numbers may coincide across issuers, never within one; a version and a revision arrive once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend import db

ID = "2026-12-02T06:56:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "ds_certificate (issuer, number), ds_version (certificate, version), ds_publication (issuer, number, revision) unique"

INDEXES = [
    "CREATE UNIQUE INDEX ds_certificate_issuer_number ON ds_certificate (issuer, contract_number)",
    "CREATE UNIQUE INDEX ds_version_certificate_version ON ds_version (certificate, version)",
    "CREATE UNIQUE INDEX ds_publication_issuer_number_revision ON ds_publication (issuer, contract_number, revision)",
]


async def _create() -> None:
    for statement in INDEXES:
        await db.get_engine().run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="dsure_store", description=DESCRIPTION)
    manager.add_raw(_create)
    return manager
