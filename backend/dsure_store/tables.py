from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class DsIssuer(Table, tablename="ds_issuer"):
    """A surety company publishing to D-Sure (e.g. 207 西日本建設業保証株式会社)."""

    code = Varchar(length=10, unique=True)
    name = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())


class DsIssuerKey(Table, tablename="ds_issuer_key"):
    """One Ed25519 public key of an issuer; a rotated key keeps verifying what it signed in its period."""

    issuer = ForeignKey(references=DsIssuer, index=True)
    key_id = Varchar(length=16, unique=True)
    pem = Text()
    valid_from = Timestamptz(default=TimestamptzNow())
    valid_until = Timestamptz(null=True, default=None)


class DsCertificate(Table, tablename="ds_certificate"):
    """A published certificate: unique per (issuer, contract_number); numbers may coincide across issuers."""

    issuer = ForeignKey(references=DsIssuer, index=True)
    contract_number = Varchar(length=10, index=True)
    revision = BigInt(default=0)  # the issuer's serial of the last publication applied
    current_version = Integer(default=1)
    period_end = Date()  # 保証期限
    cancelled_on = Date(null=True, default=None)
    cancel_reason = Text(null=True, default=None)
    project_name = Varchar(length=200)
    orderer_name = Varchar(length=100)
    last_viewed_at = Timestamptz(null=True, default=None)
    acknowledged_at = Timestamptz(null=True, default=None)  # 受領確認
    updated_at = Timestamptz(default=TimestamptzNow())


class DsVersion(Table, tablename="ds_version"):
    """One signed version as the issuer published it; unique per (certificate, version), never changed."""

    certificate = ForeignKey(references=DsCertificate, index=True)
    version = Integer()
    issued_on = Date()
    content = Text()  # the issuer's canonical JSON
    digest = Varchar(length=64)  # SHA-256 of content
    signature = Varchar(length=100)  # Ed25519 over content, base64
    key_id = Varchar(length=16)
    certificate_jws = Text()  # compact JWS (EdDSA) over the RFC 8785 bytes of the content


class DsVerifier(Table, tablename="ds_verifier"):
    """The current 認証キー's verifier, re-keyed with D-Sure's own secret (backend.dsure.sealing)."""

    certificate = ForeignKey(references=DsCertificate, unique=True)
    verifier = Varchar(length=64)
    revision = BigInt(default=0)


class DsPublication(Table, tablename="ds_publication"):
    """Every publication accepted: unique per (issuer, number, revision), so a redelivery is a no-op."""

    issuer = ForeignKey(references=DsIssuer, index=True)
    contract_number = Varchar(length=10)
    revision = BigInt()
    version = Integer()
    event = Varchar(length=20)  # concluded | amended | cancelled | key_reissued | published
    digest = Varchar(length=64)  # SHA-256 of the JWS as received
    key_id = Varchar(length=16)
    received_at = Timestamptz(default=TimestamptzNow())


class DsView(Table, tablename="ds_view"):
    """One successful verification (or receipt download) at D-Sure."""

    certificate = ForeignKey(references=DsCertificate, index=True)
    at = Timestamptz(index=True)
    version = Integer()
    address = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")
    kind = Varchar(length=20, default="verify")  # verify | receipt


class DsureSubscription(Table, tablename="ds_subscription"):
    """An orderer's email for change alerts on one certificate."""

    certificate = ForeignKey(references=DsCertificate, index=True)
    email = Varchar(length=254)
    active = Boolean(default=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    unsubscribed_at = Timestamptz(null=True, default=None)
    # The 保証期限 an expiry reminder was sent for (once per deadline; an amended deadline gets its own).
    expiry_notified_for = Date(null=True, default=None)


class DsureUnsubscribeToken(Table, tablename="ds_unsubscribe_token"):
    """One random unsubscribe token per alert mail, stored as its SHA-256 only."""

    subscription = ForeignKey(references=DsureSubscription, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class DsThrottleEvent(Table, tablename="ds_throttle_event"):
    """D-Sure's counted attempts and failures (same shape as ``throttle_event``)."""

    key = Varchar(length=200, index=True)
    at = Timestamptz()
    expires_at = Timestamptz(index=True)


class DsThrottleLock(Table, tablename="ds_throttle_lock"):
    """D-Sure's locks: a (number, address) pair or a whole number (same shape as ``throttle_lock``)."""

    key = Varchar(length=200, unique=True)
    until = Timestamptz(index=True)
    reason = Varchar(length=100, default="")


TABLES = [
    DsIssuer, DsIssuerKey, DsCertificate, DsVersion, DsVerifier, DsPublication, DsView,
    DsureSubscription, DsureUnsubscribeToken, DsThrottleEvent, DsThrottleLock,
]
