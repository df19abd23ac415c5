"""D-Sure's own keys, in its data dir (0600), generated on first use; none of them is e-Net's.

- ``dsure-signing-key.pem`` (Ed25519): signs status statements and receipts (閲覧証明);
  published at ``GET /api/dsure/public-key``.
- ``dsure-sealing-key.pem`` (X25519): issuers seal key verifiers to it (backend.domain.sealing).
- ``dsure-verifier.secret``: the HMAC secret D-Sure re-keys verifiers with. Without it a
  copy of D-Sure's database cannot test a single key.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from backend.domain import sealing, signing
from backend.lib.keyring import private_key_file
from backend.settings import get_settings


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    key = private_key_file(get_settings().data_dir / "dsure-signing-key.pem", Ed25519PrivateKey.generate)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


@lru_cache(maxsize=1)
def key_id() -> str:
    return signing.key_id(public_key())


@lru_cache(maxsize=1)
def sealing_key() -> X25519PrivateKey:
    key = private_key_file(get_settings().data_dir / "dsure-sealing-key.pem", X25519PrivateKey.generate)
    assert isinstance(key, X25519PrivateKey)
    return key


def sealing_public_key_text() -> str:
    return sealing.public_key_text(sealing_key().public_key())


@lru_cache(maxsize=1)
def verifier_secret() -> bytes:
    return get_settings().secret_file("dsure-verifier.secret")
