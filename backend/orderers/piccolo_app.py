from backend.db import app_config
from backend.orderers.tables import Orderer

APP_CONFIG = app_config("orderers", __file__, [Orderer])
