"""The D-Sure form's checks before anything is sent: a 保証契約番号 of 10 digits, a 認証キー of
10 Crockford characters, folded as the API folds them (full width, spaces, hyphens, lower
case, O → 0, I / L → 1).

A typo is caught here, next to the field, without a round trip; the API checks the same
rules again (a malformed pair is a 400 there and never counts as an attempt). The UI holds
no business rule beyond this public format, so it mirrors it rather than importing the backend.
"""

from __future__ import annotations

import re
import unicodedata

NUMBER_LENGTH = 10
KEY_LENGTH = 10
KEY_ALPHABET = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")  # Crockford: no I, L, O, U
# Generous bounds for the input boxes (room for hyphens and spaces), not the rule itself.
MAX_TYPED = 24

_SEPARATORS = re.compile(r"[\s\-‐‑–—−ー_]")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _folded(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def number_problem(typed: str) -> str | None:
    number = _folded(typed)
    if not number:
        return "保証契約番号を入力してください。"
    if not number.isdigit():
        return "保証契約番号は数字10桁で入力してください（数字以外の文字が含まれています）。"
    if len(number) != NUMBER_LENGTH:
        return f"保証契約番号は10桁の数字です（入力されたのは{len(number)}桁です）。"
    return None


def key_problem(typed: str) -> str | None:
    # Never repeat any part of the key in a message: a near miss is almost the key.
    key = _folded(typed).translate(_LOOKALIKES)
    if not key:
        return "認証キーを入力してください。"
    if len(key) != KEY_LENGTH:
        return f"認証キーは英数字10文字です（入力されたのは{len(key)}文字です）。"
    if any(ch not in KEY_ALPHABET for ch in key):
        return "認証キーに使われない文字が含まれています（認証キーは数字と英字の10文字で、記号や「U」は含まれません）。"
    return None


def pair_problems(number: str, key: str) -> dict[str, str]:
    """{field: message} for each box that cannot hold a valid value; empty when both may."""
    problems = {"contract_number": number_problem(number), "auth_key": key_problem(key)}
    return {field: message for field, message in problems.items() if message}
