"""Admin dashboard state (surety-company staff): KPIs, queues and their actions, master data.

Every handler calls the API with the admin's token; the API decides what an admin may
do. The rows it keeps for the pages are built in ``frontend.admin.rows``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import reflex as rx

from frontend import fmt
from frontend.admin.rows import (
    APPLICATION_TABS,
    COMPANY_TABS,
    ApplicationRow,
    AuditRow,
    CertificateRow,
    ChangeAdminRow,
    CompanyRow,
    Kpi,
    LockRow,
    MailRow,
    OrdererRow,
    application_row,
    audit_row,
    certificate_row,
    change_admin_row,
    company_row,
    lock_row,
    mail_row,
    orderer_row,
)
from frontend.api import ApiError, DsureStats, Stats
from frontend.state import ADMIN, Face, ListPage, LoginForm, PageState, TwoFactorSetup, calls_api


class AdminState(PageState):
    """The admin dashboard's pages."""

    def _face(self) -> Face:
        return ADMIN


class AdminLoginState(AdminState, LoginForm):
    """The login page."""


# --- two-factor setup ----------------------------------------------------------------------


class TwoFactorState(AdminState, TwoFactorSetup):
    """二要素認証の設定: staff set it up at their first login; the page starts a setup each time it opens."""

    @calls_api(load=True)
    async def load(self):
        self._forget_totp_setup()
        api = self._face_api()
        self.totp_enabled = (await api.me()).totp_enabled
        if not self.totp_enabled:
            await self._start_totp_setup(api)


# --- dashboard ---------------------------------------------------------------------------


def monthly_chart(stats: Stats) -> list[dict[str, Any]]:
    """Recharts rows {month: 令和7年10月, 前払金保証: n, …} from the API's monthly issuance."""
    return [
        {"month": fmt.wareki_month(item.month),
         **{text: getattr(item, code) for code, text in fmt.GUARANTEE_TYPES.items()}}
        for item in stats.issuance_by_month
    ]


APPLICATION_KPI_CODES = ("submitted", "fee_notified", "concluded", "rejected", "withdrawn")
CERTIFICATE_KPI_CODES = ("valid", "cancelled", "expired")
MAIL_KPI_CODES = ("pending", "sent", "failed")
TOP_KPIS = (  # label, icon: the first row of cards
    ("承認待ちの登録", "user-check"),
    ("審査待ちの申込", "clipboard-list"),
    ("D-Sure閲覧（今月）", "eye"),
    ("照会停止中の保証契約番号", "lock"),
)
NOT_YET = "―"  # a card's value before the figures arrive


def _count(counts: dict[str, int] | None, codes, labels: dict[str, str], href: str = "") -> list[Kpi]:
    """One card per code; ``counts`` None: the cards as they stand before the figures arrive."""
    return [Kpi(fmt.label(labels, code), NOT_YET if counts is None else f"{counts.get(code, 0):,}件", "", "", href)
            for code in codes]


def _dsure_figures(dsure: DsureStats | None, waiting: str) -> tuple[tuple[str, str, str], ...]:
    """The two D-Sure cards: its views and its locked numbers, or that it cannot be reached."""
    if dsure is None:
        return (("接続不可", "・".join(filter(None, ["D-Sureに接続できません", waiting])), ""),
                (NOT_YET, "D-Sureに接続できません", ""))
    views = f"本日 {dsure.views_today:,}件・失敗(24時間) {dsure.failures_last_24h:,}件"
    return ((f"{dsure.views_this_month:,}件", "・".join(filter(None, [views, waiting])), ""),
            (f"{len(dsure.lockouts)}件", "、".join(lock.contract_number for lock in dsure.lockouts[:3])
             or "24時間に誤り100回で全体を停止", "#dsure-locks" if dsure.lockouts else ""))


class DashboardState(AdminState, ListPage):
    # Every card is drawn from the first paint with its label and a dash, so the figures arriving
    # move nothing (CLS); the chart's box keeps its height meanwhile (admin/dashboard.py).
    kpis: list[Kpi] = [Kpi(label, NOT_YET, "\u00a0", icon, "") for label, icon in TOP_KPIS]
    lockouts: list[LockRow] = []
    application_kpis: list[Kpi] = _count(None, APPLICATION_KPI_CODES, fmt.APPLICATION_STATUS)
    issued_kpis: list[Kpi] = _count(None, fmt.GUARANTEE_TYPES, fmt.GUARANTEE_TYPES)
    certificate_kpis: list[Kpi] = _count(None, CERTIFICATE_KPI_CODES, fmt.CERTIFICATE_STATUS)
    mail_kpis: list[Kpi] = _count(None, MAIL_KPI_CODES, fmt.MAIL_STATUS, "/admin/mail")
    chart: list[dict[str, Any]] = []
    chart_loaded: bool = False

    async def _refresh(self) -> None:
        api = self._face_api()
        stats = await api.admin_stats()
        backlog = await api.admin_dsure_publications()  # e-Net's own outbox: answers while D-Sure is down
        try:
            dsure = await api.admin_dsure_stats()
        except ApiError as exc:
            if exc.code != "unavailable":
                raise
            dsure = None
        awaiting_conclusion = sum(1 for a in await api.admin_applications("fee_notified") if a.paid_on)
        by_status = stats.applications_by_status
        waiting = f"D-Sure反映待ち {backlog.pending:,}件" if backlog.pending else ""
        oldest = stats.oldest_pending_registrations[:1]
        registrations = (f"最も古い申込み {fmt.ago(oldest[0].registered_at, datetime.now(timezone.utc))}" if oldest
                         else "e-Net保証のID登録")
        figures = (  # value, line below, link
            (f"{stats.pending_registrations:,}件", registrations, "/admin/registrations"),
            (f"{by_status.get('submitted', 0):,}件", f"入金確認済・締結待ち {awaiting_conclusion}件",
             "/admin/applications"),
            *_dsure_figures(dsure, waiting),
        )
        self.kpis = [Kpi(label, value, sub, icon, href)
                     for (label, icon), (value, sub, href) in zip(TOP_KPIS, figures, strict=True)]
        self.lockouts = [lock_row(lock) for lock in dsure.lockouts] if dsure else []
        self.application_kpis = _count(by_status, APPLICATION_KPI_CODES, fmt.APPLICATION_STATUS)
        self.issued_kpis = _count(stats.issued_this_month_by_type, fmt.GUARANTEE_TYPES, fmt.GUARANTEE_TYPES)
        self.certificate_kpis = _count(stats.certificates_by_status, CERTIFICATE_KPI_CODES, fmt.CERTIFICATE_STATUS)
        self.mail_kpis = _count(stats.mail_by_status, MAIL_KPI_CODES, fmt.MAIL_STATUS, "/admin/mail")
        self.chart = monthly_chart(stats)
        self.chart_loaded = True

    @calls_api()
    async def release_lock(self, contract_number: str):
        released = await self._face_api().admin_release_dsure_lock(contract_number)
        pairs = f"（個別の照会停止 {released.pairs_released}件も解除）" if released.pairs_released else ""
        await self._done(f"保証契約番号 {released.contract_number} の照会停止を解除しました{pairs}。")


# --- queues -------------------------------------------------------------------------------


NO_REASON = "理由を入力してください（お客様へのメールに記載されます）。"


class RegistrationsState(AdminState, ListPage):
    """登録の承認: the pending registrations (oldest first) and the companies by status, with
    approval, 差戻し・不承認 (a reason, read again before it is mailed), 利用停止 and 利用再開."""

    pending: list[CompanyRow] = []
    waiting: str = ""  # how many wait and since when
    tab: str = "active"
    companies: list[CompanyRow] = []  # the tab's
    counts: dict[str, int] = {}
    target_id: str = ""
    target_label: str = ""
    reason: str = ""  # the rejection's reason, shown again before it is sent

    async def _refresh(self) -> None:
        now = datetime.now(timezone.utc)
        companies = sorted(await self._face_api().admin_companies(), key=lambda c: c.created_at)
        rows = [company_row(company, now) for company in companies]
        self.pending = [row for row in rows if row.status == "pending"]
        self.waiting = (f"{len(self.pending)}件が承認を待っています。最も古い申込みは{self.pending[0].created}"
                        f"（{self.pending[0].age}）です。" if self.pending else "")
        self.counts = {code: sum(1 for row in rows if row.status == code) for code, _ in COMPANY_TABS}
        self.companies = [row for row in reversed(rows) if row.status == self.tab]  # the newest first

    @calls_api()
    async def set_tab(self, tab: str):
        self.tab = tab
        await self._refresh()

    @calls_api()
    async def approve(self, customer_id: str):
        company = await self._face_api().admin_approve(customer_id)
        await self._done(f"{company.company_name}（お客様ID {company.customer_id}）の登録を承認しました。")

    @rx.event
    def open_dialog(self, kind: str, customer_id: str):
        row = next((row for row in [*self.pending, *self.companies] if row.customer_id == customer_id), None)
        self.target_id = customer_id
        self.target_label = (f"お客様ID {customer_id}　{row.company_name}（{row.email}）" if row
                             else f"お客様ID {customer_id}")
        self.reason = ""
        self._open_dialog(kind)

    @rx.event
    def review_rejection(self, form: dict[str, Any]):
        """The reason typed: shown again, with whom it goes to, before anything is sent."""
        reason = str(form.get("reason", "")).strip()
        if not reason:
            self.field_errors = {"reason": NO_REASON}
            return
        self.reason = reason
        self._open_dialog("reject_confirm")

    @rx.event
    def edit_rejection(self):
        self._open_dialog("reject")  # the reason typed stays in the box (its default value)

    @calls_api()
    async def reject(self):
        company = await self._face_api().admin_reject_company(self.target_id, self.reason)
        await self._done(f"{company.company_name}（お客様ID {company.customer_id}）の登録を不承認とし、"
                         "理由をメールでお知らせしました。")

    @calls_api()
    async def suspend(self, form: dict[str, Any]):
        company = await self._face_api().admin_suspend_company(self.target_id, str(form.get("reason", "")).strip())
        await self._done(f"{company.company_name}（お客様ID {company.customer_id}）の利用を停止しました。"
                         "ログイン中のセッションは終了し、お客様へお知らせのメールを送りました。")

    @calls_api()
    async def resume(self, customer_id: str):
        company = await self._face_api().admin_resume_company(customer_id)
        await self._done(f"{company.company_name}（お客様ID {company.customer_id}）の利用を再開しました。"
                         "お客様へお知らせのメールを送りました。")


class AdminApplicationsState(AdminState, ListPage):
    tab: str = "submitted"
    items: list[ApplicationRow] = []
    counts: dict[str, int] = {}
    target_id: str = ""
    target_label: str = ""
    target_fee: str = ""
    today: str = ""

    async def _refresh(self) -> None:
        """The tab's list (GET /api/admin/applications?status=…) and the count on every tab.

        入金待ち and 締結待ち are both ``fee_notified`` on the API, told apart by ``paid_on``.
        """
        api = self._face_api()
        awaiting = [application_row(a) for a in await api.admin_applications("fee_notified")]
        if self.tab in ("fee_notified", "paid"):
            rows = [row for row in awaiting if row.status == self.tab]
        else:
            rows = [application_row(a) for a in await api.admin_applications(self.tab)]
        counts = dict((await api.admin_stats()).applications_by_status)
        counts[self.tab] = len(rows)
        counts["fee_notified"] = sum(1 for row in awaiting if row.status == "fee_notified")
        counts["paid"] = sum(1 for row in awaiting if row.status == "paid")
        self.counts = {code: counts.get(code, 0) for code, _ in APPLICATION_TABS}
        self.items = rows

    @calls_api()
    async def set_tab(self, tab: str):
        self.tab = tab
        await self._refresh()

    @calls_api()
    async def fee_notice(self, application_id: str):
        result = await self._face_api().admin_fee_notice(application_id)
        fee = f"（保証料 {fmt.yen(result.fee)}）" if result.fee is not None else ""
        await self._done(f"受付番号 {application_id} に保証料のお知らせを送りました{fee}。")

    @rx.event
    def open_dialog(self, kind: str, application_id: str):
        row = next((row for row in self.items if row.id == application_id), None)
        self.target_id = application_id
        self.target_label = f"受付番号 {application_id}　{row.project_name}" if row else f"受付番号 {application_id}"
        self.target_fee = row.fee_value if row else ""
        self.today = fmt.today().isoformat()
        self._open_dialog(kind)

    @calls_api()
    async def payment(self, form: dict[str, Any]):
        amount = fmt.parse_amount(str(form.get("amount", "")))
        await self._face_api().admin_payment(self.target_id, str(form.get("paid_on", "")),
                                             amount if amount is not None else "")
        await self._done(f"受付番号 {self.target_id} の入金を確認しました。")

    @calls_api()
    async def conclude(self, application_id: str):
        result = await self._face_api().admin_conclude(application_id)
        await self._done(f"受付番号 {application_id} の保証契約を締結しました（保証契約番号 {result.contract_number}）。")

    @calls_api()
    async def reject(self, form: dict[str, Any]):
        await self._face_api().admin_reject(self.target_id, str(form.get("reason", "")).strip())
        await self._done(f"受付番号 {self.target_id} を謝絶しました。")


class AdminChangesState(AdminState, ListPage):
    """変更・解約の審査: 保証料のお知らせ → 入金確認 (a 追加保証料 only) → 締結, or 謝絶; each after a confirmation."""

    tab: str = "submitted"
    items: list[ChangeAdminRow] = []
    target_id: str = ""
    target_label: str = ""
    target_fee: str = ""
    today: str = ""

    async def _refresh(self) -> None:
        self.items = [change_admin_row(item) for item in await self._face_api().admin_change_requests(self.tab)]

    @calls_api()
    async def set_tab(self, tab: str):
        self.tab = tab
        await self._refresh()

    @rx.event
    def open_dialog(self, kind: str, request_id: str):
        """notice | payment | conclude | reject, for one request of the list."""
        row = next((r for r in self.items if r.id == request_id), None)
        self.target_id = request_id
        self.target_label = f"変更申込 {request_id}　{row.number}　{row.project_name}　{row.asked}" if row else request_id
        self.target_fee = row.fee_value if row else ""
        self.today = fmt.today().isoformat()
        self._open_dialog(kind)

    @calls_api()
    async def fee_notice(self, _form: dict[str, Any]):
        result = await self._face_api().admin_change_fee_notice(self.target_id)
        label = {"additional": "追加保証料", "refund": "返還保証料"}.get(result.fee_kind, "保証料の増減なし")
        amount = f" {fmt.yen(result.amount)}" if result.amount else ""
        await self._done(f"変更申込 {self.target_id} の保証料のお知らせを送りました（{label}{amount}）。")

    @calls_api()
    async def payment(self, form: dict[str, Any]):
        amount = fmt.parse_amount(str(form.get("amount", "")))
        await self._face_api().admin_change_payment(self.target_id, str(form.get("paid_on", "")),
                                                    amount if amount is not None else "")
        await self._done(f"変更申込 {self.target_id} の追加保証料の入金を確認しました。")

    @calls_api()
    async def conclude(self, _form: dict[str, Any]):
        result = await self._face_api().admin_change_conclude(self.target_id)
        outcome = "解約しました" if result.status == "cancelled" else f"第{result.version}版を発行しました"
        await self._done(f"変更申込 {self.target_id} を締結し、保証契約番号 {result.contract_number} の{outcome}。")

    @calls_api()
    async def reject(self, form: dict[str, Any]):
        await self._face_api().admin_change_reject(self.target_id, str(form.get("reason", "")).strip())
        await self._done(f"変更申込 {self.target_id} を謝絶しました。")


class AdminCertificatesState(AdminState, ListPage):
    query: str = ""
    status_filter: str = ""
    items: list[CertificateRow] = []
    target: str = ""
    target_label: str = ""

    async def _refresh(self) -> None:
        page = await self._face_api().admin_certificates(self.query, self.status_filter)
        self.items = [certificate_row(item) for item in page.items]

    @calls_api()
    async def search(self, form: dict[str, Any]):
        self.query = str(form.get("q", "")).strip()
        self.status_filter = str(form.get("status", ""))
        await self._refresh()

    @rx.event
    def open_dialog(self, kind: str, number: str):
        row = next((r for r in self.items if r.contract_number == number), None)
        self.target = number
        self.target_label = f"保証契約番号 {number}　{row.project_name}" if row else f"保証契約番号 {number}"
        self._open_dialog(kind)

    @calls_api()
    async def amend(self, form: dict[str, Any]):
        body = {
            "contract_amount": fmt.parse_amount(str(form.get("contract_amount", ""))),
            "guarantee_amount": fmt.parse_amount(str(form.get("guarantee_amount", ""))),
            "period_end": str(form.get("period_end", "")).strip() or None,
            "reason": str(form.get("reason", "")).strip(),
        }
        await self._face_api().admin_amend(self.target, body)
        await self._done(f"保証契約番号 {self.target} の変更を登録しました（新しい版を発行）。")

    @calls_api()
    async def cancel(self, form: dict[str, Any]):
        await self._face_api().admin_cancel(self.target, str(form.get("reason", "")).strip())
        await self._done(f"保証契約番号 {self.target} を解約しました。")

    @calls_api()
    async def reissue(self):
        await self._face_api().admin_reissue_key(self.target)
        await self._done(f"保証契約番号 {self.target} の認証キーを再発行しました。旧キーは無効です。")


# --- master data, mail, audit ----------------------------------------------------------------


ORDERER_FIELDS = ("code", "name", "reading", "title", "orderer_class", "e_guarantee_from", "submission_email",
                  "routing_note")


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


class OrderersState(AdminState, ListPage):
    items: list[OrdererRow] = []
    editing: OrdererRow = OrdererRow()

    async def _refresh(self) -> None:
        self.items = [orderer_row(o) for o in await self._face_api().admin_orderers()]

    @rx.event
    def open_create(self):
        self.editing = OrdererRow(orderer_class="prefecture", channels="", channel_codes="email")
        self._open_dialog("create")

    @rx.event
    def open_edit(self, code: str):
        self.editing = next((row for row in self.items if row.code == code), OrdererRow(code=code))
        self._open_dialog("edit")

    @calls_api()
    async def save(self, form: dict[str, Any]):
        api = self._face_api()
        if self.dialog == "create":
            saved = await api.admin_create_orderer(orderer_body(form, creating=True))
            await self._done(f"発注者「{saved.name}」を登録しました。")
        else:
            saved = await api.admin_update_orderer(self.editing.code, orderer_body(form, creating=False))
            await self._done(f"発注者「{saved.name}」を更新しました。")


class MailState(AdminState, ListPage):
    items: list[MailRow] = []

    async def _refresh(self) -> None:
        self.items = [mail_row(m) for m in await self._face_api().admin_mail()]

    @calls_api()
    async def retry(self, mail_id: str):
        await self._face_api().admin_mail_retry(int(mail_id))
        await self._done("再送を予約しました。")


AUDIT_PAGE = 100


class AuditState(AdminState, ListPage):
    items: list[AuditRow] = []
    chain_ok: bool = True
    chain_text: str = ""
    action_filter: str = ""
    has_more: bool = False

    async def _refresh(self, before_seq: int | None = None) -> None:
        api = self._face_api()
        entries = await api.admin_audit(limit=AUDIT_PAGE, action=self.action_filter or None, before_seq=before_seq)
        report = await api.admin_audit_verify()
        self.chain_ok = report.ok
        self.chain_text = (f"ハッシュチェーンは正常です（{report.entries:,}件を検証）。" if report.ok else
                           f"ハッシュチェーンが seq={report.first_broken_seq} で途切れています。改ざんの可能性があります。")
        rows = [audit_row(entry) for entry in entries]
        self.items = [*self.items, *rows] if before_seq else rows
        self.has_more = len(entries) == AUDIT_PAGE

    @calls_api()
    async def filter(self, form: dict[str, Any]):
        self.action_filter = str(form.get("action", "")).strip()
        await self._refresh()

    @calls_api()
    async def more(self):
        if self.items:
            await self._refresh(before_seq=int(self.items[-1].seq))
