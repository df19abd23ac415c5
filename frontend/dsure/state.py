"""D-Sure (発注者用保証確認サービス) state: no login, the number and the key are the credentials.

The key typed by the clerk stays on the server side of the state (``_auth_key``, never
sent back to the browser); the receipt, change alerts and 受領確認 reuse it.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend import fmt
from frontend.api import ApiError
from frontend.state import PageState, calls_api
from frontend.views import CertificateShown
from frontend.dsure.checks import pair_problems

# Refusals the API words for the clerk itself (a wrong pair, a lock with its minutes, too many tries):
# its ``detail`` is shown as it is; the code only decides how it looks (amber: wait, then try again).
WAIT_CODES = ("dsure.locked", "throttled")

STATUS_SENTENCES = {
    "valid": "この電子証書は有効です",
    "cancelled": "この電子証書は解約されています",
    "expired": "この電子証書は保証期限を過ぎています（期限満了）",
}

# Scroll the result's banner just below the sticky header and move the focus to its heading
# (a screen reader reads it out). Retried for a moment: the result renders after the state delta.
FOCUS_RESULT = """(function f(n){var h=document.getElementById('result-heading');
if(h){document.getElementById('status-banner').scrollIntoView({block:'start'});h.focus({preventScroll:true});}
else if(n<50){setTimeout(function(){f(n+1)},20);}})(0)"""


def focus_field(element_id: str) -> str:
    """A script focusing the input ``element_id`` once it is on the page."""
    return (f"(function f(n){{var k=document.getElementById('{element_id}');"
            "if(k){k.focus();}else if(n<50){setTimeout(function(){f(n+1)},20);}})(0)")


class DsureState(PageState, CertificateShown):
    number: str = ""  # pre-filled from ?no= (the QR code on the key notice)
    locked_minutes: int = 0

    verified: bool = False
    announcement: str = ""  # the live region's text (role=status)
    status_sentence: str = ""
    issuer_name: str = ""  # the surety that issued it, from D-Sure's answer (numbers may coincide across sureties)
    cancelled: str = ""  # 解約日 and reason of a cancelled certificate
    signature_valid: bool = False
    checked_at: str = ""

    action_error: str = ""  # beside the result's buttons (受領確認, 閲覧証明)
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
        self.locked_minutes = 0
        self._forget_result()
        if self.number:  # opened from the key notice's QR code: the number is there, the key is next
            return rx.call_script(focus_field("dsure-auth_key"))

    @calls_api()
    async def verify(self, form: dict[str, Any]):
        """Length and characters are checked here first (every field at once; no attempt is spent on a
        typo); the API still names every field it refuses."""
        self.number = fmt.normalize_digits(str(form.get("contract_number", "")))
        key = str(form.get("auth_key", "")).strip()
        self.locked_minutes = 0
        self.verified = False
        self.announcement = ""
        problems = pair_problems(self.number, key)  # a typo is no attempt: caught before the API is asked
        if problems:
            self.field_errors = problems  # listed by the form's error summary and beside each box
            return None
        try:
            result = await self._api().dsure_verify(self.number, key)
        except ApiError as exc:
            if exc.code in WAIT_CODES:
                self.locked_minutes = fmt.minutes_from_seconds(exc.retry_after)
            raise
        self._auth_key = key
        self._show_certificate(result)
        self.verified = True
        self.status_sentence = STATUS_SENTENCES.get(result.status, f"この電子証書の状態：{self.status_label}")
        self.issuer_name = result.issuer.name
        self.cancelled = (
            f"{fmt.wareki(result.cancelled_on)}に解約されました" + (f"（{result.cancel_reason}）" if result.cancel_reason else "")
            if result.cancelled_on else ""
        )
        self.signature_valid = result.signature_valid
        self.checked_at = fmt.wareki_time(result.checked_at)
        self.subscribe_message = ""
        self.subscribe_error = ""
        self.action_error = ""
        self.announcement = f"電子証書を表示しました。{self.status_sentence}。{self.version}、保証機関 {self.issuer_name}。"
        return rx.call_script(FOCUS_RESULT)

    def _forget_result(self) -> None:
        self.verified = False
        self.announcement = ""
        self._auth_key = ""
        self.error = ""
        self.field_errors = {}
        self.rows = []
        self.versions = []

    @rx.event
    def reset_form(self):
        """照会をやり直す: back to an empty form."""
        self._forget_result()
        return [rx.scroll_to("main"), rx.call_script(focus_field("dsure-contract_number"))]

    @calls_api("receipt_busy", error="action_error")
    async def receipt(self):
        data, filename = await self._api().dsure_receipt(self.contract_number, self._auth_key)
        return rx.download(data=data, filename=filename or f"閲覧証明_{self.contract_number}.pdf",
                           mime_type="application/pdf")

    @calls_api("ack_busy", error="action_error")
    async def acknowledge(self):
        ack = await self._api().dsure_acknowledge(self.contract_number, self._auth_key)
        self.acknowledged = fmt.wareki_time(ack.acknowledged_at)

    @calls_api("subscribe_busy", error="subscribe_error")
    async def subscribe(self, form: dict[str, Any]):
        email = str(form.get("email", "")).strip()
        self.subscribe_message = ""
        result = await self._api().dsure_subscribe(self.contract_number, self._auth_key, email)
        if result.already_subscribed:
            self.subscribe_message = f"{email} はすでに登録されています。変更・解約があればお知らせします。"
        else:
            self.subscribe_message = f"{email} を登録しました。この電子証書が変更・解約されたときにお知らせします。"
