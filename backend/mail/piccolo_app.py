from backend.db import app_config
from backend.mail.tables import MailMessage

APP_CONFIG = app_config("mail", __file__, [MailMessage])
