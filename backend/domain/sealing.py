"""Sealing a short secret to a recipient's X25519 key (pure: keys are passed in).

An ephemeral X25519 key agreement, HKDF-SHA256 and AES-256-GCM (the construction of HPKE's
base mode, written out with ``cryptography``): only the holder of the private key opens
it, and the bound context (``aad``, e.g. issuer and number) must match. e-Net seals the
key verifier of a 認証キー to D-Sure's key, so a copy of the outbox, a captured
publication or a log line cannot be used to test keys.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.domain.jws import b64url, b64url_decode

_INFO = b"hosho dsure sealed verifier v1"


class SealError(ValueError):
    pass


def _raw(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO).derive(shared)


def public_key_text(public_key: X25519PublicKey) -> str:
    return b64url(_raw(public_key))


def public_key_from_text(text: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(b64url_decode(text))


def seal(recipient: X25519PublicKey, plaintext: bytes, aad: bytes) -> str:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw(ephemeral.public_key())
    key = _key(ephemeral.exchange(recipient), ephemeral_raw, _raw(recipient))
    nonce = os.urandom(12)
    return ".".join(b64url(part) for part in (ephemeral_raw, nonce, AESGCM(key).encrypt(nonce, plaintext, aad)))


def open_sealed(private_key: X25519PrivateKey, sealed: str, aad: bytes) -> bytes:
    try:
        ephemeral_raw, nonce, ciphertext = (b64url_decode(part) for part in sealed.split("."))
        ephemeral = X25519PublicKey.from_public_bytes(ephemeral_raw)
        key = _key(private_key.exchange(ephemeral), ephemeral_raw, _raw(private_key.public_key()))
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError, AttributeError) as exc:
        raise SealError("the sealed value cannot be opened with this key") from exc
