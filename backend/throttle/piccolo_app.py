from backend.db import app_config
from backend.throttle.tables import ThrottleEvent, ThrottleLock

APP_CONFIG = app_config("throttle", __file__, [ThrottleEvent, ThrottleLock])
