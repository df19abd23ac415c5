"""Password rules (pure): clear Japanese messages, checked before hashing."""

from __future__ import annotations

import re

from backend.domain.common_passwords import COMMON_PASSWORDS

MIN_LENGTH = 10
MAX_LENGTH = 128

# Shown on every form that sets a password, before anything is typed.
RULE = (
    f"{MIN_LENGTH}文字以上で、英字と数字をそれぞれ1文字以上含めてください。"
    "お客様ID・メールアドレスを含むものや、よく使われるパスワード（password1234 など）は使えません。"
)

_LOOK_ALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def is_common(password: str) -> bool:
    """True when the password is, or merely pads or disguises, one of the most common passwords."""
    lowered = password.lower()
    unpadded = _PADDING.sub("", lowered)  # Password2025! → password
    candidates = (lowered, unpadded, lowered.translate(_LOOK_ALIKES), unpadded.translate(_LOOK_ALIKES))  # p@ssw0rd
    return any(candidate in COMMON_PASSWORDS for candidate in candidates)


def password_problem(password: str, *, login_id: str = "", email: str = "") -> str | None:
    """The first rule the password breaks, in Japanese; ``None`` when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"パスワードが短すぎます（{len(password)}文字）。パスワードは{RULE}"
    if len(password) > MAX_LENGTH:
        return f"パスワードが長すぎます（{len(password)}文字、{MAX_LENGTH}文字まで）。パスワードは{RULE}"
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        return f"パスワードには英字と数字をそれぞれ1文字以上含めてください。パスワードは{RULE}"
    if len(set(password)) < 4:
        return "パスワードに同じ文字ばかりを使うことはできません。"
    lowered = password.lower()
    for identity in (login_id, email.split("@")[0] if email else ""):
        if identity and len(identity) >= 4 and identity.lower() in lowered:
            return "パスワードにお客様IDやメールアドレスを含めることはできません。"
    if is_common(password):
        return "このパスワードはよく使われていて推測されやすいため使えません。別のパスワードを入力してください。"
    return None
