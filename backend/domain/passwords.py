"""Password rules (pure): clear Japanese messages, checked before hashing."""

from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 128


def password_problem(password: str, *, login_id: str = "", email: str = "") -> str | None:
    """The first rule the password breaks, in Japanese; ``None`` when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"パスワードは{MIN_LENGTH}文字以上で入力してください。"
    if len(password) > MAX_LENGTH:
        return f"パスワードは{MAX_LENGTH}文字以内で入力してください。"
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        return "パスワードには英字と数字をそれぞれ1文字以上含めてください。"
    if len(set(password)) < 4:
        return "パスワードに同じ文字ばかりを使うことはできません。"
    lowered = password.lower()
    for identity in (login_id, email.split("@")[0] if email else ""):
        if identity and len(identity) >= 4 and identity.lower() in lowered:
            return "パスワードにお客様IDやメールアドレスを含めることはできません。"
    return None
