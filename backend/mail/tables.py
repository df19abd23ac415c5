from piccolo.columns import JSON, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class MailMessage(Table, tablename="mail_message"):
    """The outbox: written in the transaction of the event that causes the mail.

    Attachments are references (e.g. the key notice of a certificate), rendered at
    send time, so no 認証キー sits in the outbox.
    """

    message_id = Varchar(length=200, unique=True)
    category = Varchar(length=40, index=True)
    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body = Text()
    attachments = JSON(default=[])  # [{"kind": "auth-key-notice", "contract_number": "…"}]
    related = Varchar(length=40, default="", index=True)  # contract number or application id
    status = Varchar(length=20, default="pending", index=True)  # pending | sending | sent | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    last_error = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
