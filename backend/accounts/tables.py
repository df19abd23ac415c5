from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Company(Table, tablename="company"):
    """A contractor (建設業者) registered on e-Net; お客様ID is its login."""

    customer_id = Varchar(length=8, unique=True)  # お客様ID
    name = Varchar(length=100)  # 商号
    representative = Varchar(length=100)  # 代表者
    address = Varchar(length=200)  # 所在地
    phone = Varchar(length=20)
    email = Varchar(length=254, index=True)
    license_number = Varchar(length=100)  # 建設業許可番号
    status = Varchar(length=20, default="pending", index=True)  # pending | active | rejected | suspended
    created_at = Timestamptz(default=TimestamptzNow())
    approved_at = Timestamptz(null=True, default=None)
    # Why staff rejected or suspended it (shown to staff, sent to the company), and when.
    status_reason = Text(default="")
    status_changed_at = Timestamptz(null=True, default=None)


class Account(Table, tablename="account"):
    """A login: a contractor (one per company, login_id = お客様ID) or surety staff."""

    login_id = Varchar(length=64, unique=True)
    role = Varchar(length=20)  # contractor | admin
    password_hash = Varchar(length=200)
    display_name = Varchar(length=100)
    company = ForeignKey(references=Company, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    password_changed_at = Timestamptz(null=True, default=None)
    # TOTP (RFC 6238): the secret AES-GCM encrypted with the data dir's key; confirmed once the
    # owner typed a code from it; the last time step accepted, so a code is never accepted twice.
    totp_secret = Varchar(length=200, default="")
    totp_confirmed_at = Timestamptz(null=True, default=None)
    totp_last_step = Integer(default=0)


class Session(Table, tablename="session"):
    """An opaque session token, stored only as its SHA-256."""

    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(references=Account, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    address = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")
    # A staff session opened with the password alone, before two-factor is set up: it may only
    # set up TOTP (and read /me, log out, change the password).
    totp_setup_only = Boolean(default=False)


class PasswordResetToken(Table, tablename="password_reset_token"):
    """A single-use password-reset link (30 minutes), stored only as the token's SHA-256."""

    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(references=Account, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class RecoveryCode(Table, tablename="recovery_code"):
    """A two-factor recovery code (single use), stored only as its SHA-256."""

    account = ForeignKey(references=Account, index=True)
    code_hash = Varchar(length=64, unique=True)
    used_at = Timestamptz(null=True, default=None)
