"""D-Sure (発注者用保証確認サービス) state: no login, the number and the key are the credentials.

The key typed by the clerk stays on the server side of the state (``_auth_key``, never
sent back to the browser); the receipt, change alerts and 受領確認 reuse it.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend import fmt
from frontend.api import ApiError, Verification
from frontend.state import Session
from frontend.views import STATUS_TONES, Row, VersionView, snapshot_rows, version_views

WRONG_PAIR = ("保証契約番号または認証キーが正しくありません。お手元の「認証キー等のお知らせ」をご確認のうえ、"
              "もう一度入力してください。")


def lockout_message(retry_after: int | None, detail: str = "") -> str:
    """429: the number is locked (5 wrong keys) or this address asked too often."""
    minutes = fmt.minutes_from_seconds(retry_after, default=15)
    if "保証契約番号" in detail or (retry_after or 0) > 60:
        return (f"認証キーの誤りが続いたため、この保証契約番号の照会を一時的に停止しています。"
                f"約{minutes}分後に、もう一度お試しください。お手元の「認証キー等のお知らせ」の記載もご確認ください。")
    return f"短時間に多くの照会があったため、受付を一時的に停止しています。約{minutes}分後に、もう一度お試しください。"


class DsureState(Session):
    number: str = ""  # pre-filled from ?no= (the QR code on the key notice)
    error: str = ""
    field_errors: dict[str, str] = {}
    locked_minutes: int = 0
    busy: bool = False

    verified: bool = False
    contract_number: str = ""
    title: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    version: str = ""
    rows: list[Row] = []
    versions: list[VersionView] = []
    signature_valid: bool = False
    digest: str = ""
    checked_at: str = ""
    acknowledged: str = ""

    action_error: str = ""
    ack_busy: bool = False
    receipt_busy: bool = False
    subscribe_busy: bool = False
    subscribe_message: str = ""
    subscribe_error: str = ""

    _auth_key: str = ""

    @rx.event
    def load(self):
        number = (self.router.url.query_parameters.get("no") or "").strip()
        self.number = fmt.normalize_digits(number)[:20]
        self.error = ""
        self.field_errors = {}
        self.locked_minutes = 0
        self.verified = False
        self._auth_key = ""

    @rx.event
    async def verify(self, form: dict[str, Any]):
        number = fmt.normalize_digits(str(form.get("contract_number", "")))
        key = str(form.get("auth_key", "")).strip()
        self.error = ""
        self.field_errors = {}
        self.locked_minutes = 0
        missing = {}
        if not number:
            missing["contract_number"] = "保証契約番号を入力してください。"
        if not key:
            missing["auth_key"] = "認証キーを入力してください。"
        if missing:
            self.field_errors = missing
            self.error = "保証契約番号と認証キーを入力してください。"
            return
        self.number = number
        self.busy = True
        yield
        try:
            result = await self._api().dsure_verify(number, key)
        except ApiError as exc:
            self.busy = False
            self.verified = False
            if exc.status_code == 429:
                self.locked_minutes = fmt.minutes_from_seconds(exc.retry_after)
                self.error = lockout_message(exc.retry_after, exc.detail)
            elif exc.status_code == 400 and exc.errors:
                self.field_errors = exc.errors
                self.error = exc.detail
            elif exc.status_code in (400, 401, 403, 404):
                self.error = WRONG_PAIR
            else:
                self.error = exc.detail
            return
        self._auth_key = key
        self._show(result)
        self.busy = False
        yield rx.scroll_to("result")

    def _show(self, result: Verification) -> None:
        snapshot = result.certificate or {}
        self.verified = True
        self.contract_number = result.contract_number
        self.title = snapshot.get("certificate_title") or fmt.label(fmt.GUARANTEE_TYPES, snapshot.get("guarantee_type"))
        self.status_label = fmt.label(fmt.CERTIFICATE_STATUS, result.status)
        self.status_tone = STATUS_TONES.get(result.status, "gray")
        self.version = f"第{result.version}版"
        self.rows = snapshot_rows(snapshot)
        self.versions = version_views(result)
        self.signature_valid = result.signature_valid
        self.digest = result.digest
        self.checked_at = fmt.wareki_time(result.checked_at)
        self.acknowledged = fmt.wareki_time(result.acknowledged_at)
        self.subscribe_message = ""
        self.subscribe_error = ""
        self.action_error = ""

    def _action_failed(self, exc: ApiError) -> None:
        if exc.status_code == 429:
            self.action_error = lockout_message(exc.retry_after, exc.detail)
        else:
            self.action_error = exc.detail

    @rx.event
    def reset_form(self):
        self.verified = False
        self._auth_key = ""
        self.error = ""
        self.rows = []
        self.versions = []
        return rx.scroll_to("main")

    @rx.event
    async def receipt(self):
        self.action_error = ""
        self.receipt_busy = True
        yield
        try:
            data, filename = await self._api().dsure_receipt(self.contract_number, self._auth_key)
        except ApiError as exc:
            self.receipt_busy = False
            self._action_failed(exc)
            return
        self.receipt_busy = False
        yield rx.download(data=data, filename=filename or f"閲覧証明_{self.contract_number}.pdf",
                          mime_type="application/pdf")

    @rx.event
    async def acknowledge(self):
        self.action_error = ""
        self.ack_busy = True
        yield
        try:
            ack = await self._api().dsure_acknowledge(self.contract_number, self._auth_key)
        except ApiError as exc:
            self.ack_busy = False
            self._action_failed(exc)
            return
        self.ack_busy = False
        self.acknowledged = fmt.wareki_time(ack.acknowledged_at) or "確認済み"

    @rx.event
    async def subscribe(self, form: dict[str, Any]):
        email = str(form.get("email", "")).strip()
        self.subscribe_message = ""
        self.subscribe_error = ""
        if not email:
            self.subscribe_error = "メールアドレスを入力してください。"
            return
        self.subscribe_busy = True
        yield
        try:
            result = await self._api().dsure_subscribe(self.contract_number, self._auth_key, email)
        except ApiError as exc:
            self.subscribe_busy = False
            self.subscribe_error = exc.errors.get("email") or exc.detail
            return
        self.subscribe_busy = False
        if result.already_subscribed:
            self.subscribe_message = f"{email} はすでに登録されています。変更・解約があればお知らせします。"
        else:
            self.subscribe_message = f"{email} を登録しました。この電子証書が変更・解約されたときにお知らせします。"
