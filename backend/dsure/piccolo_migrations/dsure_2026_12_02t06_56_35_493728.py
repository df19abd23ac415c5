from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T06:56:35:493728"
VERSION = "1.38.0"
DESCRIPTION = "the subscriptions moved to D-Sure's own tables (dsure_store)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="dsure", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="DsureUnsubscribeToken",
        tablename="dsure_unsubscribe_token",
        schema=None,
    )

    manager.drop_table(
        class_name="DsureSubscription",
        tablename="dsure_subscription",
        schema=None,
    )

    return manager
