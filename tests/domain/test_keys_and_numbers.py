import re
import secrets

import pytest

from backend.domain import keys, numbering, signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def test_generated_keys_are_ten_crockford_characters():
    generated = {keys.generate_key() for _ in range(500)}
    assert len(generated) == 500
    for key in generated:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", key)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCDE-FGHJK", "ABCDEFGHJK"),
        ("abcde fghjk", "ABCDEFGHJK"),
        ("ＡＢＣＤＥ－ＦＧＨＪＫ", "ABCDEFGHJK"),
        ("0O1IL-23456", "0011123456"),  # O→0, I/L→1
        ("ABCDEFGHJ", None),
        ("ABCDEFGHJKU", None),
        ("ABCDEFGHJU", None),  # U is not in the alphabet
    ],
)
def test_key_input_is_forgiving(typed, expected):
    assert keys.normalize_key(typed) == expected


def test_key_mac_and_encryption_round_trip():
    secret, aes = secrets.token_bytes(32), secrets.token_bytes(32)
    key = keys.generate_key()
    assert keys.key_mac(secret, "2070000001", key) != keys.key_mac(secret, "2070000002", key)
    sealed = keys.encrypt_key(aes, "2070000001", key)
    assert key not in sealed
    assert keys.decrypt_key(aes, "2070000001", sealed) == key
    with pytest.raises(Exception):
        keys.decrypt_key(aes, "2070000002", sealed)  # bound to its number
    assert keys.display_key("ABCDEFGHJK") == "ABCDE-FGHJK"


def test_contract_numbers():
    assert numbering.contract_number("207", 4426) == "2070004426"
    with pytest.raises(ValueError):
        numbering.contract_number("207", 10_000_000)
    assert numbering.normalize_contract_number("２０７-０００４４２６") == "2070004426"
    assert numbering.normalize_contract_number(" 207 0004426 ") == "2070004426"
    assert numbering.normalize_contract_number("207000442") is None


def test_signature_detects_any_change():
    private = Ed25519PrivateKey.generate()
    content = {"contract_number": "2070000001", "guarantee": {"amount": 1000}}
    digest, signature = signing.sign(private, content)
    assert signing.verify(private.public_key(), content, digest, signature)
    tampered = {"contract_number": "2070000001", "guarantee": {"amount": 1001}}
    assert not signing.verify(private.public_key(), tampered, digest, signature)
    other = Ed25519PrivateKey.generate().public_key()
    assert not signing.verify(other, content, digest, signature)
    assert not signing.verify(private.public_key(), content, digest, "not base64!")
    assert signing.public_key_jwk(private.public_key())["crv"] == "Ed25519"
