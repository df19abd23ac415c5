"""Offline check of a downloaded certificate (``hosho verify-certificate FILE``).

The file is the JSON body of ``POST /api/dsure/verify`` (or of the contractor's
certificate detail): ``certificate`` (the signed content), ``digest`` (SHA-256 hex of its
canonical JSON), ``signature`` (Ed25519, base64) and optionally ``key_id``. The public
key is the data dir's (the surety's own key) or a PEM file, e.g. the ``pem`` of
``GET /api/dsure/public-key``. Pure: no database, no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend.domain.canonical import canonical_json
from backend.domain.signing import key_id as key_id_of


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


def check_document(document: object, public_key: Ed25519PublicKey) -> CheckResult:
    if not isinstance(document, dict):
        return CheckResult(False, "JSONの形式が正しくありません（オブジェクトではありません）。")
    content, digest, signature = document.get("certificate"), document.get("digest"), document.get("signature")
    if not isinstance(content, dict) or not isinstance(digest, str) or not isinstance(signature, str):
        return CheckResult(False, "certificate・digest・signature の項目がありません。D-Sure の確認結果（JSON）を指定してください。")
    expected_key_id = key_id_of(public_key)
    claimed_key_id = document.get("key_id")
    if claimed_key_id is not None and claimed_key_id != expected_key_id:
        return CheckResult(
            False,
            f"署名鍵IDが一致しません（ファイル: {claimed_key_id}、公開鍵: {expected_key_id}）。別の鍵で署名されたか、改ざんされています。",
        )
    data = canonical_json(content)
    if hashlib.sha256(data).hexdigest() != digest.lower():
        return CheckResult(False, "電子証書の内容が改ざんされています（SHA-256 要約値が一致しません）。署名は無効です。")
    try:
        public_key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return CheckResult(False, "電子署名が一致しません（改ざん、または別の鍵による署名です）。署名は無効です。")
    number = content.get("contract_number", "?")
    version = content.get("version", "?")
    return CheckResult(True, f"署名は有効です（保証契約番号 {number}・第{version}版・署名鍵ID {expected_key_id}）。")


def check_file(path: Path, public_key: Ed25519PublicKey) -> CheckResult:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return CheckResult(False, f"ファイルを読み込めません: {path}（{exc.strerror or exc}）")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return CheckResult(False, f"JSONとして読み取れません（破損または改ざん）: {path}")
    return check_document(document, public_key)
