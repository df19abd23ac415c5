from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Company(Table, tablename="company"):
    """A contractor (建設業者) registered on e-Net; お客様ID is its login."""

    customer_id = Varchar(length=8, unique=True)  # お客様ID
    name = Varchar(length=100)  # 商号
    representative = Varchar(length=100)  # 代表者
    address = Varchar(length=200)  # 所在地
    phone = Varchar(length=20)
    email = Varchar(length=254)
    license_number = Varchar(length=100)  # 建設業許可番号
    status = Varchar(length=20, default="pending", index=True)  # pending | active | suspended
    created_at = Timestamptz(default=TimestamptzNow())
    approved_at = Timestamptz(null=True, default=None)


class Account(Table, tablename="account"):
    """A login: a contractor (one per company, login_id = お客様ID) or surety staff."""

    login_id = Varchar(length=64, unique=True)
    role = Varchar(length=20)  # contractor | admin
    password_hash = Varchar(length=200)
    display_name = Varchar(length=100)
    company = ForeignKey(references=Company, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class Session(Table, tablename="session"):
    """An opaque session token, stored only as its SHA-256."""

    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(references=Account, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    address = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")
