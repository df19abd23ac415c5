"""Orderers' mail-subject templates, e.g. 「【前払保証】{工事名}」 (pure)."""

from __future__ import annotations

import re
import string

PLACEHOLDERS = ("工事名", "工事番号", "仕様書番号")
DEFAULT_SUBJECT = "【電子保証】{工事名}（認証キー等のお知らせ）"
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


def template_problem(template: str) -> str | None:
    """Why a template cannot be used, or ``None``."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return "件名テンプレートの波かっこ { } の対応が正しくありません。"
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        allowed = "、".join("{" + p + "}" for p in PLACEHOLDERS)
        return f"件名テンプレートに使えない差し込み項目があります（{unknown[0]}）。使えるのは {allowed} です。"
    return None


def render_subject(template: str | None, *, project_name: str, project_number: str | None) -> str:
    """Fill a template; the orderer's own number stands for both 工事番号 and 仕様書番号."""
    number = project_number or ""
    values = {"工事名": project_name, "工事番号": number, "仕様書番号": number}
    text = _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template or DEFAULT_SUBJECT)
    return " ".join(text.split())
