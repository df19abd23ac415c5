import os

from piccolo.conf.apps import AppConfig

from backend.throttle.tables import ThrottleEvent, ThrottleLock

APP_CONFIG = AppConfig(
    app_name="throttle",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[ThrottleEvent, ThrottleLock],
    migration_dependencies=[],
    commands=[],
)
