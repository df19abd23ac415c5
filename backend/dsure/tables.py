from piccolo.columns import Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.certificates.tables import Certificate


class DsureView(Table, tablename="dsure_view"):
    """One successful D-Sure verification (or receipt download) of a certificate."""

    certificate = ForeignKey(references=Certificate, index=True)
    at = Timestamptz(index=True)
    version = Integer()
    address = Varchar(length=64, default="")  # the orderer's address (the contractor sees it coarsened)
    user_agent = Varchar(length=300, default="")
    kind = Varchar(length=20, default="verify")  # verify | receipt


class DsureSubscription(Table, tablename="dsure_subscription"):
    """An orderer's email for change alerts on one certificate."""

    certificate = ForeignKey(references=Certificate, index=True)
    email = Varchar(length=254)
    active = Boolean(default=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    unsubscribed_at = Timestamptz(null=True, default=None)
    # The 保証期限 an expiry reminder was sent for (once per deadline; an amended deadline gets its own).
    expiry_notified_for = Date(null=True, default=None)


class DsureUnsubscribeToken(Table, tablename="dsure_unsubscribe_token"):
    """One random unsubscribe token per alert mail, stored as its SHA-256 only."""

    subscription = ForeignKey(references=DsureSubscription, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
