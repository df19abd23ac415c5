"""e-Net保証 (contractor portal) state: login, registration, applications, certificates.

Handlers call the API through the typed client and keep display-ready rows (strings in
和暦 and 金…円) for the pages; no formatting happens in the page modules.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend import fmt
from frontend.api import GENERIC, ApiError, Application, CertificateDetail, ChangeRequest
from frontend.enet.rows import (
    ApplicationView,
    CertificateView,
    ChangeRow,
    OrdererOption,
    ViewLogRow,
    application_view,
    certificate_view,
    change_row,
)
from frontend.state import ENET, Face, ListPage, LoginForm, PageState, TwoFactorSetup, calls_api
from frontend.views import CertificateShown, Row

class EnetState(PageState):
    """e-Net's pages."""

    def _face(self) -> Face:
        return ENET


class LoginState(EnetState, LoginForm):
    """The login page."""


REGISTER_FIELDS = ("email", "password", "company_name", "representative", "address", "phone", "license_number")
MISMATCH = "確認用のパスワードが一致しません。もう一度入力してください。"


def confirmed_password(form: dict[str, Any], name: str, confirm: str) -> str:
    """The new password typed twice alike; else a refusal on the confirmation box (the API never sees it)."""
    password = str(form.get(name, ""))
    if password != str(form.get(confirm, "")):
        raise ApiError(400, GENERIC[400], {confirm: MISMATCH})
    return password


class PasswordRule(rx.State, mixin=True):
    """A form that sets a password: the rule from the API, shown under the box before anything is typed."""

    password_rule: str = ""

    async def _load_password_rule(self) -> None:
        if not self.password_rule:
            self.password_rule = (await self._api().password_policy()).rule


class RegisterState(EnetState, PasswordRule):
    customer_id: str = ""
    company_name: str = ""

    @calls_api(load=True, login=False)
    async def load(self):
        self.customer_id = ""
        await self._load_password_rule()

    @calls_api()
    async def submit(self, form: dict[str, Any]):
        body = {name: str(form.get(name, "")).strip() for name in REGISTER_FIELDS}
        body["password"] = confirmed_password(form, "password", "password_confirm")
        result = await self._api().register(body)
        self.customer_id = result.customer_id
        self.company_name = body["company_name"]


class RecoveryState(EnetState):
    """パスワードを忘れた方 / お客様IDを忘れた方: an address in, the API's neutral answer out."""

    accepted: str = ""  # the API's answer (the same whether the address is registered or not)

    @rx.event
    def load(self):
        self.accepted = ""
        self._fresh_form()

    @calls_api()
    async def request_reset(self, form: dict[str, Any]):
        self.accepted = (await self._api().request_password_reset(str(form.get("email", "")).strip())).detail

    @calls_api()
    async def remind_id(self, form: dict[str, Any]):
        self.accepted = (await self._api().forgot_id(str(form.get("email", "")).strip())).detail


class PasswordResetState(EnetState, PasswordRule):
    """The page the reset mail's link opens (``/password-reset?token=…``): a new password, once."""

    token: str = ""
    done: bool = False
    refused: str = ""  # the link is used, superseded or past its 30 minutes: what to do instead

    @calls_api(load=True, login=False)
    async def load(self):
        self.token = (self.router.url.query_parameters.get("token") or "").strip()
        self.done = False
        self.refused = ""
        await self._load_password_rule()

    @calls_api()
    async def submit(self, form: dict[str, Any]):
        password = confirmed_password(form, "new_password", "new_password_confirm")
        try:
            await self._api().confirm_password_reset(self.token, password)
        except ApiError as exc:
            if "token" not in exc.errors:
                raise
            self.refused = exc.errors["token"]  # no box to fix: the page says why and offers a new link
            return
        self.done = True


class ApplicationsState(EnetState, ListPage):
    items: list[ApplicationView] = []
    doc_busy: str = ""
    withdraw_id: str = ""

    async def _refresh(self) -> None:
        items = await self._face_api().applications()
        self.items = [application_view(item) for item in sorted(items, key=_newest_first)]

    @calls_api("doc_busy")
    async def download(self, application_id: str, kind: str):
        """保証料計算書 / 保証料領収証 of an application (before the certificate exists)."""
        data, filename = await self._face_api().application_document(application_id, kind)
        name = filename or f"{fmt.label(fmt.DOCUMENT_NAMES, kind)}_{application_id}.pdf"
        return rx.download(data=data, filename=name, mime_type="application/pdf")

    @rx.event
    def ask_withdraw(self, application_id: str):
        self.withdraw_id = application_id
        self._open_dialog("withdraw")

    @calls_api()
    async def withdraw(self):
        self.dialog = ""  # the confirmation closes; the outcome shows on the page
        await self._face_api().withdraw_application(self.withdraw_id)
        await self._done(f"受付番号 {self.withdraw_id} のお申込みを取り下げました。")


def _newest_first(item: Application) -> tuple:
    return (-(item.created_at.timestamp() if item.created_at else 0), str(item.id))


DELIVERY_OPTIONS = [("electronic", "電子交付を希望する"), ("paper", "書面")]
DATE_FIELDS = ("contract_date", "period_start", "period_end", "bid_announced_on")


class ApplyState(EnetState):
    orderers: list[OrdererOption] = []
    guarantee_type: str = "advance"
    orderer_code: str = ""
    delivery: str = "electronic"

    @rx.var
    def is_contract(self) -> bool:
        return self.guarantee_type == "contract"

    @rx.var
    def orderer_note(self) -> str:
        for option in self.orderers:
            if option.code == self.orderer_code:
                return option.note
        return ""

    @rx.var
    def orderer_paper_only(self) -> bool:
        for option in self.orderers:
            if option.code == self.orderer_code:
                return not option.accepts_electronic
        return False

    @rx.event
    def set_guarantee_type(self, value: str):
        self.guarantee_type = value
        self.field_errors = {}

    @rx.event
    def set_orderer_code(self, value: str):
        self.orderer_code = value
        if self.orderer_paper_only:
            self.delivery = "paper"

    @rx.event
    def set_delivery(self, value: str):
        self.delivery = value

    @calls_api(load=True)
    async def load(self):
        self.orderers = [
            OrdererOption(code=o.code, name=o.name, note=o.electronic_note, accepts_electronic=o.accepts_electronic)
            for o in await self._api().orderers()
            if o.active
        ]

    def _body(self, form: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "guarantee_type": self.guarantee_type,
            "orderer_code": str(form.get("orderer_code", "")) or None,
            "orderer_project_number": str(form.get("orderer_project_number", "")).strip() or None,
            "project_name": str(form.get("project_name", "")).strip() or None,
            "project_location": str(form.get("project_location", "")).strip() or None,
            "contract_amount": fmt.parse_amount(str(form.get("contract_amount", ""))),
            "delivery": self.delivery,
            "notes": str(form.get("notes", "")).strip(),
        }
        amount = fmt.parse_amount(str(form.get("amount", "")))
        body["guarantee_amount" if self.is_contract else "advance_amount"] = amount
        for name in DATE_FIELDS:
            body[name] = str(form.get(name, "")).strip() or None
        if not self.is_contract:  # 預託金融機関 of the 前払金専用口座
            body["deposit_bank"] = {part: str(form.get(f"deposit_bank_{part}", "")).strip() for part in ("name", "branch")}
        if self.guarantee_type == "interim_advance":
            body["advance_contract_number"] = fmt.normalize_digits(str(form.get("advance_contract_number", ""))) or None
            body["interim_certified_on"] = str(form.get("interim_certified_on", "")).strip() or None
        return {key: value for key, value in body.items() if value is not None}

    # the form has one amount box for 前払金額 / 保証金額, and a box each for deposit_bank.name / .branch
    @calls_api(fields={"advance_amount": "amount", "guarantee_amount": "amount",
                       "deposit_bank.name": "deposit_bank_name", "deposit_bank.branch": "deposit_bank_branch"})
    async def submit(self, form: dict[str, Any]):
        created = await self._face_api().create_application(self._body(form))
        self.notice = f"お申込みを受け付けました（受付番号 {created.id}）。保証料のお知らせまでお待ちください。"
        return rx.redirect("/applications")


class CertificatesState(EnetState, ListPage):
    items: list[CertificateView] = []
    next_cursor: str = ""
    query: str = ""
    type_filter: str = ""
    status_filter: str = ""

    async def _refresh(self, more: bool = False) -> None:
        page = await self._face_api().certificates(
            q=self.query, guarantee_type=self.type_filter, status=self.status_filter,
            cursor=self.next_cursor if more else None,
        )
        views = [certificate_view(item) for item in page.items]
        self.items = [*self.items, *views] if more else views
        self.next_cursor = page.next_cursor or ""

    @calls_api()
    async def search(self, form: dict[str, Any]):
        self.query = str(form.get("q", "")).strip()
        self.type_filter = str(form.get("guarantee_type", ""))
        self.status_filter = str(form.get("status", ""))
        await self._refresh()

    @calls_api()
    async def more(self):
        await self._refresh(more=True)


class CertificateState(EnetState, CertificateShown):
    summary: CertificateView = CertificateView()  # the card at the top, as in the list
    sent: str = ""
    views: list[ViewLogRow] = []
    has_key: bool = False
    has_adjustment: bool = False
    auth_key: str = ""
    key_busy: bool = False
    doc_busy: str = ""
    sending: bool = False
    changes: list[ChangeRow] = []
    can_change: bool = False  # valid, and no request under review
    change_kind: str = "amend"
    change_busy: bool = False
    change_message: str = ""
    preview_to: str = ""
    preview_subject: str = ""
    preview_attachment: str = ""
    preview_cc: str = ""
    preview_warning: str = ""
    preview_resend: bool = False
    cc_self: bool = False

    def _number(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @calls_api(load=True)
    async def load(self):
        number = self._number()
        if number != self.contract_number:
            self.rows = []
            self.versions = []
            self.title = ""
        self.contract_number = number
        self.auth_key = ""
        detail = await self._face_api().certificate(number)
        self._show(detail)
        self._show_changes(detail.status, await self._face_api().change_requests(number))

    def _show_changes(self, status: str, items: list[ChangeRequest]) -> None:
        self.changes = [change_row(item) for item in items]
        self.can_change = status == "valid" and not any(i.status in ("submitted", "fee_notified") for i in items)

    @rx.event
    def set_change_kind(self, value: str):
        self.change_kind = value
        self.field_errors = {}

    @calls_api("change_busy")
    async def submit_change(self, form: dict[str, Any]):
        """変更・解約の申込み: the surety reviews it and sends the 追加・返還保証料 notice."""
        self.change_message = ""
        body: dict[str, Any] = {"kind": self.change_kind, "reason": str(form.get("reason", "")).strip()}
        if self.change_kind == "cancel":
            body["cancel_on"] = str(form.get("cancel_on", "")).strip() or None
        else:
            body["contract_amount"] = fmt.parse_amount(str(form.get("contract_amount", "")))
            body["guarantee_amount"] = fmt.parse_amount(str(form.get("guarantee_amount", "")))
            body["period_end"] = str(form.get("period_end", "")).strip() or None
        api = self._face_api()
        created = await api.create_change_request(self.contract_number, body)
        self.change_message = (f"{created.kind_label}のお申込みを受け付けました（申込番号 {created.id}）。"
                               "保証料の増減（追加保証料・返還保証料）をお知らせするまでお待ちください。")
        self._show_changes("valid", await api.change_requests(self.contract_number))

    @calls_api("doc_busy")
    async def download_change(self, request_id: int, kind: str):
        data, filename = await self._face_api().change_document(self.contract_number, request_id, kind)
        return rx.download(data=data, filename=filename or f"{kind}_{self.contract_number}.pdf",
                           mime_type="application/pdf")

    @calls_api("sending")
    async def open_send_preview(self):
        """Show recipient, subject and attachment (and any earlier send) before anything is sent."""
        preview = await self._face_api().send_preview(self.contract_number)
        self.preview_to = preview.to
        self.preview_subject = preview.subject
        self.preview_attachment = preview.attachment
        self.preview_cc = preview.cc_address
        self.preview_warning = preview.warning or ""
        self.preview_resend = preview.resend_required
        self.cc_self = False
        self._open_dialog("send")

    @rx.event
    def set_cc_self(self, value: bool):
        """The 控え checkbox: uncontrolled (it ticks at once, the state follows); the dialog mounts it unticked."""
        self.cc_self = value

    def _show(self, detail: CertificateDetail) -> None:
        self._show_certificate(detail)
        self.summary = certificate_view(detail)
        sent = fmt.wareki_time(detail.sent_to_orderer_at)
        self.sent = f"{sent}（{detail.sent_to_orderer_address}）" if sent and detail.sent_to_orderer_address else sent
        self.has_key = detail.has_auth_key and detail.status != "cancelled"
        self.views = [
            ViewLogRow(
                at=fmt.wareki_time(view.at),
                what="閲覧証明（PDF）の発行" if view.kind == "receipt" else "電子証書の閲覧",
                version=f"第{view.version}版",
                origin=" ".join(filter(None, [view.browser, f"（{view.origin}）" if view.origin else ""])),
            )
            for view in detail.views
        ]
        self.has_adjustment = bool(detail.fee_adjustments)

    @calls_api("key_busy")
    async def reveal_key(self):
        """Show the 認証キー (audited); the key notice PDF is its own button, never a silent download."""
        self.auth_key = fmt.format_key((await self._face_api().auth_key(self.contract_number)).auth_key)

    @rx.event
    def hide_key(self):
        self.auth_key = ""

    @rx.event
    def ask_reissue(self):
        self._open_dialog("reissue")

    @calls_api("key_busy")
    async def reissue_key(self):
        """A new 認証キー (e.g. the notice went to the wrong address); the old key dies at once."""
        self.dialog = ""
        key = await self._face_api().reissue_key(self.contract_number)
        self.auth_key = fmt.format_key(key.auth_key)
        self.message = ("認証キーを再発行しました。以前の認証キーは使用できません。新しい「認証キー等のお知らせ」を"
                        "ダウンロードして、発注者へ改めてご提出ください。")

    @calls_api("doc_busy")
    async def download(self, kind: str):
        data, filename = await self._face_api().document(self.contract_number, kind)  # type: ignore[arg-type]
        name = filename or f"{fmt.label(fmt.DOCUMENT_NAMES, kind)}_{self.contract_number}.pdf"
        return rx.download(data=data, filename=name, mime_type="application/pdf")

    @calls_api("sending")
    async def send_to_orderer(self):
        self.dialog = ""
        result = await self._face_api().send_to_orderer(
            self.contract_number, resend=self.preview_resend, cc_self=self.cc_self
        )
        target = f"{result.to} 宛に" if result.to else "発注者の登録アドレス宛に"
        subject = f"（件名「{result.subject}」）" if result.subject else ""
        self.message = f"{target}「認証キー等のお知らせ」の送信を受け付けました{subject}。"
        sent = fmt.wareki_time(result.sent_at) or "送信手続き済み"
        self.sent = f"{sent}（{result.to}）" if result.to else sent


PASSWORD_FIELDS = ("current_password", "new_password", "new_password_confirm")
PASSWORD_FORM_ID = "password-change"
PASSWORD_CHANGED = ("パスワードを変更しました。ほかの端末やブラウザでのログインは終了しました。"
                    "登録のメールアドレスにもお知らせをお送りしています。")


class AccountState(EnetState, PasswordRule, TwoFactorSetup):
    """お客様情報: the company's details, パスワードの変更 and 二段階認証 (each section's outcome beside it)."""

    rows: list[Row] = []
    customer_id: str = ""
    company_name: str = ""
    status_label: str = ""
    password_busy: bool = False
    password_error: str = ""
    password_message: str = ""

    @rx.var
    def password_field_errors(self) -> dict[str, str]:
        """The password form's refusals only (the page's other form, the code's, has its own box)."""
        return {name: text for name, text in self.field_errors.items() if name in PASSWORD_FIELDS}

    @calls_api(load=True)
    async def load(self):
        self._forget_totp_setup()
        self.password_message = ""
        self.totp_error = self.password_error = ""
        me = await self._face_api().me()
        await self._load_password_rule()
        company = me.company
        self.customer_id = me.login_id
        self.totp_enabled = me.totp_enabled
        if company is None:
            self.company_name = me.display_name
            self.rows = [Row("ログインID", me.login_id), Row("お名前", me.display_name)]
            return
        self.company_name = company.company_name
        self.status_label = fmt.label(fmt.COMPANY_STATUS, company.status)
        self.rows = [
            Row("お客様ID", company.customer_id),
            Row("商号（会社名）", company.company_name),
            Row("代表者", company.representative),
            Row("所在地", company.address),
            Row("電話番号", company.phone),
            Row("メールアドレス", company.email),
            Row("建設業許可番号", company.license_number),
            Row("登録日", fmt.wareki(company.created_at)),
            Row("承認日", fmt.wareki(company.approved_at) or "―"),
        ]

    @calls_api("password_busy", error="password_error")
    async def change_password(self, form: dict[str, Any]):
        self.password_message = ""
        new_password = confirmed_password(form, "new_password", "new_password_confirm")
        await self._face_api().change_password(str(form.get("current_password", "")), new_password)
        self.password_message = PASSWORD_CHANGED
        return rx.call_script(f"document.getElementById('{PASSWORD_FORM_ID}').reset()")

