from backend.db import app_config
from backend.stats.tables import StatCounter

APP_CONFIG = app_config(
    "stats", __file__, [StatCounter],
    depends_on=("backend.certificates.piccolo_app", "backend.mail.piccolo_app"),
)
