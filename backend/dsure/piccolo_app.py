import os

from piccolo.conf.apps import AppConfig

from backend.dsure.tables import DsureView

APP_CONFIG = AppConfig(
    app_name="dsure",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[DsureView],
    migration_dependencies=["backend.certificates.piccolo_app"],
    commands=[],
)
