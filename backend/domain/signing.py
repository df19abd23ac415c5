"""Ed25519 signatures over canonical JSON (pure: keys are passed in)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from backend.domain.canonical import canonical_json


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(private_key: Ed25519PrivateKey, content: dict) -> tuple[str, str]:
    """(SHA-256 hex digest, base64 signature) of the canonical JSON of ``content``."""
    data = canonical_json(content)
    return hashlib.sha256(data).hexdigest(), base64.b64encode(private_key.sign(data)).decode()


def verify(public_key: Ed25519PublicKey, content: dict, digest: str, signature: str) -> bool:
    data = canonical_json(content)
    if hashlib.sha256(data).hexdigest() != digest:
        return False
    try:
        public_key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_key_jwk(public_key: Ed25519PublicKey) -> dict:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
        "kid": key_id(public_key),
        "use": "sig",
        "alg": "EdDSA",
    }


def verify_bytes(public_key: Ed25519PublicKey, data: bytes, signature: str) -> bool:
    """The Ed25519 signature (base64) over exactly these bytes."""
    try:
        public_key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
