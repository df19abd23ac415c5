"""Offline check of a saved D-Sure answer (``hosho verify-certificate FILE``).

The file is the JSON body of ``POST /api/dsure/verify``. Three things are checked, each
with the key its ``kid`` / ``key_id`` names:

1. ``certificate`` + ``digest`` + ``signature``: SHA-256 of the canonical JSON and the
   issuer's Ed25519 signature over it;
2. ``certificate_jws``: compact JWS (EdDSA) by the issuer, payload = RFC 8785 bytes of
   ``certificate``;
3. ``status_statement``: compact JWS by D-Sure's own key over the number, issuer, version,
   status, cancelled_on, checked_at and the certificate's digest: the status *as of*
   ``checked_at`` (a saved answer of a guarantee cancelled later still says "valid then",
   and an edited ``status`` is caught).

Keys: PEM files, or the JSON of ``GET /api/dsure/issuers`` (the issuers' keys) and of
``GET /api/dsure/public-key`` (D-Sure's), in any number; by default the data dir's own
(issuer and embedded D-Sure). An answer without the JWS fields (before D-Sure signed
status) is checked for 1 only, and says so. Pure: no database, no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend.domain import jws
from backend.domain.canonical import canonical_json
from backend.domain.certificate import STATUS_LABELS
from backend.domain.signing import key_id as key_id_of
from backend.lib.clock import JST


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A PEM public key, or a PEM private key (the data dir's signing key) whose public half is used."""
    if b"PRIVATE KEY" in pem:
        key = serialization.load_pem_private_key(pem, password=None).public_key()
    else:
        key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("Ed25519 の鍵ではありません。")
    return key


def load_keys(data: bytes) -> dict[str, Ed25519PublicKey]:
    """key_id → key from a PEM file or the JSON of /api/dsure/issuers or /api/dsure/public-key."""
    text = data.lstrip()
    if text.startswith((b"{", b"[")):
        document = json.loads(data)
        entries = [key for issuer in document for key in issuer.get("keys", [])] if isinstance(document, list) else [document]
        keys = {}
        for entry in entries:
            key = load_public_key(entry["pem"].encode())
            keys[key_id_of(key)] = key
        if not keys:
            raise ValueError("公開鍵が含まれていません。")
        return keys
    key = load_public_key(data)
    return {key_id_of(key): key}


def _check_signature(document: dict, keys: dict[str, Ed25519PublicKey]) -> CheckResult | None:
    content, digest, signature = document["certificate"], document["digest"], document["signature"]
    claimed = document.get("key_id")
    key = keys.get(claimed) if claimed else (next(iter(keys.values())) if len(keys) == 1 else None)
    if key is None:
        known = "、".join(keys) or "なし"
        return CheckResult(
            False,
            f"署名鍵IDが一致しません（ファイル: {claimed}、公開鍵: {known}）。別の鍵で署名されたか、改ざんされています。",
        )
    data = canonical_json(content)
    if hashlib.sha256(data).hexdigest() != digest.lower():
        return CheckResult(False, "電子証書の内容が改ざんされています（SHA-256 要約値が一致しません）。署名は無効です。")
    try:
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return CheckResult(False, "電子署名が一致しません（改ざん、または別の鍵による署名です）。署名は無効です。")
    return None


def _jws_payload(token: object, keys: dict[str, Ed25519PublicKey], what: str) -> tuple[bytes | None, str | None]:
    try:
        kid = jws.header_of(token)["kid"]
    except jws.InvalidJws:
        return None, f"{what}の形式が正しくありません（compact JWS ではありません）。"
    if kid not in keys:
        return None, f"{what}の署名鍵（kid {kid}）の公開鍵がありません。--public-key で指定してください。"
    try:
        return jws.verify(token, keys[kid]), None
    except jws.InvalidJws:
        return None, f"{what}の署名が一致しません（改ざん、または別の鍵による署名です）。"


def _as_of(checked_at: str) -> str:
    try:
        return datetime.fromisoformat(checked_at.replace("Z", "+00:00")).astimezone(JST).strftime("%Y年%m月%d日 %H時%M分%S秒")
    except ValueError:
        return checked_at


def check_document(document: object, keys: dict[str, Ed25519PublicKey] | Ed25519PublicKey) -> CheckResult:
    if isinstance(keys, Ed25519PublicKey):
        keys = {key_id_of(keys): keys}
    if not isinstance(document, dict):
        return CheckResult(False, "JSONの形式が正しくありません（オブジェクトではありません）。")
    content, digest, signature = document.get("certificate"), document.get("digest"), document.get("signature")
    if not isinstance(content, dict) or not isinstance(digest, str) or not isinstance(signature, str):
        return CheckResult(False, "certificate・digest・signature の項目がありません。D-Sure の確認結果（JSON）を指定してください。")
    problem = _check_signature(document, keys)
    if problem is not None:
        return problem
    number = content.get("contract_number", "?")
    version = content.get("version", "?")
    lines = [f"署名は有効です（保証契約番号 {number}・第{version}版・署名鍵ID {document.get('key_id') or next(iter(keys))}）。"]
    if "certificate_jws" not in document and "status_statement" not in document:
        lines.append("（このファイルには certificate_jws・status_statement がありません。状態は署名されていません。）")
        return CheckResult(True, "\n".join(lines))
    payload, error = _jws_payload(document.get("certificate_jws"), keys, "certificate_jws ")
    if error:
        return CheckResult(False, error)
    if payload != jws.jcs(content):
        return CheckResult(False, "certificate_jws の内容が certificate と一致しません（RFC 8785 の正規化JSON）。改ざんされています。")
    lines.append("certificate_jws（保証会社の署名、RFC 8785）は有効です。")
    payload, error = _jws_payload(document.get("status_statement"), keys, "status_statement（D-Sure の署名）")
    if error:
        return CheckResult(False, error)
    statement = json.loads(payload)
    if statement.get("contract_number") != number or statement.get("certificate_digest") != digest.lower():
        return CheckResult(False, "status_statement が別の電子証書のものです（番号または要約値が一致しません）。")
    if "status" in document and document["status"] != statement.get("status"):
        return CheckResult(
            False, f"ファイルの status（{document['status']}）が D-Sure の署名した状態（{statement.get('status')}）と一致しません。改ざんされています。"
        )
    issuer = statement.get("issuer") or {}
    status = statement.get("status", "?")
    label = STATUS_LABELS.get(status, status)
    cancelled = f"・解約日 {statement['cancelled_on']}" if statement.get("cancelled_on") else ""
    lines.append(
        f"{_as_of(statement.get('checked_at', '?'))}（日本時間）時点の状態: {label}（{status}{cancelled}）"
        f"・第{statement.get('version')}版・保証会社 {issuer.get('code', '?')} {issuer.get('name', '')}"
        "（D-Sure の署名を確認しました）。"
    )
    return CheckResult(True, "\n".join(lines))


def check_file(path: Path, keys: dict[str, Ed25519PublicKey] | Ed25519PublicKey) -> CheckResult:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return CheckResult(False, f"ファイルを読み込めません: {path}（{exc.strerror or exc}）")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return CheckResult(False, f"JSONとして読み取れません（破損または改ざん）: {path}")
    return check_document(document, keys)
