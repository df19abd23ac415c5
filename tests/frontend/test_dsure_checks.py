"""The D-Sure form's own checks: the public format of a number and a key, folded as the API folds them."""

from __future__ import annotations

import pytest

from frontend.dsure.checks import pair_problems


@pytest.mark.parametrize(("number", "key"), [
    ("2070004426", "ABCDE-FGHJK"),
    ("２０７-０００４４２６", "abcde fghjk"),  # full width, hyphen, lower case
    (" 207 000 4426 ", "ＡＢＣＤＥＦＧＨＪＫ"),
    ("2070004426", "0OIL1-23456"),  # look-alikes fold: O → 0, I / L → 1
])
def test_what_the_api_would_accept_passes(number, key):
    assert pair_problems(number, key) == {}


@pytest.mark.parametrize(("number", "key", "expected"), [
    ("", "", {"contract_number": "入力してください", "auth_key": "入力してください"}),
    ("207000442", "ABCDE-FGHJK", {"contract_number": "9桁"}),
    ("207000442A", "ABCDE-FGHJK", {"contract_number": "数字以外"}),
    ("2070004426", "ABCDE-FGHJ", {"auth_key": "9文字"}),
    ("2070004426", "ABCDE-FGHJKM", {"auth_key": "11文字"}),
    ("2070004426", "ABCDE-FGHJU", {"auth_key": "使われない文字"}),
    ("2070004426", "ABCDE+FGHJ", {"auth_key": "使われない文字"}),
    ("ABCDE-FGHJK", "2070004426", {"contract_number": "数字以外"}),  # swapped boxes: the number box says so
])
def test_each_failing_box_is_named(number, key, expected):
    problems = pair_problems(number, key)
    assert set(problems) == set(expected)
    for field, fragment in expected.items():
        assert fragment in problems[field]
    assert "FGHJ" not in "".join(problems.values())  # never repeats the key
