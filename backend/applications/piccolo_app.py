from backend.applications.tables import Application
from backend.db import app_config

APP_CONFIG = app_config("applications", __file__, [Application], depends_on=("backend.accounts.piccolo_app", "backend.orderers.piccolo_app"))
