"""D-Sure's issuers and what they publish (DESIGN §5.2 "D-Sure, shared by several sureties").

An issuer is registered with its Ed25519 public key (``hosho dsure add-issuer``, read per
publication, so a new issuer or key takes effect without a restart). A new key for a known
issuer closes the period of its current key: publications signed by a closed key are
refused, versions it signed in its period keep verifying.

A publication is a compact JWS by the issuer's key over the certificate's whole state at a
revision (the issuer's outbox id). D-Sure refuses what it cannot verify: an unknown or
expired key, an issuer other than the key's, a version whose digest, signature or JWS does
not check against a key of that issuer. Applying is idempotent per (issuer, number,
revision): versions are inserted once per (certificate, version); status, verifier and the
denormalised fields move only forwards in revision. The key verifier arrives sealed to
D-Sure's X25519 key; D-Sure opens it and keeps only its HMAC under D-Sure's own secret.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend import db
from backend.domain import jws, keys, sealing, signing
from backend.dsure import keys as dsure_keys
from backend.dsure import notices
from backend.dsure.schemas import IssuerKeyOut, IssuerOut, Publication, PublicationResult
from backend.dsure_store.tables import (
    DsCertificate,
    DsIssuer,
    DsIssuerKey,
    DsPublication,
    DsVerifier,
    DsVersion,
)
from backend.lib import clock
from backend.lib.errors import Forbidden, Unauthorized

PUBLICATION_TYPE = "hosho-publication+jws"


class PublicationRefused(Forbidden):
    """A publication D-Sure cannot verify (403, code ``dsure.publication_refused``)."""

    code = "dsure.publication_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"公開データを受け付けられません: {reason}")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("Ed25519 の公開鍵ではありません。")
    return key


# --- issuers ------------------------------------------------------------------------------------


async def add_issuer(code: str, name: str, pem: str) -> IssuerOut:
    """Register an issuer, or rename it / add a key (a new key ends the current one's period)."""
    public_key = load_public_key(pem)
    key_id = signing.key_id(public_key)
    pem = signing.public_key_pem(public_key)
    now = clock.now()
    async with db.transaction():
        await db.advisory_lock(f"ds-issuer:{code}")
        issuer = await DsIssuer.select(DsIssuer.id).where(DsIssuer.code == code).first()
        if issuer is None:
            issuer_id = (await DsIssuer.insert(DsIssuer(code=code, name=name, created_at=now)))[0]["id"]
        else:
            issuer_id = issuer["id"]
            await DsIssuer.update({DsIssuer.name: name}).where(DsIssuer.id == issuer_id)
        known = await DsIssuerKey.select(DsIssuerKey.issuer).where(DsIssuerKey.key_id == key_id).first()
        if known is not None and known["issuer"] != issuer_id:
            raise ValueError(f"この公開鍵（{key_id}）は別の保証会社に登録されています。")
        if known is None:
            await DsIssuerKey.update({DsIssuerKey.valid_until: now}).where(
                (DsIssuerKey.issuer == issuer_id) & DsIssuerKey.valid_until.is_null()
            )
            await DsIssuerKey.insert(DsIssuerKey(issuer=issuer_id, key_id=key_id, pem=pem, valid_from=now))
    return next(item for item in await issuers() if item.code == code)


async def issuers() -> list[IssuerOut]:
    rows = await DsIssuer.select().order_by(DsIssuer.code)
    key_rows = await DsIssuerKey.select().order_by(DsIssuerKey.valid_from)
    out = []
    for row in rows:
        out.append(
            IssuerOut(
                code=row["code"],
                name=row["name"],
                keys=[
                    IssuerKeyOut(
                        key_id=key["key_id"], pem=key["pem"], jwk=signing.public_key_jwk(load_public_key(key["pem"])),
                        valid_from=key["valid_from"], valid_until=key["valid_until"],
                    )
                    for key in key_rows
                    if key["issuer"] == row["id"]
                ],
            )
        )
    return out


_public_keys: dict[str, Ed25519PublicKey] = {}  # key_id → key: a key_id is the key's hash, so never stale


async def issuer_key(key_id: str) -> tuple[dict | None, Ed25519PublicKey | None]:
    """(the key row with its issuer's code and name, the key) or (None, None)."""
    row = (
        await DsIssuerKey.select(
            DsIssuerKey.all_columns(),
            DsIssuerKey.issuer.code.as_alias("issuer_code"),
            DsIssuerKey.issuer.name.as_alias("issuer_name"),
        )
        .where(DsIssuerKey.key_id == key_id)
        .first()
    )
    if row is None:
        return None, None
    if key_id not in _public_keys:
        _public_keys[key_id] = load_public_key(row["pem"])
    return row, _public_keys[key_id]


async def version_key(key_id: str) -> Ed25519PublicKey | None:
    """The issuer key that signed a stored version (cached: the hot path checks every answer)."""
    if key_id in _public_keys:
        return _public_keys[key_id]
    _, key = await issuer_key(key_id)
    return key


# --- publications -----------------------------------------------------------------------------


def _valid_at(row: dict, at: datetime) -> bool:
    return row["valid_from"] <= at and (row["valid_until"] is None or at < row["valid_until"])


async def _check_version(version, issuer_id: int) -> None:
    data = version.content.encode("utf-8")
    if hashlib.sha256(data).hexdigest() != version.digest:
        raise PublicationRefused(f"第{version.version}版の要約値（SHA-256）が内容と一致しません。")
    row, key = await issuer_key(version.key_id)
    if row is None or row["issuer"] != issuer_id:
        raise PublicationRefused(f"第{version.version}版の署名鍵（{version.key_id}）はこの保証会社の鍵ではありません。")
    if not signing.verify_bytes(key, data, version.signature):
        raise PublicationRefused(f"第{version.version}版の電子署名を検証できません。")
    try:
        # The JWS is by the issuer's current key; the version's signature may be by an older one.
        jws_row, jws_key = await issuer_key(jws.header_of(version.certificate_jws)["kid"])
        if jws_row is None or jws_row["issuer"] != issuer_id:
            raise jws.InvalidJws("kid")
        payload = jws.verify(version.certificate_jws, jws_key)
    except jws.InvalidJws:
        raise PublicationRefused(f"第{version.version}版の JWS を検証できません。") from None
    if payload != jws.jcs(json.loads(data)):
        raise PublicationRefused(f"第{version.version}版の JWS の内容が電子証書と一致しません。")


async def verify_publication(token: str) -> tuple[Publication, dict]:
    """The publication and its issuer key row, or PublicationRefused."""
    try:
        header = jws.header_of(token)
    except jws.InvalidJws:
        raise PublicationRefused("署名付きデータ（JWS）の形式ではありません。") from None
    row, key = await issuer_key(header["kid"])
    if row is None:
        raise PublicationRefused(f"登録されていない署名鍵です（{header['kid']}）。")
    if not _valid_at(row, clock.now()):
        raise PublicationRefused(f"署名鍵（{header['kid']}）の有効期間外です。")
    try:
        payload = jws.verify(token, key)
    except jws.InvalidJws:
        raise PublicationRefused("署名を検証できません（改ざん、または別の鍵による署名です）。") from None
    try:
        publication = msgspec.json.decode(payload, type=Publication)
    except msgspec.DecodeError as exc:
        raise PublicationRefused(f"内容の形式が正しくありません（{exc}）。") from None
    if publication.issuer != row["issuer_code"]:
        raise PublicationRefused(f"署名鍵の保証会社（{row['issuer_code']}）と公開元（{publication.issuer}）が一致しません。")
    if not publication.versions:
        raise PublicationRefused("電子証書の版がありません。")
    for version in publication.versions:
        await _check_version(version, row["issuer"])
    return publication, row


def _verifier(publication: Publication) -> str | None:
    if publication.verifier is None:
        return None
    context = f"{publication.issuer}:{publication.contract_number}".encode()
    try:
        opened = sealing.open_sealed(dsure_keys.sealing_key(), publication.verifier, context).decode()
    except (sealing.SealError, UnicodeDecodeError):
        raise PublicationRefused("認証キーの検証値を開封できません（D-Sure の公開鍵で封をしてください）。") from None
    return keys.rekeyed_verifier(dsure_keys.verifier_secret(), publication.issuer, publication.contract_number, opened)


async def accept(token: str) -> PublicationResult:
    """Verify and apply one publication (the HTTP route and the embedded worker both call this)."""
    publication, key_row = await verify_publication(token)
    verifier = _verifier(publication)
    issuer_id, number = key_row["issuer"], publication.contract_number
    current = max(publication.versions, key=lambda version: version.version)
    now = clock.now()
    async with db.transaction():
        await db.advisory_lock(f"ds-certificate:{issuer_id}:{number}")
        row = await DsCertificate.select().where(
            (DsCertificate.issuer == issuer_id) & (DsCertificate.contract_number == number)
        ).first()
        if row is not None and row["revision"] >= publication.revision:
            return PublicationResult(issuer=publication.issuer, contract_number=number, revision=publication.revision, applied=False)
        fields = {
            DsCertificate.revision: publication.revision,
            DsCertificate.current_version: current.version,
            DsCertificate.period_end: publication.period_end,
            DsCertificate.cancelled_on: publication.cancelled_on,
            DsCertificate.cancel_reason: publication.cancel_reason,
            DsCertificate.project_name: publication.project_name,
            DsCertificate.orderer_name: publication.orderer_name,
            DsCertificate.updated_at: now,
        }
        if row is None:
            certificate_id = (
                await DsCertificate.insert(
                    DsCertificate(issuer=issuer_id, contract_number=number, **{column._meta.name: value for column, value in fields.items()})
                )
            )[0]["id"]
            known_versions: set[int] = set()
        else:
            certificate_id = row["id"]
            await DsCertificate.update(fields).where(DsCertificate.id == certificate_id)
            known_versions = {
                item["version"] for item in await DsVersion.select(DsVersion.version).where(DsVersion.certificate == certificate_id)
            }
        new_versions = [version for version in publication.versions if version.version not in known_versions]
        if new_versions:
            await DsVersion.insert(
                *[
                    DsVersion(
                        certificate=certificate_id, version=version.version, issued_on=version.issued_on,
                        content=version.content, digest=version.digest, signature=version.signature,
                        key_id=version.key_id, certificate_jws=version.certificate_jws,
                    )
                    for version in new_versions
                ]
            )
        key_changed = False
        if verifier is not None:
            stored = await DsVerifier.select(DsVerifier.verifier).where(DsVerifier.certificate == certificate_id).first()
            if stored is None:
                await DsVerifier.insert(DsVerifier(certificate=certificate_id, verifier=verifier, revision=publication.revision))
            elif stored["verifier"] != verifier:
                key_changed = True
                await DsVerifier.update({DsVerifier.verifier: verifier, DsVerifier.revision: publication.revision}).where(
                    DsVerifier.certificate == certificate_id
                )
        await DsPublication.insert(
            DsPublication(
                issuer=issuer_id, contract_number=number, revision=publication.revision, version=current.version,
                event=publication.event[:20], digest=hashlib.sha256(token.encode()).hexdigest(),
                key_id=key_row["key_id"], received_at=now,
            )
        )
        await notices.published(
            notices.Change(
                certificate_id=certificate_id, issuer_code=publication.issuer, contract_number=number,
                project_name=publication.project_name,
                new_versions=[json.loads(version.content) for version in sorted(new_versions, key=lambda v: v.version)] if row is not None else [],
                cancelled=publication.cancelled_on is not None and (row is None or row["cancelled_on"] is None),
                key_changed=key_changed,
            )
        )
    return PublicationResult(issuer=publication.issuer, contract_number=number, revision=publication.revision, applied=True)


# --- issuers calling D-Sure (their dashboard figures, lock releases) ------------------------------

ISSUER_TOKEN_TTL_SECONDS = 300


class IssuerUnauthorized(Unauthorized):
    """No valid ``Authorization: Issuer <token>`` (401, code ``dsure.issuer_unauthorized``)."""

    code = "dsure.issuer_unauthorized"

    def __init__(self, reason: str) -> None:
        super().__init__(f"保証会社の署名付きトークンを確認できません: {reason}")


def issuer_token(private_key, kid: str, issuer_code: str) -> str:
    """What an issuer sends as ``Authorization: Issuer <token>``: a short-lived JWS by its key."""
    return jws.sign(private_key, kid, {"iss": issuer_code, "aud": "dsure", "iat": int(clock.now().timestamp())})


async def authenticate_issuer(authorization: str | None) -> str:
    """The issuer code of a valid ``Issuer <token>`` header, or IssuerUnauthorized."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Issuer" or not token:
        raise IssuerUnauthorized("Authorization: Issuer <token> がありません。")
    try:
        row, key = await issuer_key(jws.header_of(token)["kid"])
        if row is None or not _valid_at(row, clock.now()):
            raise jws.InvalidJws("key")
        claims = json.loads(jws.verify(token, key))
    except (jws.InvalidJws, ValueError):
        raise IssuerUnauthorized("署名を検証できません。") from None
    age = clock.now().timestamp() - claims.get("iat", 0)
    if claims.get("aud") != "dsure" or claims.get("iss") != row["issuer_code"] or not -60 <= age <= ISSUER_TOKEN_TTL_SECONDS:
        raise IssuerUnauthorized("期限切れ、または別の保証会社のトークンです。")
    return row["issuer_code"]
