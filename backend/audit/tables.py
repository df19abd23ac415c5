from piccolo.columns import BigInt, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """Append-only, hash-chained: each entry's hash covers the previous entry's hash."""

    seq = BigInt(unique=True)
    at = Timestamptz()
    action = Varchar(length=60, index=True)
    actor = Varchar(length=64, default="")  # login_id, "dsure", "system"
    target = Varchar(length=100, default="", index=True)
    address = Varchar(length=64, default="")
    details = Text(default="{}")  # canonical JSON
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)
