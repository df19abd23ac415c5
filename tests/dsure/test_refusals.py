"""Refusals leak nothing: unknown number, wrong key and malformed input look the same."""

from __future__ import annotations

import json
import statistics
import time

from backend.audit import service as audit
from backend.dsure import service
from tests.dsure.conftest import audit_rows, call, verify, wrong_key

IGNORED_HEADERS = {"date"}


def _shape(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() not in IGNORED_HEADERS)
    return response.status_code, headers, response.content


async def test_unknown_wrong_and_malformed_are_byte_for_byte_the_same(client, issued, monkeypatch):
    monkeypatch.setattr(service, "FAILURES_BEFORE_LOCK", 100)  # many refusals of one number here
    unknown_number = "2079999999" if issued.number != "2079999999" else "2079999998"
    cases = {
        "unknown number": (unknown_number, issued.key),
        "wrong key": (issued.number, wrong_key(issued.key)),
        "malformed number": ("12345", issued.key),
        "malformed number (letters)": ("207ABCDEFG", issued.key),
        "malformed key (short)": (issued.number, issued.key[:9]),
        "malformed key (U is not Crockford)": (issued.number, "U" + issued.key[1:]),
        "both malformed": ("x", "y"),
    }
    shapes = {}
    for name, (number, key) in cases.items():
        response = await verify(client, number, key, address=f"198.51.100.{len(shapes) + 1}")
        shapes[name] = _shape(response)
    reference = shapes["wrong key"]
    assert reference[0] == 404
    assert json.loads(reference[2]) == {"status_code": 404, "detail": service.REFUSAL_DETAIL}
    for name, shape in shapes.items():
        assert shape == reference, name

    # The other endpoints that take a pair refuse the same way.
    for path, extra in (("receipt", {}), ("acknowledge", {}), ("subscribe", {"email": "a@example.jp"})):
        for number, key in ((unknown_number, issued.key), (issued.number, wrong_key(issued.key))):
            response = await call(client, path, number, key, address="192.0.2.9", **extra)
            assert (response.status_code, response.content) == (reference[0], reference[2]), path


async def test_overlong_input_is_a_plain_validation_error(client, issued):
    response = await verify(client, "2" * 41, issued.key)
    assert response.status_code == 400
    assert "保証契約番号" in response.json()["detail"] or "文字以内" in response.json()["detail"]


async def test_failures_are_audited_without_the_key(client, issued):
    typed = wrong_key(issued.key)
    await verify(client, issued.number, typed, address="198.51.100.20")
    await verify(client, "2079999999", issued.key, address="198.51.100.20")
    await verify(client, issued.key, issued.number, address="198.51.100.20")  # swapped boxes: malformed
    failed = await audit_rows("dsure.failed")
    assert [(e["target"], e["details"]["reason"]) for e in failed] == [
        (issued.number, "wrong_key"),
        ("2079999999", "unknown_number"),
        ("", "malformed"),
    ]
    everything = json.dumps(await audit.recent(limit=1000), default=str, ensure_ascii=False)
    assert issued.key not in everything and typed not in everything
    assert (await audit.verify_chain()).ok


async def test_refusal_timing_is_roughly_equal(client, issued, monkeypatch):
    """Median of 20 attempts each (interleaved) within a generous factor: the same work in every path."""
    monkeypatch.setattr(service, "FAILURES_BEFORE_LOCK", 10**6)  # no lock in the middle of the sample
    cases = {
        "unknown": ("2079999999", issued.key),
        "wrong": (issued.number, wrong_key(issued.key)),
        "malformed": ("20700000", issued.key),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(22):
        for name, (number, key) in cases.items():
            started = time.perf_counter()
            response = await verify(client, number, key, address=f"198.51.{round_}.{len(timings[name])}")
            elapsed = time.perf_counter() - started
            assert response.status_code == 404
            if round_ >= 2:  # warm-up
                timings[name].append(elapsed)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    fastest, slowest = min(medians.values()), max(medians.values())
    print("refusal medians (ms):", {k: round(v * 1000, 2) for k, v in medians.items()})
    assert slowest <= fastest * 3, medians
