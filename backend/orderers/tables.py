from piccolo.columns import JSON, Boolean, Date, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Orderer(Table, tablename="orderer"):
    """発注者 master data: who may receive electronic certificates, and how."""

    code = Varchar(length=20, unique=True)
    name = Varchar(length=100)
    reading = Varchar(length=100, default="")  # 読み仮名 in hiragana: the master's 五十音順 and its search
    title = Varchar(length=100)  # printed on documents, e.g. 鳥取県知事
    orderer_class = Varchar(length=20)  # national | prefecture | municipality | agency | other
    e_guarantee_from = Date(null=True, default=None)  # null = paper only
    submission_email = Varchar(length=254, null=True, default=None)
    channels = JSON(default=[])  # ["email", "paper", ...]
    subject_templates = JSON(default={})  # {"advance": "【前払保証】{工事名}", ...}
    routing_note = Varchar(length=500, default="")
    active = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())
