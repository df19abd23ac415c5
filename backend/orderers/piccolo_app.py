import os

from piccolo.conf.apps import AppConfig

from backend.orderers.tables import Orderer

APP_CONFIG = AppConfig(
    app_name="orderers",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Orderer],
    migration_dependencies=[],
    commands=[],
)
