"""Compact JWS with EdDSA (RFC 7515 / RFC 8037) over RFC 8785 (JCS) bytes (pure: keys are passed in).

The payload is the JCS canonical form of a JSON value (``jcs``: the ``rfc8785`` package, or
the same bytes from msgspec for plain values), so anyone can rebuild the signed bytes from
the JSON with a standard JCS library and check the JWS with a standard JOSE library (the
tests use ``joserfc``).
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

import msgspec
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class InvalidJws(ValueError):
    """Not a compact JWS we accept, or its signature does not verify."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidJws("not base64url") from exc


# JSON's safe integer range: JCS writes numbers as ECMAScript does, which is exact only within it.
_SAFE_INTEGER = 2**53 - 1
_sorted_json = msgspec.json.Encoder(order="sorted")


def _plain(value: Any) -> bool:
    """Whether msgspec's sorted encoding of ``value`` is already its JCS form.

    True for objects with ASCII keys (sorted by code point = by UTF-16 unit), strings,
    safe integers, booleans, null and arrays of these: msgspec escapes strings exactly as
    JCS does (checked over every BMP character and sampled astral ones in
    tests/domain/test_jws.py). Floats, large integers and non-ASCII keys take rfc8785.
    """
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, dict):
        return all(isinstance(key, str) and key.isascii() and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return False


def jcs(value: Any) -> bytes:
    """The RFC 8785 canonical bytes of a JSON value.

    The plain values D-Sure signs on every verification take msgspec's sorted encoder
    (~1 µs instead of rfc8785's ~16 µs); anything else, rfc8785 itself.
    """
    if _plain(value):
        try:
            return _sorted_json.encode(value)
        except (msgspec.EncodeError, UnicodeEncodeError):  # a lone surrogate: rfc8785 says why
            pass
    return rfc8785.dumps(value)


@lru_cache(maxsize=64)
def _protected_header(kid: str, typ: str | None) -> str:
    return b64url(jcs({"alg": "EdDSA", "kid": kid, **({"typ": typ} if typ else {})}))


def sign(private_key: Ed25519PrivateKey, kid: str, value: Any, typ: str | None = None) -> str:
    """``header.payload.signature`` with ``{"alg": "EdDSA", "kid": kid}``, payload = JCS(value)."""
    signing_input = f"{_protected_header(kid, typ)}.{b64url(jcs(value))}"
    return f"{signing_input}.{b64url(private_key.sign(signing_input.encode('ascii')))}"


def header_of(token: str) -> dict:
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise InvalidJws("a compact JWS has three parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJws("the header is not JSON") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA" or not isinstance(header.get("kid"), str):
        raise InvalidJws("alg EdDSA and a kid are required")
    return header


def verify(token: str, public_key: Ed25519PublicKey) -> bytes:
    """The payload bytes of a valid token, or InvalidJws."""
    header_of(token)
    head, payload, signature = token.split(".")
    try:
        public_key.verify(b64url_decode(signature), f"{head}.{payload}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise InvalidJws("the signature does not verify") from exc
    return b64url_decode(payload)
