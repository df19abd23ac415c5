"""JSON errors with a Japanese ``detail`` that names the field (DESIGN §5).

Services raise :class:`FieldError` for rule violations; request-shape errors from
Litestar/msgspec are translated here, so no handler ever answers in English or 500s
on bad input.
"""

from __future__ import annotations

import logging
import re

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

from backend.domain.glossary import field_label

log = logging.getLogger("hosho.errors")

DEFAULT_DETAILS = {
    400: "リクエストの内容が正しくありません。",
    401: "ログインが必要です。",
    403: "この操作を行う権限がありません。",
    404: "お探しの情報は見つかりませんでした。",
    405: "この操作は受け付けていません。",
    409: "現在の状態ではこの操作はできません。",
    413: "リクエストが大きすぎます。",
    415: "リクエストの形式（Content-Type）が正しくありません。",
    429: "試行回数が多すぎます。しばらく待ってから再度お試しください。",
    500: "サーバーで問題が発生しました。時間をおいて再度お試しください。",
    503: "ただいまサービスを利用できません。",
}


class FieldError(HTTPException):
    """A rule violation on one field: 400 with a Japanese message naming it."""

    status_code = HTTP_400_BAD_REQUEST

    def __init__(self, field: str, message: str) -> None:
        super().__init__(detail=message, extra=[{"field": field, "message": message}])


class ConflictError(HTTPException):
    status_code = 409


def _has_japanese(text: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in text)


_MSG_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"missing required field `?([\w]+)`?"), "{label}を入力してください。"),
    (re.compile(r"unknown field `?([\w]+)`?"), "{label}という項目は受け付けていません。"),
    (re.compile(r"length <= (\d+)"), "{label}は{n}文字以内で入力してください。"),
    (re.compile(r"length >= (\d+)"), "{label}は{n}文字以上で入力してください。"),
    (re.compile(r"Expected `int` >= (-?\d+)"), "{label}は{n}以上の整数で入力してください。"),
    (re.compile(r"Expected `int` <= (-?\d+)"), "{label}は{n}以下の整数で入力してください。"),
    (re.compile(r"Expected `int`"), "{label}は整数（円単位）で入力してください。"),
    (re.compile(r"RFC ?3339|Expected `date`"), "{label}はYYYY-MM-DD形式の日付で入力してください。"),
    (re.compile(r"Invalid enum value|Expected .*one of"), "{label}の値が選択肢にありません。"),
    (re.compile(r"match pattern"), "{label}の形式が正しくありません。"),
    (re.compile(r"Expected `str`"), "{label}は文字列で入力してください。"),
    (re.compile(r"Expected `object`"), "リクエスト本文はJSONオブジェクトで送ってください。"),
]


def translate_validation_message(key: str | None, message: str) -> str:
    """Turn one msgspec/Litestar validation message into Japanese naming the field."""
    field = _field_of(key, message)
    label = field_label(field.split(".")[-1]) if field else "入力内容"
    for pattern, template in _MSG_PATTERNS:
        found = pattern.search(message)
        if found:
            n = found.group(1) if found.groups() and "{n}" in template else ""
            return template.format(label=label, n=n)
    return f"{label}の値が正しくありません。"


def _field_of(key: str | None, message: str) -> str:
    field = "" if key in (None, "data") else re.sub(r"\[\d+\]", "", key.removeprefix("data."))
    missing = re.search(r"(?:missing required|unknown) field `?(\w+)`?", message)
    if missing:
        field = f"{field}.{missing.group(1)}" if field else missing.group(1)
    return field


def _japanese_detail(status: int, detail: str) -> str:
    """Keep our own Japanese messages; replace the framework's English ones."""
    if _has_japanese(detail):
        return detail
    if status == 400 and re.search(r"json|decode|malformed", detail, re.IGNORECASE):
        return "リクエスト本文をJSONとして読み取れませんでした。"
    return DEFAULT_DETAILS.get(status, DEFAULT_DETAILS[400 if status < 500 else 500])


def _error_response(status_code: int, detail: str, errors: list | None = None, headers=None) -> Response:
    content: dict = {"status_code": status_code, "detail": detail}
    if errors:
        content["errors"] = errors
    return Response(content=content, status_code=status_code, media_type=MediaType.JSON, headers=headers)


def validation_exception_handler(_: Request, exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict) and "field" in item:
            errors.append(item)
            continue
        key = item.get("key") if isinstance(item, dict) else None
        message = item.get("message", "") if isinstance(item, dict) else str(item)
        text = translate_validation_message(key, message)
        errors.append({"field": _field_of(key, message), "message": text})
    if not errors:
        return _error_response(400, _japanese_detail(400, str(exc.detail or "")))
    return _error_response(400, " ".join(e["message"] for e in errors), errors)


def http_exception_handler(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = _japanese_detail(status, str(exc.detail or ""))
    errors = exc.extra if isinstance(exc.extra, list) else None
    return _error_response(status, detail, errors, headers=exc.headers)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(HTTP_500_INTERNAL_SERVER_ERROR, DEFAULT_DETAILS[500])


def number_out_of_range_handler(request: Request, exc: Exception) -> Response:
    """An integer the database cannot even bind (``/api/admin/mail/355520280531426502246400``).

    SQLite raises OverflowError beyond 64 bits, asyncpg a DataError "value out of int32/int64
    range" (ids are int4 on PostgreSQL). Such an id names nothing: 404, like any unknown id;
    an out-of-range query parameter (``before_seq``) is a 400.
    """
    if not isinstance(exc, OverflowError) and "out of int" not in str(exc):
        return internal_error_handler(request, exc)
    if any(isinstance(value, int) and not -(2**31) <= value < 2**31 for value in request.path_params.values()):
        return _error_response(404, DEFAULT_DETAILS[404])
    return _error_response(400, "数値が大きすぎます。正しい値を指定してください。")


exception_handlers = {
    ValidationException: validation_exception_handler,
    HTTPException: http_exception_handler,
    OverflowError: number_out_of_range_handler,
    Exception: internal_error_handler,
}
try:
    from asyncpg.exceptions import DataError as _PostgresDataError
except ImportError:  # pragma: no cover - asyncpg comes with piccolo[postgres]
    pass
else:
    exception_handlers[_PostgresDataError] = number_out_of_range_handler
