from piccolo.columns import BigInt, Varchar
from piccolo.table import Table


class StatCounter(Table, tablename="stat_counter"):
    """One maintained figure of the dashboard (``backend.stats.counters`` names the keys).

    Changed only by ``counters.bump`` inside the transaction that changes what it counts,
    so a committed state and its figures are never apart.
    """

    key = Varchar(length=80, unique=True)
    value = BigInt(default=0)
