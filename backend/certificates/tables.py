from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import Company
from backend.applications.tables import Application
from backend.orderers.tables import Orderer


class ContractSequence(Table, tablename="contract_sequence"):
    """The last 7-digit sequence used per office; bumped inside the conclusion transaction."""

    office_code = Varchar(length=3, unique=True)
    last_value = BigInt(default=0)


class Certificate(Table, tablename="certificate"):
    """保証契約 / 電子証書. The content lives in signed, immutable versions."""

    contract_number = Varchar(length=10, unique=True)  # 保証契約番号
    application = ForeignKey(references=Application, unique=True)
    company = ForeignKey(references=Company, index=True)
    orderer = ForeignKey(references=Orderer)
    guarantee_type = Varchar(length=20, index=True)
    delivery = Varchar(length=20)
    # Denormalised from the current version for lists and search:
    project_name = Varchar(length=200)
    orderer_name = Varchar(length=100)
    guarantee_amount = BigInt()
    period_end = Date(index=True)  # 保証期限
    current_version = Integer(default=1)
    issued_on = Date()
    cancelled_at = Timestamptz(null=True, default=None)
    cancel_on = Date(null=True, default=None)  # 解約日 (the last day covered)
    cancel_reason = Varchar(length=1000, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_viewed_at = Timestamptz(null=True, default=None)  # last D-Sure view
    acknowledged_at = Timestamptz(null=True, default=None)  # 受領確認 by the orderer
    sent_to_orderer_at = Timestamptz(null=True, default=None)
    sent_to_orderer_address = Varchar(length=254, null=True, default=None)


class CertificateVersion(Table, tablename="certificate_version"):
    certificate = ForeignKey(references=Certificate, index=True)
    version = Integer()
    content = Text()  # canonical JSON of the snapshot
    digest = Varchar(length=64)  # SHA-256 of content
    signature = Varchar(length=100)  # Ed25519, base64
    key_id = Varchar(length=16)
    issued_on = Date()
    created_at = Timestamptz(default=TimestamptzNow())


class AuthKey(Table, tablename="auth_key"):
    """The current 認証キー of a certificate; reissue replaces the row, so the old key dies at once."""

    certificate = ForeignKey(references=Certificate, unique=True)
    key_mac = Varchar(length=64)  # HMAC-SHA256(number:key)
    key_ciphertext = Varchar(length=200)  # AES-GCM(key), for display to the contractor
    created_at = Timestamptz(default=TimestamptzNow())


class FeeAdjustment(Table, tablename="fee_adjustment"):
    """追加保証料 / 保証料返還 from an amendment or a cancellation."""

    certificate = ForeignKey(references=Certificate, index=True)
    version = Integer()
    kind = Varchar(length=20)  # additional | refund
    amount = BigInt()
    details = JSON()  # the calculation, for the 計算書
    created_at = Timestamptz(default=TimestamptzNow())


class ChangeRequest(Table, tablename="change_request"):
    """変更・解約の申込み by the contractor: submitted → fee_notified → (paid) → concluded, or rejected.

    ``fee_delta`` > 0 is a 追加保証料 (paid before conclusion, with its own 領収証), < 0 a
    返還保証料; ``fee_details`` holds the calculation the 計算書 prints.
    """

    certificate = ForeignKey(references=Certificate, index=True)
    company = ForeignKey(references=Company, index=True)
    kind = Varchar(length=10)  # amend | cancel
    status = Varchar(length=20, default="submitted", index=True)
    contract_amount = BigInt(null=True, default=None)  # requested 請負代金額 (amend)
    guarantee_amount = BigInt(null=True, default=None)  # requested 保証金額 (amend)
    period_end = Date(null=True, default=None)  # requested 保証期限 (amend)
    cancel_on = Date(null=True, default=None)  # requested 解約日 (cancel)
    reason = Varchar(length=1000)
    base_version = Integer()  # the version the request was made against
    fee_delta = BigInt(null=True, default=None)
    fee_details = JSON(null=True, default=None)
    fee_notified_on = Date(null=True, default=None)
    paid_on = Date(null=True, default=None)
    paid_amount = BigInt(null=True, default=None)
    receipt_number = Varchar(length=20, null=True, default=None)
    rejected_reason = Varchar(length=1000, null=True, default=None)
    version = Integer(null=True, default=None)  # the version the conclusion issued
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    concluded_at = Timestamptz(null=True, default=None)


class CertificateSearch(Table, tablename="certificate_search"):
    """A certificate's search document: 工事名, 発注者 and 請負者, NFKC-folded and lower-cased.

    ``id`` is the certificate's id. Written by ``backend.certificates.search.index`` in the
    conclusion's transaction; the n-gram index over ``text`` is the engine's own (SQLite: the
    FTS5 trigram table ``certificate_search_fts``, kept by triggers; PostgreSQL: a pg_trgm GIN
    index).
    """

    text = Text()

