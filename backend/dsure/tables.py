from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from backend.certificates.tables import Certificate


class DsureView(Table, tablename="dsure_view"):
    """e-Net's copy of a D-Sure view of one of its certificates (for the contractor), taken from D-Sure."""

    certificate = ForeignKey(references=Certificate, index=True)
    at = Timestamptz(index=True)
    version = Integer()
    address = Varchar(length=64, default="")  # the orderer's address (the contractor sees it coarsened)
    user_agent = Varchar(length=300, default="")
    kind = Varchar(length=20, default="verify")  # verify | receipt
