"""How the UI writes dates, amounts and the API's codes for people (pure functions).

Dates in 和暦 (令和7年10月1日, 元年 for the first year), amounts as 金1,234,567円, times in
Japan Standard Time. The UI keeps its own copy of these small rules: it talks to the
backend only through the HTTP API (frontend/api.py), never by importing it.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any

JST = timezone(timedelta(hours=9), "JST")

# (first day of the era, era name), newest first.
_ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 25), "明治"),
)

GUARANTEE_TYPES = {
    "advance": "前払金保証",
    "interim_advance": "中間前払金保証",
    "contract": "契約保証",
}
CERTIFICATE_STATUS = {"valid": "有効", "cancelled": "解約", "expired": "期限満了"}
APPLICATION_STATUS = {
    "submitted": "申込受付",
    "fee_notified": "保証料のお知らせ済",
    "paid": "入金確認済",
    "concluded": "契約締結",
    "rejected": "謝絶",
    "withdrawn": "取下げ",
}
COMPANY_STATUS = {"pending": "承認待ち", "active": "利用中", "rejected": "不承認", "suspended": "利用停止中"}
DELIVERY = {"electronic": "電子交付", "paper": "書面"}
ORDERER_CLASSES = {
    "national": "国",
    "prefecture": "都道府県",
    "municipality": "市区町村",
    "agency": "独立行政法人等",
    "other": "その他",
}
CHANNELS = {
    "email": "電子メール",
    "e-contract": "電子契約システムへの登録",
    "e-application": "電子申請システム",
    "fax": "FAX",
    "paper": "書面",
}
MAIL_STATUS = {"pending": "送信待ち", "sending": "送信中", "sent": "送信済", "failed": "送信失敗"}
AUDIT_ACTIONS = {
    "login.succeeded": "ログイン",
    "login.failed": "ログイン失敗",
    "login.refused": "ログイン拒否",
    "logout": "ログアウト",
    "admin.password_set": "職員パスワード設定",
    "company.registered": "ID登録の申込",
    "company.approved": "ID登録の承認",
    "application.submitted": "保証申込",
    "application.fee_notified": "保証料のお知らせ",
    "application.paid": "入金確認",
    "application.rejected": "謝絶",
    "application.withdrawn": "申込の取下げ",
    "certificate.concluded": "保証契約の締結",
    "certificate.issued": "電子証書の発行",
    "certificate.amended": "電子証書の変更",
    "certificate.cancelled": "解約",
    "certificate.sent_to_orderer": "発注者への送付",
    "auth_key.displayed": "認証キーの表示",
    "auth_key.reissued": "認証キーの再発行",
    "document.downloaded": "帳票のダウンロード",
    "dsure.viewed": "D-Sure閲覧",
    "dsure.failed": "D-Sure認証失敗",
    "dsure.locked": "D-Sureロック",
    "dsure.acknowledged": "受領確認",
    "dsure.subscribed": "変更通知の登録",
    "dsure.unsubscribed": "変更通知の停止",
    "mail.queued": "メール作成",
    "mail.sent": "メール送信",
    "mail.failed": "メール送信失敗",
    "mail.retried": "メール再送",
    "orderer.created": "発注者の登録",
    "orderer.updated": "発注者の更新",
}
DOCUMENT_NAMES = {
    "certificate": "保証証書（閲覧用）",
    "auth-key-notice": "認証キー等のお知らせ",
    "fee-statement": "保証料計算書",
    "fee-receipt": "保証料領収証",
}


def today() -> date:
    """Today in Japan: the API's dates (a fee notice, a payment) are JST days, whatever the server's zone."""
    return datetime.now(JST).date()


def to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(JST).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) > 10:
            return to_date(datetime.fromisoformat(text.replace("Z", "+00:00")))
        return date.fromisoformat(text)
    except ValueError:
        return None


def to_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(JST)


def _era_year(day: date) -> str:
    """令和7年 (令和元年 for the first year)."""
    for start, name in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年"
    return f"{day.year}年"


def wareki(value: Any, *, with_western: bool = False) -> str:
    """令和7年10月1日 (元年 for the first year of an era); "" for no date."""
    day = to_date(value)
    if day is None:
        return ""
    text = f"{_era_year(day)}{day.month}月{day.day}日"
    return f"{text}（{day.year}年）" if with_western else text


def wareki_month(value: Any) -> str:
    """令和7年10月, for a date or a YYYY-MM string."""
    text = str(value or "")
    day = to_date(text + "-01" if len(text) == 7 else value)
    if day is None:
        return text
    return f"{_era_year(day)}{day.month}月"


def month_day(value: Any) -> str:
    """11月28日 (for compact timelines where the year is clear from context)."""
    day = to_date(value)
    return f"{day.month}月{day.day}日" if day else ""


def wareki_time(value: Any) -> str:
    """令和7年10月1日 14:05 (Japan time); "" for no time."""
    moment = to_datetime(value)
    if moment is None:
        return ""
    return f"{wareki(moment.date())} {moment:%H:%M}"


def ago(value: Any, now: datetime) -> str:
    """How long ago: 3日前, 5時間前, 12分前, たった今 (under a minute); "" for no time."""
    moment = to_datetime(value)
    if moment is None:
        return ""
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return "たった今"
    if minutes < 60:
        return f"{minutes}分前"
    if minutes < 24 * 60:
        return f"{minutes // 60}時間前"
    return f"{minutes // (24 * 60)}日前"


def yen(amount: Any) -> str:
    """金1,234,567円; "" for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        return f"金{int(amount):,}円"
    except (TypeError, ValueError):
        return str(amount)


def period(start: Any, end: Any) -> str:
    first, last = wareki(start), wareki(end)
    if not first and not last:
        return ""
    return f"{first} ～ {last}"


def label(mapping: dict[str, str], code: Any) -> str:
    return mapping.get(str(code), str(code or ""))


def options(mapping: dict[str, str], codes: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(code, label) choices for a select: the mapping's, in its order, or only ``codes``."""
    return [(code, mapping[code]) for code in (codes or tuple(mapping))]


# The states a certificate search can ask for (superseded is a version's state, not a certificate's).
CERTIFICATE_FILTER = options(CERTIFICATE_STATUS, ("valid", "cancelled", "expired"))


def change_value(field: str, value: Any) -> str:
    """A before/after value of a certificate change, as people read it."""
    if value is None:
        return "―"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int) or (field.endswith("amount") and str(value).isdigit()):
        return yen(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and to_date(value):
        return wareki(value)
    return str(value)


def normalize_digits(text: str) -> str:
    """Full-width digits and separators typed on a phone → ASCII without commas."""
    folded = unicodedata.normalize("NFKC", text or "")
    return folded.replace(",", "").replace("円", "").replace(" ", "").strip()


def parse_amount(text: str) -> int | str | None:
    """An amount field: an int when it reads as whole yen, else the raw text (the API explains)."""
    cleaned = normalize_digits(text)
    if cleaned == "":
        return None
    return int(cleaned) if cleaned.isdigit() else cleaned


def minutes_from_seconds(seconds: Any, default: int = 15) -> int:
    try:
        return max(1, -(-int(float(seconds)) // 60))
    except (TypeError, ValueError):
        return default


def format_key(key: str) -> str:
    """ABCDE-FGHJK: the 認証キー in two groups of five, as the notice prints it."""
    key = (key or "").replace("-", "").replace(" ", "")
    return f"{key[:5]}-{key[5:]}" if len(key) == 10 else key
