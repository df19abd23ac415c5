from backend.audit.tables import AuditEntry
from backend.db import app_config

APP_CONFIG = app_config("audit", __file__, [AuditEntry])
