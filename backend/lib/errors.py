"""Errors with a stable ``code``, mapped to HTTP in one place (DESIGN §5.2).

Services raise :class:`DomainError` subclasses (``NotFound``, ``Conflict``, ``Validation`` …);
the handlers here turn them, Litestar's own exceptions and msgspec's request errors into
one body, :class:`ErrorBody` ``{status_code, code, detail, errors?}``, with a Japanese
``detail``. Clients (our UI included) branch on ``code``, never on the text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from backend.domain.glossary import field_label

log = logging.getLogger("hosho.errors")

# Every code a body can carry, with what it means (published in the OpenAPI description).
# Finer ``<domain>.<case>`` codes refine a general one; a client that does not know a
# finer code can fall back on the HTTP status.
CODES: dict[str, str] = {
    "validation": "入力内容の誤り。errors に項目（field）ごとの説明があります。",
    "unauthorized": "ログインが必要です（トークンがない・期限切れ）。",
    "forbidden": "この操作の権限がありません（CSRFトークンの誤りを含む）。",
    "not_found": "対象が見つかりません（他社のデータも同じ答えです）。",
    "method_not_allowed": "このパスはこのメソッドを受け付けません。",
    "conflict": "現在の状態ではこの操作はできません。",
    "payload_too_large": "リクエストが大きすぎます。",
    "unsupported_media_type": "Content-Type が正しくありません。",
    "throttled": "試行回数が多すぎます。Retry-After 秒後に再度お試しください。",
    "internal": "サーバー内部の問題です。",
    "unavailable": "一時的に利用できません。Retry-After 秒後に再度お試しください。",
    "dsure.refused": "D-Sure: 保証契約番号または認証キーが正しくありません（どちらかは答えません）。",
    "dsure.locked": "D-Sure: 誤った照会が続いたため、この番号の照会を一時停止しています。",
    "auth.bad_credentials": "お客様ID（ログインID）またはパスワードが正しくありません（403）。",
    "auth.pending": "登録は承認待ちです（403）。",
    "auth.suspended": "このお客様IDは停止中です（403）。",
    "auth.rejected": "このお客様IDの登録は承認されませんでした（403）。",
    "auth.locked": "ログインの失敗が続いたため一時停止中です（429、Retry-After）。",
    "auth.otp_required": "パスワードは正しく、二要素認証の確認コード（または回復コード）が必要です（401、errors に otp）。",
    "auth.totp_setup_required": "二要素認証の設定が終わるまで、設定以外の操作はできません（403）。",
    "auth.csrf": "Cookie での書き込みに X-CSRF-Token がない・誤り（403）。",
    "dsure.signature_invalid": "D-Sure: 電子署名を検証できないため閲覧証明を発行できません（409）。",
    "dsure.cancelled": "D-Sure: 解約された保証のため受領確認できません（409）。",
    "dsure.not_valid": "D-Sure: 有効でない保証のため変更のお知らせを登録できません（409）。",
    "dsure.publication_refused": "D-Sure: 保証会社の公開データを検証できないため受け付けません（403）。",
    "dsure.issuer_unauthorized": "D-Sure: 保証会社の署名付きトークン（Authorization: Issuer）がない・検証できない（401）。",
    "certificate.recently_sent": "発注者へ10分以内に送付済みです。resend=true で再送できます。",
}

STATUS_CODES: dict[int, str] = {
    400: "validation",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "internal",
    503: "unavailable",
}

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


class FieldMessage(msgspec.Struct, frozen=True):
    """One failing field of a request: its name (dotted for nested fields) and what to type."""

    field: str
    message: str


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """The body of every 4xx/5xx answer."""

    status_code: int
    code: str
    detail: str
    errors: list[FieldMessage] | msgspec.UnsetType = msgspec.UNSET


class DomainError(Exception):
    """A refusal a service decides; the class (or ``code=``) says which one."""

    status: int = 400
    code: str = "validation"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: Iterable[FieldMessage] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.errors = list(errors)
        self.detail = detail or DEFAULT_DETAILS.get(self.status, DEFAULT_DETAILS[400])
        self.headers = headers
        super().__init__(self.detail)


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Throttled(DomainError):
    """Too many attempts: 429 with ``Retry-After``."""

    status, code = 429, "throttled"

    def __init__(self, detail: str | None = None, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class Unavailable(DomainError):
    status, code = 503, "unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)} if retry_after else None)


class Validation(DomainError):
    """A 400 listing every failing field; ``detail`` joins their messages."""

    status, code = 400, "validation"

    def __init__(self, errors: Iterable[FieldMessage], detail: str | None = None) -> None:
        errors = list(errors)
        super().__init__(detail or " ".join(error.message for error in errors) or None, errors=errors)


class FieldError(Validation):
    """A rule violation on one field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([FieldMessage(field, message)])


def error_response(
    status: int, detail: str, code: str | None = None, errors: list[FieldMessage] | None = None, headers=None
) -> Response:
    body = ErrorBody(status_code=status, code=code or STATUS_CODES.get(status, "internal" if status >= 500 else "validation"),
                     detail=detail, errors=errors or msgspec.UNSET)
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers)


def domain_error_handler(_: Request, exc: DomainError) -> Response:
    return error_response(exc.status, exc.detail, exc.code, exc.errors, exc.headers)


def _has_japanese(text: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in text)


def _japanese_detail(status: int, detail: str) -> str:
    """Keep our own Japanese messages; replace the framework's English ones."""
    if _has_japanese(detail):
        return detail
    if status == 400 and re.search(r"json|decode|malformed", detail, re.IGNORECASE):
        return "リクエスト本文をJSONとして読み取れませんでした。"
    return DEFAULT_DETAILS.get(status, DEFAULT_DETAILS[400 if status < 500 else 500])


def validation_exception_handler(request: Request, exc: ValidationException) -> Response:
    """msgspec stops at the first bad field; report every one (and the body's rule breaks) at once."""
    from backend.lib.validation import request_problems

    errors = request_problems(request, exc.extra if isinstance(exc.extra, list) else [])
    if not errors:
        return error_response(400, _japanese_detail(400, str(exc.detail or "")))
    return error_response(400, " ".join(error.message for error in errors), "validation", errors)


def http_exception_handler(_: Request, exc: HTTPException) -> Response:
    """Litestar's own refusals (unknown route, 405, 413, guards before our code runs)."""
    status = exc.status_code
    return error_response(status, _japanese_detail(status, str(exc.detail or "")), headers=exc.headers)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, DEFAULT_DETAILS[500])


def number_out_of_range_handler(request: Request, exc: Exception) -> Response:
    """An integer the database cannot even bind (``/api/admin/mail/355520280531426502246400``).

    SQLite raises OverflowError beyond 64 bits, asyncpg a DataError "value out of int32/int64
    range" (ids are int4 on PostgreSQL). Such an id names nothing: 404, like any unknown id;
    an out-of-range query parameter (``before_seq``) is a 400.
    """
    if not isinstance(exc, OverflowError) and "out of int" not in str(exc):
        return internal_error_handler(request, exc)
    if any(isinstance(value, int) and not -(2**31) <= value < 2**31 for value in request.path_params.values()):
        return error_response(404, DEFAULT_DETAILS[404])
    return error_response(400, "数値が大きすぎます。正しい値を指定してください。")


exception_handlers = {
    DomainError: domain_error_handler,
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


def field_messages(problems: Iterable[tuple[str, str]]) -> list[FieldMessage]:
    return [FieldMessage(field, message) for field, message in problems]


def label(field: str) -> str:
    """The Japanese name of a (possibly dotted) field."""
    return field_label(field.rsplit(".", 1)[-1]) if field else "入力内容"
