from backend.accounts.tables import Account, Company, PasswordResetToken, RecoveryCode, Session
from backend.db import app_config

APP_CONFIG = app_config("accounts", __file__, [Company, Account, Session, PasswordResetToken, RecoveryCode])
