from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class PublicationOutbox(Table, tablename="publication_outbox"):
    """A certificate to publish to D-Sure, written in the transaction of the change that causes it.

    Holds no content and no key: the worker builds the publication from the certificate's
    state when it delivers (so a late delivery carries everything up to then). The row's id
    is the publication's revision: D-Sure applies a revision once and ignores older ones.
    """

    contract_number = Varchar(length=10, index=True)
    event = Varchar(length=20)  # concluded | amended | cancelled | key_reissued | published
    details = Text(default="{}")  # JSON: what the certificate's tables do not keep (the cancellation's reason)
    status = Varchar(length=20, default="pending", index=True)  # pending | delivered
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    last_error = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
