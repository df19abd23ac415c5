"""e-Net保証 (contractor portal) state: login, registration, applications, certificates.

Handlers call the API through the typed client and keep display-ready rows (strings in
和暦 and 金…円) for the pages; no formatting happens in the page modules.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from frontend import fmt
from frontend.api import ApiError, Application, CertificateDetail, CertificateItem
from frontend.state import Session
from frontend.views import STATUS_TONES, Row, VersionView, snapshot_rows, version_views

NOT_READY = "この機能はただいま準備中です。しばらくしてから再度お試しください。"


@dataclasses.dataclass
class Step:
    label: str = ""
    state: str = "todo"  # done | current | todo | stopped
    date: str = ""


@dataclasses.dataclass
class ApplicationView:
    id: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    amount_label: str = ""
    amount: str = ""
    created: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    delivery: str = ""
    fee: str = ""
    contract_number: str = ""
    message: str = ""
    has_fee: bool = False
    paid: bool = False
    can_withdraw: bool = False
    steps: list[Step] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class CertificateView:
    contract_number: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    amount: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    version: str = ""
    issued: str = ""
    viewed: str = ""
    acknowledged: str = ""
    paper: bool = False


@dataclasses.dataclass
class ViewLogRow:
    """One D-Sure view as the contractor sees it."""

    at: str = ""
    what: str = ""
    version: str = ""
    origin: str = ""


@dataclasses.dataclass
class OrdererOption:
    code: str = ""
    name: str = ""
    note: str = ""
    accepts_electronic: bool = False


APPLICATION_TONES = {
    "submitted": "blue",
    "fee_notified": "amber",
    "paid": "cyan",
    "concluded": "green",
    "rejected": "red",
    "withdrawn": "gray",
}
STEP_LABELS = ["申込受付", "保証料のお知らせ", "入金確認", "契約締結"]
STEP_CODES = ["submitted", "fee_notified", "paid", "concluded"]


def application_steps(item: Application) -> list[Step]:
    """申込受付 → 保証料のお知らせ → 入金確認 → 契約締結, or stopped at 謝絶 / 取下げ.

    From the API's ``timeline`` when it sends one, else from the dates on the application.
    """
    if item.timeline:
        labels = {step.step: step for step in item.timeline}
        reached = [labels[code].done if code in labels else False for code in STEP_CODES]
        dates = [fmt.month_day(labels[code].on) if code in labels else "" for code in STEP_CODES]
    else:
        reached = [
            True,
            item.fee_notified_at is not None or item.status in ("fee_notified", "concluded"),
            item.paid_on is not None or item.status == "concluded",
            item.status == "concluded" or item.contract_number is not None,
        ]
        dates = [fmt.month_day(item.created_at), fmt.month_day(item.fee_notified_at), fmt.month_day(item.paid_on), ""]
    stopped = item.status in ("rejected", "withdrawn")
    steps: list[Step] = []
    current_set = False
    for index, label in enumerate(STEP_LABELS):
        if reached[index]:
            steps.append(Step(label, "done", dates[index]))
        elif stopped and not current_set:
            steps.append(Step(fmt.label(fmt.APPLICATION_STATUS, item.status), "stopped", ""))
            current_set = True
        elif not current_set and not stopped:
            steps.append(Step(label, "current", "手続き中"))
            current_set = True
        else:
            steps.append(Step(label, "todo", ""))
    return steps


def application_view(item: Application) -> ApplicationView:
    advance = item.guarantee_type in ("advance", "interim_advance")
    amount = item.advance_amount if advance and item.advance_amount is not None else item.guarantee_amount
    message = ""
    paid = item.paid_on is not None
    if item.status == "submitted":
        message = "お申込みを受け付けました。審査のうえ、保証料のお知らせをお送りします。"
    elif item.status == "fee_notified" and paid:
        message = "ご入金を確認しました。保証契約の締結までお待ちください。"
    elif item.status == "fee_notified":
        message = f"保証料は{fmt.yen(item.fee)}です（非課税）。お振込みをお願いいたします。" if item.fee else \
            "保証料のお知らせをお送りしました。お振込みをお願いいたします。"
    elif item.status == "concluded":
        message = "保証契約を締結しました。電子証書と認証キーをご確認ください。"
    elif item.status == "rejected":
        message = f"誠に恐れ入りますが、今回のお申込みはお引き受けできませんでした。{item.rejected_reason or ''}"
    elif item.status == "withdrawn":
        message = "お申込みは取り下げられました。"
    return ApplicationView(
        id=str(item.id),
        type_label=fmt.label(fmt.GUARANTEE_TYPES, item.guarantee_type),
        project_name=item.project_name,
        orderer_name=item.orderer_name or item.orderer_code,
        amount_label="前払金額" if advance else "保証金額",
        amount=fmt.yen(amount),
        created=fmt.wareki(item.created_at),
        status_label="入金確認済" if item.status == "fee_notified" and paid else
        (item.status_label or fmt.label(fmt.APPLICATION_STATUS, item.status)),
        status_tone="cyan" if item.status == "fee_notified" and paid else APPLICATION_TONES.get(item.status, "gray"),
        delivery=fmt.label(fmt.DELIVERY, item.delivery),
        fee=fmt.yen(item.fee),
        contract_number=item.contract_number or "",
        message=message,
        has_fee=item.fee is not None and item.status in ("fee_notified", "concluded"),
        paid=paid,
        can_withdraw=item.status in ("submitted", "fee_notified") and not paid,
        steps=application_steps(item),
    )


def certificate_view(item: CertificateItem) -> CertificateView:
    return CertificateView(
        contract_number=item.contract_number,
        type_label=fmt.label(fmt.GUARANTEE_TYPES, item.guarantee_type),
        project_name=item.project_name,
        orderer_name=item.orderer_name,
        amount=fmt.yen(item.guarantee_amount),
        status_label=fmt.label(fmt.CERTIFICATE_STATUS, item.status),
        status_tone=STATUS_TONES.get(item.status, "gray"),
        version=f"第{item.version}版",
        issued=fmt.wareki(item.issued_on),
        viewed=fmt.wareki_time(item.last_viewed_at),
        acknowledged=fmt.wareki_time(item.acknowledged_at),
        paper=item.delivery == "paper",
    )


class EnetState(Session):
    """Common to the e-Net pages: the page's error and busy flags, login checks."""

    error: str = ""
    field_errors: dict[str, str] = {}
    busy: bool = False
    loaded: bool = False
    flash: str = ""  # the notice carried here from the previous page, shown once

    def _take_notice(self) -> None:
        self.flash = self.notice
        self.notice = ""

    def _fail(self, exc: ApiError):
        if exc.unauthorized:
            return self._enet_expired()
        self.error = NOT_READY if exc.not_built else exc.detail
        self.field_errors = exc.errors
        return None

    def _needs_login(self):
        if not self.enet_token:
            self.notice = "このページをご覧になるには、ログインしてください。"
            return rx.redirect("/login")
        return None


class LoginState(EnetState):
    @rx.event
    def load(self):
        self._take_notice()
        self.error = ""
        self.field_errors = {}
        self.busy = False
        if self.enet_token:
            return rx.redirect("/applications")
        return None

    @rx.event
    async def submit(self, form: dict[str, Any]):
        login_id = fmt.normalize_digits(str(form.get("login_id", "")))
        password = str(form.get("password", ""))
        self.error = ""
        self.field_errors = {}
        if not login_id or not password:
            if not login_id:
                self.field_errors["login_id"] = "お客様IDを入力してください。"
            if not password:
                self.field_errors["password"] = "パスワードを入力してください。"
            self.error = "お客様IDとパスワードを入力してください。"
            return
        self.busy = True
        yield
        try:
            result = await self._api().login(login_id, password)
        except ApiError as exc:
            self.busy = False
            self.error = exc.detail
            self.field_errors = exc.errors
            return
        self.busy = False
        if result.user.role != "contractor":
            self.error = "このIDは管理者用です。管理画面（/admin/login）からログインしてください。"
            return
        self.enet_token = result.token
        self.enet_name = result.user.display_name or result.user.login_id
        self.notice = ""
        yield rx.redirect("/applications")


REGISTER_FIELDS = ("email", "password", "company_name", "representative", "address", "phone", "license_number")


class RegisterState(EnetState):
    customer_id: str = ""
    company_name: str = ""

    @rx.event
    def load(self):
        self.error = ""
        self.field_errors = {}
        self.busy = False
        self.customer_id = ""

    @rx.event
    async def submit(self, form: dict[str, Any]):
        body = {name: str(form.get(name, "")).strip() for name in REGISTER_FIELDS}
        body["password"] = str(form.get("password", ""))
        self.error = ""
        self.field_errors = {}
        if body["password"] != str(form.get("password_confirm", "")):
            self.field_errors = {"password_confirm": "確認用のパスワードが一致しません。もう一度入力してください。"}
            self.error = "入力内容をご確認ください。"
            return
        self.busy = True
        yield
        try:
            result = await self._api().register(body)
        except ApiError as exc:
            self.busy = False
            self.error = exc.detail
            self.field_errors = exc.errors
            return
        self.busy = False
        self.customer_id = result.customer_id
        self.company_name = body["company_name"]


class ApplicationsState(EnetState):
    items: list[ApplicationView] = []
    doc_busy: str = ""
    withdraw_id: str = ""

    @rx.event
    async def load(self):
        if (redirect := self._needs_login()) is not None:
            yield redirect
            return
        self._take_notice()
        self.error = ""
        self.busy = True
        self.withdraw_id = ""
        yield
        try:
            await self._refresh()
        except ApiError as exc:
            self.busy = False
            yield self._fail(exc)
            return
        self.busy = False
        self.loaded = True

    async def _refresh(self) -> None:
        items = await self._enet_api().applications()
        self.items = [application_view(item) for item in sorted(items, key=_newest_first)]

    @rx.event
    async def download(self, application_id: str, kind: str):
        """保証料計算書 / 保証料領収証 of an application (before the certificate exists)."""
        self.doc_busy = f"{application_id}:{kind}"
        self.error = ""
        yield
        try:
            data, filename = await self._enet_api().application_document(application_id, kind)
        except ApiError as exc:
            self.doc_busy = ""
            yield self._fail(exc)
            return
        self.doc_busy = ""
        name = filename or f"{fmt.label(fmt.DOCUMENT_NAMES, kind)}_{application_id}.pdf"
        yield rx.download(data=data, filename=name, mime_type="application/pdf")

    @rx.event
    def ask_withdraw(self, application_id: str):
        self.withdraw_id = application_id

    @rx.event
    def cancel_withdraw(self, open_: bool = False):
        if not open_:
            self.withdraw_id = ""

    @rx.event
    async def withdraw(self):
        application_id = self.withdraw_id
        self.busy = True
        self.error = ""
        yield
        try:
            await self._enet_api().withdraw_application(application_id)
            await self._refresh()
        except ApiError as exc:
            self.busy = False
            self.withdraw_id = ""
            yield self._fail(exc)
            return
        self.busy = False
        self.withdraw_id = ""
        self.flash = f"受付番号 {application_id} のお申込みを取り下げました。"


def _newest_first(item: Application) -> tuple:
    return (-(item.created_at.timestamp() if item.created_at else 0), str(item.id))


GUARANTEE_OPTIONS = [("advance", "前払金保証"), ("interim_advance", "中間前払金保証"), ("contract", "契約保証")]
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

    @rx.event
    async def load(self):
        if (redirect := self._needs_login()) is not None:
            return redirect
        self.error = ""
        self.field_errors = {}
        self.busy = False
        try:
            orderers = await self._api().orderers()
        except ApiError as exc:
            return self._fail(exc)
        self.orderers = [
            OrdererOption(code=o.code, name=o.name, note=o.electronic_note, accepts_electronic=o.accepts_electronic)
            for o in orderers
            if o.active
        ]
        return None

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
        return {key: value for key, value in body.items() if value is not None}

    @rx.event
    async def submit(self, form: dict[str, Any]):
        self.error = ""
        self.field_errors = {}
        self.busy = True
        yield
        try:
            created = await self._enet_api().create_application(self._body(form))
        except ApiError as exc:
            self.busy = False
            errors = dict(exc.errors)
            # the form has one amount box for 前払金額 / 保証金額
            for name in ("advance_amount", "guarantee_amount"):
                if name in errors:
                    errors.setdefault("amount", errors[name])
            if exc.unauthorized:
                yield self._enet_expired()
                return
            self.field_errors = errors
            self.error = NOT_READY if exc.not_built else exc.detail
            return
        self.busy = False
        self.notice = f"お申込みを受け付けました（受付番号 {created.id}）。保証料のお知らせまでお待ちください。"
        yield rx.redirect("/applications")


class CertificatesState(EnetState):
    items: list[CertificateView] = []
    next_cursor: str = ""
    query: str = ""
    type_filter: str = ""
    status_filter: str = ""

    @rx.event
    async def load(self):
        if (redirect := self._needs_login()) is not None:
            yield redirect
            return
        self.busy = True
        yield
        yield CertificatesState.fetch

    @rx.event
    async def fetch(self, more: bool = False):
        self.error = ""
        try:
            page = await self._enet_api().certificates(
                q=self.query, guarantee_type=self.type_filter, status=self.status_filter,
                cursor=self.next_cursor if more else None,
            )
        except ApiError as exc:
            self.busy = False
            return self._fail(exc)
        views = [certificate_view(item) for item in page.items]
        self.items = [*self.items, *views] if more else views
        self.next_cursor = page.next_cursor or ""
        self.busy = False
        self.loaded = True
        return None

    @rx.event
    async def search(self, form: dict[str, Any]):
        self.query = str(form.get("q", "")).strip()
        self.type_filter = str(form.get("guarantee_type", ""))
        self.status_filter = str(form.get("status", ""))
        self.busy = True
        yield
        yield CertificatesState.fetch

    @rx.event
    async def more(self):
        yield CertificatesState.fetch(True)


class CertificateState(EnetState):
    contract_number: str = ""
    title: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    version: str = ""
    rows: list[Row] = []
    versions: list[VersionView] = []
    viewed: str = ""
    acknowledged: str = ""
    sent: str = ""
    digest: str = ""
    electronic: bool = True
    views: list[ViewLogRow] = []
    has_key: bool = True
    has_adjustment: bool = False
    auth_key: str = ""
    key_busy: bool = False
    reissue_open: bool = False
    doc_busy: str = ""
    sending: bool = False
    message: str = ""

    def _number(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    async def load(self):
        if (redirect := self._needs_login()) is not None:
            yield redirect
            return
        number = self._number()
        if number != self.contract_number:
            self.rows = []
            self.versions = []
            self.title = ""
        self.contract_number = number
        self.auth_key = ""
        self.message = ""
        self.error = ""
        self.busy = True
        yield
        try:
            detail = await self._enet_api().certificate(number)
        except ApiError as exc:
            self.busy = False
            yield self._fail(exc)
            return
        self._show(detail)
        self.busy = False
        self.loaded = True

    def _show(self, detail: CertificateDetail) -> None:
        snapshot = detail.certificate
        self.title = snapshot.get("certificate_title") or fmt.label(fmt.GUARANTEE_TYPES, detail.guarantee_type)
        self.type_label = fmt.label(fmt.GUARANTEE_TYPES, detail.guarantee_type or snapshot.get("guarantee_type"))
        self.project_name = detail.project_name or (snapshot.get("project") or {}).get("name", "")
        self.orderer_name = detail.orderer_name or (snapshot.get("orderer") or {}).get("name", "")
        self.status_label = fmt.label(fmt.CERTIFICATE_STATUS, detail.status)
        self.status_tone = STATUS_TONES.get(detail.status, "gray")
        self.version = f"第{detail.version}版"
        self.rows = snapshot_rows(snapshot) if snapshot else []
        self.versions = version_views(detail)
        self.viewed = fmt.wareki_time(detail.last_viewed_at)
        self.acknowledged = fmt.wareki_time(detail.acknowledged_at)
        sent = fmt.wareki_time(detail.sent_to_orderer_at)
        self.sent = f"{sent}（{detail.sent_to_orderer_address}）" if sent and detail.sent_to_orderer_address else sent
        self.digest = detail.digest
        self.electronic = detail.delivery != "paper"
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

    @rx.event
    async def reveal_key(self):
        """Show the 認証キー and hand over the key notice PDF (the document for the orderer)."""
        self.key_busy = True
        self.error = ""
        yield
        api = self._enet_api()
        try:
            key = await api.auth_key(self.contract_number)
            self.auth_key = fmt.format_key(key.auth_key)
            data, filename = await api.document(self.contract_number, "auth-key-notice")
        except ApiError as exc:
            self.key_busy = False
            yield self._fail(exc)
            return
        self.key_busy = False
        yield rx.download(data=data, filename=filename or f"認証キー等のお知らせ_{self.contract_number}.pdf",
                          mime_type="application/pdf")

    @rx.event
    def hide_key(self):
        self.auth_key = ""

    @rx.event
    def set_reissue_open(self, value: bool):
        self.reissue_open = value

    @rx.event
    async def reissue_key(self):
        """A new 認証キー (e.g. the notice went to the wrong address); the old key dies at once."""
        self.key_busy = True
        self.error = ""
        self.message = ""
        yield
        try:
            key = await self._enet_api().reissue_key(self.contract_number)
        except ApiError as exc:
            self.key_busy = False
            self.reissue_open = False
            yield self._fail(exc)
            return
        self.key_busy = False
        self.reissue_open = False
        self.auth_key = fmt.format_key(key.auth_key)
        self.message = ("認証キーを再発行しました。以前の認証キーは使用できません。新しい「認証キー等のお知らせ」を"
                        "ダウンロードして、発注者へ改めてご提出ください。")

    @rx.event
    async def download(self, kind: str):
        self.doc_busy = kind
        self.error = ""
        yield
        try:
            data, filename = await self._enet_api().document(self.contract_number, kind)  # type: ignore[arg-type]
        except ApiError as exc:
            self.doc_busy = ""
            yield self._fail(exc)
            return
        self.doc_busy = ""
        name = filename or f"{fmt.label(fmt.DOCUMENT_NAMES, kind)}_{self.contract_number}.pdf"
        yield rx.download(data=data, filename=name, mime_type="application/pdf")

    @rx.event
    async def send_to_orderer(self):
        self.sending = True
        self.error = ""
        self.message = ""
        yield
        try:
            result = await self._enet_api().send_to_orderer(self.contract_number)
        except ApiError as exc:
            self.sending = False
            yield self._fail(exc)
            return
        self.sending = False
        target = f"{result.to} 宛に" if result.to else "発注者の登録アドレス宛に"
        subject = f"（件名「{result.subject}」）" if result.subject else ""
        self.message = f"{target}「認証キー等のお知らせ」の送信を受け付けました{subject}。"
        sent = fmt.wareki_time(result.sent_at) or "送信手続き済み"
        self.sent = f"{sent}（{result.to}）" if result.to else sent


class AccountState(EnetState):
    rows: list[Row] = []
    customer_id: str = ""
    company_name: str = ""
    status_label: str = ""

    @rx.event
    async def load(self):
        if (redirect := self._needs_login()) is not None:
            yield redirect
            return
        self.busy = True
        yield
        try:
            me = await self._enet_api().me()
        except ApiError as exc:
            self.busy = False
            yield self._fail(exc)
            return
        company = me.company
        self.customer_id = me.login_id
        if company is not None:
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
        else:
            self.company_name = me.display_name
            self.rows = [Row("ログインID", me.login_id), Row("お名前", me.display_name)]
        self.busy = False
        self.loaded = True
