from backend.db import app_config
from backend.dsure_store.tables import TABLES

# No dependency on any e-Net app: D-Sure alone migrates this (with audit and mail) and nothing else.
APP_CONFIG = app_config("dsure_store", __file__, TABLES)
