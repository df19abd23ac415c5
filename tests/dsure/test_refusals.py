"""Refusals leak nothing (unknown number and wrong key look the same); malformed input is a
400 naming the field and is no attempt."""

from __future__ import annotations

import json
import statistics
import time

from backend.audit import service as audit
from backend.dsure import service
from backend.dsure_store.tables import DsThrottleEvent
from tests.dsure.conftest import audit_rows, call, redis_keys, verify, wrong_key

IGNORED_HEADERS = {"date"}


def _shape(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() not in IGNORED_HEADERS)
    return response.status_code, headers, response.content


async def test_unknown_number_and_wrong_key_are_byte_for_byte_the_same(client, issued):
    unknown_number = "2079999999" if issued.number != "2079999999" else "2079999998"
    cases = {
        "unknown number": (unknown_number, issued.key),
        "wrong key": (issued.number, wrong_key(issued.key)),
        "wrong key, typed loosely": (f" {issued.number[:3]}-{issued.number[3:]} ", wrong_key(issued.key).lower()),
    }
    shapes = {name: _shape(await verify(client, number, key, address=f"198.51.100.{n}"))
              for n, (name, (number, key)) in enumerate(cases.items(), start=1)}
    reference = shapes["wrong key"]
    assert reference[0] == 404
    body = json.loads(reference[2])
    assert body["detail"] == service.REFUSAL_DETAIL and body.get("code", "dsure.refused") == "dsure.refused"
    for name, shape in shapes.items():
        assert shape == reference, name

    # The other endpoints that take a pair refuse the same way.
    for path, extra in (("receipt", {}), ("acknowledge", {}), ("subscribe", {"email": "a@example.jp"})):
        for number, key in ((unknown_number, issued.key), (issued.number, wrong_key(issued.key))):
            response = await call(client, path, number, key, address="192.0.2.9", **extra)
            assert (response.status_code, response.content) == (reference[0], reference[2]), path


async def test_malformed_input_is_a_400_naming_each_field_and_no_attempt(client, issued, backend):
    cases = [
        (("12345", issued.key), {"contract_number": "10桁"}),
        (("207ABCDEFG", issued.key), {"contract_number": "数字以外"}),
        ((issued.number, issued.key[:9]), {"auth_key": "9文字"}),
        ((issued.number, "U" + issued.key[1:]), {"auth_key": "使われない文字"}),
        (("", ""), {"contract_number": "入力してください", "auth_key": "入力してください"}),
        (("x", issued.key + "Z"), {"contract_number": "数字以外", "auth_key": "11文字"}),
        ((issued.key, issued.number + "9"), {"contract_number": "数字以外", "auth_key": "11文字"}),  # swapped boxes
    ]
    for (number, key), expected in cases:
        response = await verify(client, number, key, address="198.51.100.30")
        assert response.status_code == 400, (number, response.text)
        body = response.json()
        assert body.get("code", "validation") == "validation"
        messages = {error["field"]: error["message"] for error in body["errors"]}
        assert set(messages) == set(expected), (number, messages)
        for field, fragment in expected.items():
            assert fragment in messages[field], (field, messages[field])
        assert issued.key[:9] not in response.text  # never echoes the key

    # None of it counted: no failure, no lock, no throttle row, not even against the address.
    assert await audit_rows("dsure.failed") == []
    assert await DsThrottleEvent.count() == 0
    if backend is not None:
        assert await redis_keys(backend) == []
    for _ in range(5):  # the pair is far from locked, the address far from its limit
        assert (await verify(client, issued.number, wrong_key(issued.key), address="198.51.100.30")).status_code == 404
    assert (await verify(client, issued.number, issued.key, address="198.51.100.31")).status_code == 200


async def test_malformed_input_is_refused_on_every_endpoint_that_takes_a_pair(client, issued):
    for path, extra in (("verify", {}), ("receipt", {}), ("acknowledge", {}), ("subscribe", {"email": "a@example.jp"})):
        response = await call(client, path, issued.number[:-1], issued.key, address="192.0.2.10", **extra)
        assert response.status_code == 400, path
        assert [error["field"] for error in response.json()["errors"]] == ["contract_number"], path


async def test_overlong_input_is_a_plain_validation_error(client, issued):
    response = await verify(client, "2" * 41, issued.key)
    assert response.status_code == 400
    assert "保証契約番号" in response.json()["detail"] or "文字以内" in response.json()["detail"]


async def test_failures_are_audited_without_the_key(client, issued):
    typed = wrong_key(issued.key)
    await verify(client, issued.number, typed, address="198.51.100.20")
    await verify(client, "2079999999", issued.key, address="198.51.100.20")
    failed = await audit_rows("dsure.failed")
    assert [(e["target"], e["address"], e["details"]["reason"], e["details"]["failures"]) for e in failed] == [
        (issued.number, "198.51.100.20", "wrong_key", 1),
        ("2079999999", "198.51.100.20", "unknown_number", 1),
    ]
    everything = json.dumps(await audit.recent(limit=1000), default=str, ensure_ascii=False)
    assert issued.key not in everything and typed not in everything
    assert (await audit.verify_chain()).ok


async def test_refusal_timing_is_roughly_equal(client, issued):
    """Median of 20 attempts each (interleaved, each from its own address: nothing locks) within a
    generous factor: the same work in both paths."""
    cases = {
        "unknown": ("2079999999", issued.key),
        "wrong": (issued.number, wrong_key(issued.key)),
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
