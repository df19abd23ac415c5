"""Fill the dashboard's counters from the rows there are (once; from now on they are maintained)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.stats import counters

ID = "2026-12-02T00:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stat_counter: counted from the existing rows"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stats", description=DESCRIPTION)
    manager.add_raw(counters.rebuild)
    return manager
