"""認証キー: 10 Crockford Base32 characters = 50 bits (pure).

Stored as HMAC-SHA256 (for lookup/verification) plus AES-GCM ciphertext (so the
contractor can display it again); never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
KEY_LENGTH = 10
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—−ー_]")


def generate_key() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(KEY_LENGTH))


def normalize_key(text: str) -> str | None:
    """Forgiving input: spaces, hyphens, lower case, full width, Crockford look-alikes (O→0, I/L→1)."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    cleaned = _SEPARATORS.sub("", folded).translate(_LOOKALIKES)
    if len(cleaned) != KEY_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def display_key(key: str) -> str:
    """ABCDE-FGHJK: easier to read aloud and to type."""
    return f"{key[:5]}-{key[5:]}"


def key_mac(secret: bytes, contract_number: str, key: str) -> str:
    """Bound to the number, so equal keys on two certificates have different MACs."""
    return hmac.new(secret, f"{contract_number}:{key}".encode(), hashlib.sha256).hexdigest()


def encrypt_key(aes_key: bytes, contract_number: str, key: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(aes_key).encrypt(nonce, key.encode(), contract_number.encode())
    return base64.b64encode(nonce + sealed).decode()


def decrypt_key(aes_key: bytes, contract_number: str, ciphertext: str) -> str:
    raw = base64.b64decode(ciphertext)
    return AESGCM(aes_key).decrypt(raw[:12], raw[12:], contract_number.encode()).decode()


def key_verifier(contract_number: str, key: str) -> str:
    """What the issuer publishes for a key (sealed to D-Sure, never in clear): SHA-256, bound to the number."""
    return hashlib.sha256(f"hosho-dsure-verifier:v1:{contract_number}:{key}".encode()).hexdigest()


def rekeyed_verifier(secret: bytes, issuer_code: str, contract_number: str, verifier: str) -> str:
    """What D-Sure stores: the verifier under D-Sure's own HMAC secret, bound to issuer and number."""
    return hmac.new(secret, f"{issuer_code}:{contract_number}:{verifier}".encode(), hashlib.sha256).hexdigest()
