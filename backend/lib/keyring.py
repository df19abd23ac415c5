"""The server's keys, kept in the data dir (0600), generated on first use.

- ``signing-key.pem``: the surety's Ed25519 key for certificate signatures
  (``HOSHO_SIGNING_KEY_FILE`` may point elsewhere, e.g. a mounted secret).
- ``auth-key-mac.secret``: the HMAC secret for 認証キー verification.
- ``auth-key-aes.secret``: the AES-256-GCM key that lets a contractor see the key again.

D-Sure's own keys (``backend.dsure.keys``) are other files; neither side reads the other's.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from backend.settings import get_settings


def _signing_key_path() -> Path:
    configured = os.environ.get("HOSHO_SIGNING_KEY_FILE")
    return Path(configured) if configured else get_settings().data_dir / "signing-key.pem"


def private_key_file(path: Path, generate):
    """The private key in a PEM file, created (0600) with ``generate()`` on first use."""
    if not path.exists():
        pem = generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        except FileExistsError:
            pass  # another process created it first: use theirs
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    """The issuer's key: it signs certificate versions and publications to D-Sure."""
    path = _signing_key_path()
    key = private_key_file(path, Ed25519PrivateKey.generate)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


@lru_cache(maxsize=1)
def auth_key_mac_secret() -> bytes:
    return get_settings().secret_file("auth-key-mac.secret")


@lru_cache(maxsize=1)
def auth_key_aes_key() -> bytes:
    return get_settings().secret_file("auth-key-aes.secret")
