"""Admin dashboard state (surety-company staff): KPIs, queues and their actions, master data.

Every handler calls the API with the admin's token; the API decides what an admin may
do. Rows are display-ready (和暦, 金…円).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date
from typing import Any

import reflex as rx

from frontend import fmt
from frontend.api import ApiError, Application, CertificateItem, Company, Orderer
from frontend.state import Session

NOT_READY = "この機能のAPIはまだ用意されていません（準備中）。"


@dataclasses.dataclass
class Kpi:
    label: str = ""
    value: str = "0"
    sub: str = ""
    icon: str = "circle"
    href: str = ""


@dataclasses.dataclass
class CompanyRow:
    customer_id: str = ""
    company_name: str = ""
    representative: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    license_number: str = ""
    created: str = ""
    status_label: str = ""


@dataclasses.dataclass
class ApplicationRow:
    id: str = ""
    company: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    contract_amount: str = ""
    amount: str = ""
    period: str = ""
    bid_announced: str = ""
    delivery: str = ""
    created: str = ""
    status: str = ""
    status_label: str = ""
    fee: str = ""
    fee_value: str = ""
    paid: str = ""
    contract_number: str = ""
    notes: str = ""


@dataclasses.dataclass
class CertificateRow:
    contract_number: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    company: str = ""
    amount: str = ""
    status: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    version: str = ""
    issued: str = ""
    viewed: str = ""


@dataclasses.dataclass
class OrdererRow:
    code: str = ""
    name: str = ""
    title: str = ""
    orderer_class: str = ""
    class_label: str = ""
    e_guarantee_from: str = ""
    e_guarantee_label: str = ""
    submission_email: str = ""
    channels: str = ""
    channel_codes: str = ""
    subject_advance: str = ""
    subject_interim: str = ""
    subject_contract: str = ""
    routing_note: str = ""
    active: bool = True


@dataclasses.dataclass
class MailRow:
    id: str = ""
    recipient: str = ""
    subject: str = ""
    status: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    created: str = ""
    sent: str = ""
    attempts: str = ""
    error: str = ""


@dataclasses.dataclass
class AuditRow:
    seq: str = ""
    at: str = ""
    action: str = ""
    action_label: str = ""
    actor: str = ""
    target: str = ""
    address: str = ""
    details: str = ""
    hash: str = ""


APPLICATION_TABS = [
    ("submitted", "審査待ち"),
    ("fee_notified", "入金待ち"),
    ("paid", "締結待ち（入金確認済）"),
    ("concluded", "締結済"),
    ("rejected", "謝絶"),
    ("withdrawn", "取下げ"),
]
MAIL_TONES = {"pending": "amber", "sending": "blue", "sent": "green", "failed": "red"}


def company_row(company: Company) -> CompanyRow:
    return CompanyRow(
        customer_id=company.customer_id,
        company_name=company.company_name,
        representative=company.representative,
        address=company.address,
        phone=company.phone,
        email=company.email,
        license_number=company.license_number,
        created=fmt.wareki_time(company.created_at),
        status_label=fmt.label(fmt.COMPANY_STATUS, company.status),
    )


def application_row(item: Application) -> ApplicationRow:
    advance = item.guarantee_type in ("advance", "interim_advance")
    amount = item.advance_amount if advance and item.advance_amount is not None else item.guarantee_amount
    status = item.status
    if status == "fee_notified" and item.paid_on is not None:
        status = "paid"
    return ApplicationRow(
        id=str(item.id),
        company=" ".join(filter(None, [item.company_name, f"（{item.customer_id}）" if item.customer_id else ""])),
        type_label=fmt.label(fmt.GUARANTEE_TYPES, item.guarantee_type),
        project_name=item.project_name,
        orderer_name=item.orderer_name or item.orderer_code,
        contract_amount=fmt.yen(item.contract_amount),
        amount=fmt.yen(amount),
        period=fmt.period(item.period_start, item.period_end),
        bid_announced=fmt.wareki(item.bid_announced_on),
        delivery=fmt.label(fmt.DELIVERY, item.delivery),
        created=fmt.wareki_time(item.created_at),
        status=status,
        status_label=fmt.label(fmt.APPLICATION_STATUS, status),
        fee=fmt.yen(item.fee),
        fee_value=str(item.fee or ""),
        paid=" ".join(filter(None, [fmt.wareki(item.paid_on), fmt.yen(item.paid_amount)])),
        contract_number=item.contract_number or "",
        notes=item.notes,
    )


def certificate_row(item: CertificateItem) -> CertificateRow:
    from frontend.views import STATUS_TONES

    return CertificateRow(
        contract_number=item.contract_number,
        type_label=fmt.label(fmt.GUARANTEE_TYPES, item.guarantee_type),
        project_name=item.project_name,
        orderer_name=item.orderer_name,
        company=item.company_name,
        amount=fmt.yen(item.guarantee_amount),
        status=item.status,
        status_label=fmt.label(fmt.CERTIFICATE_STATUS, item.status),
        status_tone=STATUS_TONES.get(item.status, "gray"),
        version=f"第{item.version}版",
        issued=fmt.wareki(item.issued_on),
        viewed=fmt.wareki_time(item.last_viewed_at),
    )


def orderer_row(item: Orderer) -> OrdererRow:
    return OrdererRow(
        code=item.code,
        name=item.name,
        title=item.title,
        orderer_class=item.orderer_class,
        class_label=item.orderer_class_label or fmt.label(fmt.ORDERER_CLASSES, item.orderer_class),
        e_guarantee_from=item.e_guarantee_from.isoformat() if item.e_guarantee_from else "",
        e_guarantee_label=fmt.wareki(item.e_guarantee_from) or "書面のみ",
        submission_email=item.submission_email or "",
        channels="・".join(fmt.label(fmt.CHANNELS, c) for c in item.channels),
        channel_codes=",".join(item.channels),
        subject_advance=item.subject_templates.get("advance", ""),
        subject_interim=item.subject_templates.get("interim_advance", ""),
        subject_contract=item.subject_templates.get("contract", ""),
        routing_note=item.routing_note,
        active=item.active,
    )


class AdminState(Session):
    """Common to the admin pages."""

    error: str = ""
    message: str = ""
    field_errors: dict[str, str] = {}
    busy: bool = False
    loaded: bool = False

    def _needs_admin(self):
        if not self.admin_token:
            self.notice = "管理画面をご利用になるには、ログインしてください。"
            return rx.redirect("/admin/login")
        return None

    def _fail(self, exc: ApiError):
        self.busy = False
        if exc.unauthorized:
            return self._admin_expired()
        self.error = NOT_READY if exc.not_built else exc.detail
        self.field_errors = exc.errors
        return None

    def _start(self) -> None:
        self.error = ""
        self.message = ""
        self.field_errors = {}
        self.busy = True

    async def _refresh(self) -> None:
        """Fetch the page's data (each list page overrides it)."""

    async def _load_page(self):
        """The body of a list page's ``load``: check the login, then ``_refresh`` (yields updates)."""
        if (redirect := self._needs_admin()) is not None:
            yield redirect
            return
        self.busy = True
        yield
        try:
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.loaded = True


class AdminLoginState(AdminState):
    flash: str = ""

    @rx.event
    def load(self):
        self.flash = self.notice
        self.notice = ""
        self.error = ""
        self.busy = False
        self.field_errors = {}
        if self.admin_token:
            return rx.redirect("/admin")
        return None

    @rx.event
    async def submit(self, form: dict[str, Any]):
        login_id = str(form.get("login_id", "")).strip()
        password = str(form.get("password", ""))
        self._start()
        if not login_id or not password:
            self.busy = False
            self.error = "ログインIDとパスワードを入力してください。"
            return
        yield
        try:
            result = await self._api().login(login_id, password)
        except ApiError as exc:
            self.busy = False
            self.error = exc.detail
            return
        self.busy = False
        if result.user.role != "admin":
            self.error = "このIDには管理画面の利用権限がありません。建設業者の方はe-Net保証からログインしてください。"
            return
        self.admin_token = result.token
        self.admin_name = result.user.display_name or result.user.login_id
        self.notice = ""
        yield rx.redirect("/admin")


# --- dashboard ---------------------------------------------------------------------------


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, dict):
        return sum(_int(v) for v in value.values())
    if isinstance(value, list):
        return len(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _first(stats: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in stats and stats[name] is not None:
            return stats[name]
    return None


def _by_type(value: Any) -> dict[str, int]:
    """{advance: n, …} from a dict, or from a list of {guarantee_type, count}."""
    if isinstance(value, dict):
        return {str(k): _int(v) for k, v in value.items()}
    if isinstance(value, list):
        counts: Counter[str] = Counter()
        for item in value:
            if isinstance(item, dict):
                counts[str(item.get("guarantee_type") or item.get("type") or "")] += _int(item.get("count", 1))
        return dict(counts)
    return {}


def monthly_chart(value: Any) -> list[dict[str, Any]]:
    """Recharts rows {month: 令和7年10月, 前払金保証: n, …} from the API's monthly issuance."""
    rows: dict[str, dict[str, Any]] = {}
    items: list[Any] = []
    if isinstance(value, dict):
        items = [{"month": month, **(counts if isinstance(counts, dict) else {"count": counts})}
                 for month, counts in value.items()]
    elif isinstance(value, list):
        items = value
    for item in items:
        if not isinstance(item, dict):
            continue
        month = str(item.get("month") or item.get("period") or "")[:7]
        if not month:
            continue
        row = rows.setdefault(month, {"month": fmt.wareki_month(month), **{v: 0 for v in fmt.GUARANTEE_TYPES.values()}})
        if "guarantee_type" in item:
            row[fmt.label(fmt.GUARANTEE_TYPES, item["guarantee_type"])] += _int(item.get("count", 1))
        else:
            by_type = item.get("by_type") if isinstance(item.get("by_type"), dict) else item
            for code, text in fmt.GUARANTEE_TYPES.items():
                if code in by_type:
                    row[text] += _int(by_type[code])
    return [rows[key] for key in sorted(rows)]


class DashboardState(AdminState):
    kpis: list[Kpi] = []
    application_kpis: list[Kpi] = []
    issued_kpis: list[Kpi] = []
    certificate_kpis: list[Kpi] = []
    mail_kpis: list[Kpi] = []
    chart: list[dict[str, Any]] = []
    stats_available: bool = True
    audit_ok: str = ""

    @rx.event
    async def load(self):
        if (redirect := self._needs_admin()) is not None:
            yield redirect
            return
        self._start()
        yield
        api = self._admin_api()
        stats: dict[str, Any] = {}
        try:
            stats = await api.admin_stats()
            self.stats_available = True
        except ApiError as exc:
            if exc.unauthorized:
                yield self._admin_expired()
                return
            self.stats_available = False
        try:
            await self._fill(api, stats)
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.loaded = True

    async def _fill(self, api, stats: dict[str, Any]) -> None:
        pending = _first(stats, "pending_registrations")
        if pending is None:
            pending = len(await api.admin_companies("pending"))
        by_status = _first(stats, "applications_by_status")
        if not isinstance(by_status, dict):
            by_status = dict(Counter(a.status for a in await api.admin_applications()))
        issued = _by_type(_first(stats, "issued_this_month_by_type", "certificates_this_month"))
        by_certificate_status = _first(stats, "certificates_by_status") or {}
        mail = _first(stats, "mail_by_status") or {}
        try:
            dsure = await api.admin_dsure_stats()
        except ApiError as exc:
            if exc.unauthorized:
                raise
            dsure = None
        awaiting_conclusion = 0
        try:
            awaiting_conclusion = sum(1 for a in await api.admin_applications("fee_notified") if a.paid_on)
        except ApiError as exc:
            if exc.unauthorized:
                raise
        self.kpis = [
            Kpi("承認待ちの登録", f"{_int(pending)}件", "e-Net保証のID登録", "user-check", "/admin/registrations"),
            Kpi("審査待ちの申込", f"{_int(by_status.get('submitted', 0))}件",
                f"入金確認済・締結待ち {awaiting_conclusion}件", "clipboard-list", "/admin/applications"),
            Kpi("D-Sure閲覧（今月）", "―" if dsure is None else f"{dsure.views_this_month:,}件",
                "" if dsure is None else f"本日 {dsure.views_today:,}件・失敗(24時間) {dsure.failures_last_24h:,}件",
                "eye", ""),
            Kpi("ロック中の保証契約番号", "―" if dsure is None else f"{len(dsure.lockouts)}件",
                "認証キーの誤り5回で15分停止" if dsure is None or not dsure.lockouts else
                "、".join(lock.contract_number or "（不正な入力）" for lock in dsure.lockouts[:3]),
                "lock", "/admin/audit"),
        ]
        self.application_kpis = [
            Kpi(fmt.label(fmt.APPLICATION_STATUS, code), f"{_int(by_status.get(code, 0))}件", "", "", "")
            for code in ("submitted", "fee_notified", "concluded", "rejected", "withdrawn")
        ]
        self.issued_kpis = [
            Kpi(text, f"{issued.get(code, 0)}件", "", "", "") for code, text in fmt.GUARANTEE_TYPES.items()
        ]
        self.certificate_kpis = [
            Kpi(fmt.label(fmt.CERTIFICATE_STATUS, code), f"{_int(by_certificate_status.get(code, 0))}件", "", "", "")
            for code in ("valid", "cancelled", "expired")
        ]
        self.mail_kpis = [
            Kpi(fmt.label(fmt.MAIL_STATUS, code), f"{_int(mail.get(code, 0))}件", "", "", "/admin/mail")
            for code in ("pending", "sent", "failed")
        ]
        self.chart = monthly_chart(_first(stats, "issuance_by_month", "issued_by_month"))


# --- queues -------------------------------------------------------------------------------


class RegistrationsState(AdminState):
    pending: list[CompanyRow] = []
    active: list[CompanyRow] = []

    @rx.event
    async def load(self):
        async for update in self._load_page():
            yield update

    async def _refresh(self) -> None:
        api = self._admin_api()
        self.pending = [company_row(c) for c in await api.admin_companies("pending")]
        self.active = [company_row(c) for c in await api.admin_companies("active")]

    @rx.event
    async def approve(self, customer_id: str):
        self._start()
        yield
        try:
            company = await self._admin_api().admin_approve(customer_id)
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.message = f"{company.company_name}（お客様ID {company.customer_id}）の登録を承認しました。"


class AdminApplicationsState(AdminState):
    tab: str = "submitted"
    items: list[ApplicationRow] = []
    counts: dict[str, int] = {}
    dialog: str = ""  # "" | payment | reject
    target_id: str = ""
    target_label: str = ""
    target_fee: str = ""
    today: str = ""

    @rx.event
    async def load(self):
        self.dialog = ""
        async for update in self._load_page():
            yield update

    async def _refresh(self) -> None:
        """The tab's list (GET /api/admin/applications?status=…) and the count on every tab.

        入金待ち and 締結待ち are both ``fee_notified`` on the API, told apart by ``paid_on``.
        """
        api = self._admin_api()
        awaiting = [application_row(a) for a in await api.admin_applications("fee_notified")]
        if self.tab in ("fee_notified", "paid"):
            rows = [row for row in awaiting if row.status == self.tab]
        else:
            rows = [application_row(a) for a in await api.admin_applications(self.tab)]
        try:
            counts = dict((await api.admin_stats()).get("applications_by_status") or {})
        except ApiError as exc:
            if exc.unauthorized:
                raise
            counts = {}
        counts[self.tab] = len(rows)
        counts["fee_notified"] = sum(1 for row in awaiting if row.status == "fee_notified")
        counts["paid"] = sum(1 for row in awaiting if row.status == "paid")
        self.counts = {code: int(counts.get(code, 0)) for code, _ in APPLICATION_TABS}
        self.items = rows

    @rx.event
    async def set_tab(self, tab: str):
        self.tab = tab
        self.busy = True
        yield
        try:
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False

    def _target(self, application_id: str) -> ApplicationRow | None:
        return next((row for row in self.items if row.id == application_id), None)

    @rx.event
    async def fee_notice(self, application_id: str):
        self._start()
        yield
        try:
            result = await self._admin_api().admin_fee_notice(application_id)
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        fee = f"（保証料 {fmt.yen(result.fee)}）" if result.fee is not None else ""
        self.message = f"受付番号 {application_id} に保証料のお知らせを送りました{fee}。"

    @rx.event
    def open_dialog(self, kind: str, application_id: str):
        row = self._target(application_id)
        self.dialog = kind
        self.target_id = application_id
        self.target_label = f"受付番号 {application_id}　{row.project_name}" if row else f"受付番号 {application_id}"
        self.target_fee = row.fee_value if row else ""
        self.today = date.today().isoformat()
        self.field_errors = {}
        self.error = ""

    @rx.event
    def close_dialog(self, open_: bool = False):
        if not open_:
            self.dialog = ""

    @rx.event
    async def payment(self, form: dict[str, Any]):
        self._start()
        yield
        amount = fmt.parse_amount(str(form.get("amount", "")))
        try:
            await self._admin_api().admin_payment(self.target_id, str(form.get("paid_on", "")),
                                                  amount if amount is not None else "")
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.dialog = ""
        self.message = f"受付番号 {self.target_id} の入金を確認しました。"

    @rx.event
    async def conclude(self, application_id: str):
        self._start()
        yield
        try:
            result = await self._admin_api().admin_conclude(application_id)
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.message = f"受付番号 {application_id} の保証契約を締結しました（保証契約番号 {result.contract_number}）。"

    @rx.event
    async def reject(self, form: dict[str, Any]):
        self._start()
        yield
        try:
            await self._admin_api().admin_reject(self.target_id, str(form.get("reason", "")).strip())
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.dialog = ""
        self.message = f"受付番号 {self.target_id} を謝絶しました。"


class AdminCertificatesState(AdminState):
    query: str = ""
    status_filter: str = ""
    items: list[CertificateRow] = []
    dialog: str = ""  # "" | amend | cancel | reissue
    target: str = ""
    target_label: str = ""

    @rx.event
    async def load(self):
        self.dialog = ""
        async for update in self._load_page():
            yield update

    async def _refresh(self) -> None:
        page = await self._admin_api().admin_certificates(self.query, self.status_filter)
        self.items = [certificate_row(item) for item in page.items]

    @rx.event
    async def search(self, form: dict[str, Any]):
        self.query = str(form.get("q", "")).strip()
        self.status_filter = str(form.get("status", ""))
        self._start()
        yield
        try:
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False

    @rx.event
    def open_dialog(self, kind: str, number: str):
        row = next((r for r in self.items if r.contract_number == number), None)
        self.dialog = kind
        self.target = number
        self.target_label = f"保証契約番号 {number}　{row.project_name}" if row else f"保証契約番号 {number}"
        self.field_errors = {}
        self.error = ""

    @rx.event
    def close_dialog(self, open_: bool = False):
        if not open_:
            self.dialog = ""

    async def _act(self, call, done: str):
        self._start()
        yield
        try:
            await call
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.dialog = ""
        self.message = done

    @rx.event
    async def amend(self, form: dict[str, Any]):
        body = {
            "contract_amount": fmt.parse_amount(str(form.get("contract_amount", ""))),
            "guarantee_amount": fmt.parse_amount(str(form.get("guarantee_amount", ""))),
            "period_end": str(form.get("period_end", "")).strip() or None,
            "reason": str(form.get("reason", "")).strip(),
        }
        async for update in self._act(self._admin_api().admin_amend(self.target, body),
                                      f"保証契約番号 {self.target} の変更を登録しました（新しい版を発行）。"):
            yield update

    @rx.event
    async def cancel(self, form: dict[str, Any]):
        reason = str(form.get("reason", "")).strip()
        async for update in self._act(self._admin_api().admin_cancel(self.target, reason),
                                      f"保証契約番号 {self.target} を解約しました。"):
            yield update

    @rx.event
    async def reissue(self):
        async for update in self._act(self._admin_api().admin_reissue_key(self.target),
                                      f"保証契約番号 {self.target} の認証キーを再発行しました。旧キーは無効です。"):
            yield update


# --- master data, mail, audit ----------------------------------------------------------------


ORDERER_FIELDS = ("code", "name", "title", "orderer_class", "e_guarantee_from", "submission_email", "routing_note")


def orderer_body(form: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ORDERER_FIELDS:
        if name == "code" and not creating:
            continue
        value = str(form.get(name, "")).strip()
        if name in ("e_guarantee_from", "submission_email"):
            body[name] = value or None
        elif value or not creating:
            body[name] = value
    body["channels"] = [code for code in fmt.CHANNELS if form.get(f"channel_{code}") in ("on", True, "true", code)]
    templates = {}
    for code, name in (("advance", "subject_advance"), ("interim_advance", "subject_interim"),
                       ("contract", "subject_contract")):
        value = str(form.get(name, "")).strip()
        if value:
            templates[code] = value
    body["subject_templates"] = templates
    if not creating:
        body["active"] = form.get("active") in ("on", True, "true")
    return body


class OrderersState(AdminState):
    items: list[OrdererRow] = []
    dialog: str = ""  # "" | create | edit
    editing: OrdererRow = OrdererRow()

    @rx.event
    async def load(self):
        self.dialog = ""
        async for update in self._load_page():
            yield update

    async def _refresh(self) -> None:
        self.items = [orderer_row(o) for o in await self._admin_api().admin_orderers()]

    @rx.event
    def open_create(self):
        self.dialog = "create"
        self.editing = OrdererRow(orderer_class="prefecture", channels="", channel_codes="email")
        self.field_errors = {}
        self.error = ""

    @rx.event
    def open_edit(self, code: str):
        self.editing = next((row for row in self.items if row.code == code), OrdererRow(code=code))
        self.dialog = "edit"
        self.field_errors = {}
        self.error = ""

    @rx.event
    def close_dialog(self, open_: bool = False):
        if not open_:
            self.dialog = ""

    @rx.event
    async def save(self, form: dict[str, Any]):
        creating = self.dialog == "create"
        self._start()
        yield
        api = self._admin_api()
        try:
            if creating:
                saved = await api.admin_create_orderer(orderer_body(form, creating=True))
            else:
                saved = await api.admin_update_orderer(self.editing.code, orderer_body(form, creating=False))
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.dialog = ""
        self.message = f"発注者「{saved.name}」を{'登録' if creating else '更新'}しました。"


class MailState(AdminState):
    items: list[MailRow] = []

    @rx.event
    async def load(self):
        async for update in self._load_page():
            yield update

    async def _refresh(self) -> None:
        self.items = [
            MailRow(
                id=str(m.id or ""), recipient=m.to, subject=m.subject, status=m.status,
                status_label=fmt.label(fmt.MAIL_STATUS, m.status), status_tone=MAIL_TONES.get(m.status, "gray"),
                created=fmt.wareki_time(m.created_at), sent=fmt.wareki_time(m.sent_at), attempts=str(m.attempts),
                error=m.last_error,
            )
            for m in await self._admin_api().admin_mail()
        ]

    @rx.event
    async def retry(self, mail_id: str):
        self._start()
        yield
        try:
            await self._admin_api().admin_mail_retry(int(mail_id))
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.message = "再送を予約しました。"


AUDIT_PAGE = 100


def audit_row(entry) -> AuditRow:
    return AuditRow(
        seq=str(entry.seq), at=fmt.wareki_time(entry.at), action=entry.action,
        action_label=fmt.AUDIT_ACTIONS.get(entry.action, ""), actor=entry.actor,
        target=entry.target, address=entry.address,
        details="、".join(f"{k}={v}" for k, v in entry.details.items())[:200],
        hash=entry.hash[:12],
    )


class AuditState(AdminState):
    items: list[AuditRow] = []
    chain_ok: bool = True
    chain_text: str = ""
    action_filter: str = ""
    has_more: bool = False

    @rx.event
    async def load(self):
        if (redirect := self._needs_admin()) is not None:
            yield redirect
            return
        self.busy = True
        yield
        async for update in self._fetch():
            yield update

    async def _fetch(self, before_seq: int | None = None):
        api = self._admin_api()
        try:
            entries = await api.admin_audit(limit=AUDIT_PAGE, action=self.action_filter or None, before_seq=before_seq)
            report = await api.admin_audit_verify()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.chain_ok = report.ok
        self.chain_text = (f"ハッシュチェーンは正常です（{report.entries:,}件を検証）。" if report.ok else
                           f"ハッシュチェーンが seq={report.first_broken_seq} で途切れています。改ざんの可能性があります。")
        rows = [audit_row(entry) for entry in entries]
        self.items = [*self.items, *rows] if before_seq else rows
        self.has_more = len(entries) == AUDIT_PAGE
        self.busy = False
        self.loaded = True

    @rx.event
    async def filter(self, form: dict[str, Any]):
        self.action_filter = str(form.get("action", "")).strip()
        self.busy = True
        yield
        async for update in self._fetch():
            yield update

    @rx.event
    async def more(self):
        if not self.items:
            return
        self.busy = True
        yield
        async for update in self._fetch(before_seq=int(self.items[-1].seq)):
            yield update
