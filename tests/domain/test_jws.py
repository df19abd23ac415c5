"""JCS (RFC 8785): the fast path for plain values gives rfc8785's bytes exactly."""

from __future__ import annotations

import pytest
import rfc8785

from backend.domain import jws

STATUS_STATEMENT = {
    "type": "dsure-status",
    "contract_number": "2070000123",
    "issuer": {"code": "001", "name": "西日本建設業保証株式会社"},
    "version": 2,
    "status": "valid",
    "cancelled_on": None,
    "checked_at": "2026-12-04T18:00:00.123456Z",
    "certificate_digest": "ab" * 32,
}


def test_a_status_statement_is_encoded_as_rfc8785_encodes_it():
    assert jws._plain(STATUS_STATEMENT)
    assert jws.jcs(STATUS_STATEMENT) == rfc8785.dumps(STATUS_STATEMENT)


def test_every_character_in_a_string_is_escaped_as_rfc8785_escapes_it():
    # Every BMP character outside the surrogates, and every 97th astral one.
    characters = [chr(cp) for cp in range(0xD800)] + [chr(cp) for cp in range(0xE000, 0x110000, 97)]
    for start in range(0, len(characters), 512):
        value = {"s": "".join(characters[start:start + 512]), "t": ["x" + ch for ch in characters[start:start + 8]]}
        assert jws.jcs(value) == rfc8785.dumps(value), start


@pytest.mark.parametrize("value", [
    {"b": 1, "a": {"z": None, "y": [True, False, 0, -(2**53 - 1), 2**53 - 1]}, "": "empty key"},
    {"b": [], "a": {}, "c": [{"y": 1, "x": 2}]},
    [1, "two", None],
    "just a string",
])
def test_plain_values_match_rfc8785(value):
    assert jws._plain(value)
    assert jws.jcs(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [
    {"amount": 1.5},  # numbers with a fraction: ECMAScript's shortest form, rfc8785's job
    {"big": 2**53},  # outside the safe range: rfc8785 refuses it
    {"é": 1, "z": 2},  # non-ASCII keys sort by UTF-16 units in JCS
    {"\U0001F600": 1, "\uFF61": 2},  # where code points and UTF-16 units disagree
])
def test_other_values_take_rfc8785(value):
    assert not jws._plain(value)
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            jws.jcs(value)
        return
    assert jws.jcs(value) == expected


def test_a_lone_surrogate_is_refused_as_rfc8785_refuses_it():
    with pytest.raises(rfc8785.CanonicalizationError):
        jws.jcs({"s": "\ud800"})
