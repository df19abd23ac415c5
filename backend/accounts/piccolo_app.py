import os

from piccolo.conf.apps import AppConfig

from backend.accounts.tables import Account, Company, Session

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Company, Account, Session],
    migration_dependencies=[],
    commands=[],
)
