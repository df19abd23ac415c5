"""The display rows the pages render: the application timeline and the certificate's content."""

from __future__ import annotations

import msgspec

from frontend.api import Application
from frontend.enet.rows import application_steps, application_view
from frontend.views import snapshot_rows


# An application as GET /api/applications sends it (every field the API always sends).
SUBMITTED = {
    "id": 7, "guarantee_type": "advance", "guarantee_type_label": "前払金保証", "status": "submitted",
    "status_label": "申込受付", "created_at": "2025-10-01T01:00:00Z", "orderer_code": "31000",
    "orderer_name": "鳥取県", "orderer_project_number": None, "project_name": "○○道路改良工事",
    "project_location": "鳥取市", "contract_amount": 55_000_000, "advance_amount": 22_000_000,
    "guarantee_amount": 22_000_000, "contract_date": "2025-10-10", "period_start": "2025-10-11",
    "period_end": "2026-03-19", "bid_announced_on": "2025-09-01", "delivery": "electronic", "notes": "",
    "fee": None, "fee_notified_at": None, "paid_on": None, "paid_amount": None, "contract_number": None,
    "rejected_reason": None, "timeline": [
        {"step": "submitted", "label": "申込受付", "on": "2025-10-01", "done": True},
        {"step": "fee_notified", "label": "保証料のお知らせ", "on": None, "done": False},
        {"step": "paid", "label": "入金確認", "on": None, "done": False},
        {"step": "concluded", "label": "契約締結", "on": None, "done": False},
    ],
}


def _application(**fields) -> Application:
    return msgspec.convert({**SUBMITTED, **fields}, Application, strict=False)


def _states(steps) -> list[tuple[str, str]]:
    return [(step.label, step.state) for step in steps]


def test_the_timeline_follows_the_apis_steps():
    paid = _application(status="fee_notified", fee=15_439, paid_on="2025-10-05", timeline=[
        {"step": "submitted", "label": "申込受付", "on": "2025-10-01", "done": True},
        {"step": "fee_notified", "label": "保証料のお知らせ", "on": "2025-10-02", "done": True},
        {"step": "paid", "label": "入金確認", "on": "2025-10-05", "done": True},
        {"step": "concluded", "label": "契約締結", "on": None, "done": False},
    ])
    assert _states(application_steps(paid)) == [
        ("申込受付", "done"), ("保証料のお知らせ", "done"), ("入金確認", "done"), ("契約締結", "current"),
    ]
    view = application_view(paid)
    assert view.status_label == "入金確認済" and view.paid and not view.can_withdraw
    assert view.steps[2].date == "10月5日"


def test_a_rejected_application_stops_where_it_was():
    rejected = _application(status="rejected", rejected_reason="保証金額の確認が取れないため。", timeline=[
        *SUBMITTED["timeline"], {"step": "rejected", "label": "謝絶", "on": "2025-10-03", "done": True},
    ])
    assert _states(application_steps(rejected)) == [
        ("申込受付", "done"), ("謝絶", "stopped"), ("入金確認", "todo"), ("契約締結", "todo"),
    ]
    assert "保証金額の確認が取れないため。" in application_view(rejected).message


def test_snapshot_rows_in_the_order_of_the_paper_certificate():
    snapshot = {
        "contract_number": "2070004426", "guarantee_type": "advance", "guarantee_type_label": "前払金保証",
        "issued_on": "2025-10-20",
        "orderer": {"code": "x", "name": "鳥取県", "title": "鳥取県知事"},
        "contractor": {"customer_id": "12345678", "company_name": "因幡建設株式会社", "representative": "因幡 一郎",
                       "address": "鳥取市"},
        "surety": {"name": "西日本建設業保証株式会社", "office_code": "207"},
        "project": {"name": "○○道路改良工事", "location": "鳥取市", "orderer_project_number": None,
                    "contract_amount": 55_000_000, "contract_date": "2025-10-10", "period_start": "2025-10-11",
                    "period_end": "2026-03-19"},
        "guarantee": {"amount": 22_000_000, "period_start": "2025-10-11", "period_end": "2026-03-19"},
        "terms": {"name": "前払金保証約款", "version": "令和6年4月版"},
    }
    rows = {row.label: row.value for row in snapshot_rows(snapshot)}
    assert rows["保証金額"] == "金22,000,000円"
    assert rows["工期"] == "令和7年10月11日 ～ 令和8年3月19日"
    assert rows["発注者（被保証者）"] == "鳥取県知事　鳥取県"
    assert rows["工事番号"] == "―"
    assert list(rows)[:2] == ["保証契約番号", "保証の種類"]


def test_content_rows_name_the_bank_license_and_surety():
    from backend.documents.contexts import sample_snapshot

    rows = {row.label: row.value for row in snapshot_rows(sample_snapshot(guarantee_type="interim_advance"))}
    assert rows["預託金融機関"] == "鳥取銀行　県庁支店"
    assert rows["建設業許可番号"] == "鳥取県知事許可（特-5）第1234号"
    assert rows["保証事業会社"] == "西日本建設業保証株式会社　代表取締役社長　保証　一郎"
    assert rows["前払金保証の保証契約番号"] == "2070004400" and rows["中間前払金の認定日"] == "令和8年1月15日"


def test_an_unpaid_fee_shows_where_and_by_when_to_pay():
    view = application_view(_application(status="fee_notified", fee=173_589, payment_due_on="2026-12-16",
                                         payment_account="○○銀行 本店営業部 普通 1234567"))
    assert view.payment == "振込先：○○銀行 本店営業部 普通 1234567　支払期限：令和8年12月16日"


def test_the_dashboards_dsure_cards_say_when_dsure_cannot_be_reached():
    from frontend.admin.state import _dsure_figures
    from frontend.api import DsureStats

    down = _dsure_figures(None, "D-Sure反映待ち 3件")
    assert down[0] == ("接続不可", "D-Sureに接続できません・D-Sure反映待ち 3件", "")
    assert down[1][1] == "D-Sureに接続できません"
    up = _dsure_figures(DsureStats(views_today=2, views_this_month=40, failures_last_24h=1, lockouts=[]), "")
    assert up[0] == ("40件", "本日 2件・失敗(24時間) 1件", "")
    assert up[1] == ("0件", "24時間に誤り100回で全体を停止", "")


def test_a_company_row_says_its_badge_its_age_and_when_it_changed():
    from datetime import datetime, timezone

    from frontend.admin.rows import company_row
    from frontend.api import Company

    company = msgspec.convert({
        "customer_id": "12345678", "company_name": "停止建設株式会社", "representative": "代表取締役 審査 花子",
        "address": "鳥取県米子市", "phone": "0859-22-0000", "email": "keiri@teishi.example.jp",
        "license_number": "鳥取県知事許可（般-6）第1234号", "status": "suspended",
        "created_at": "2025-10-01T01:00:00Z", "approved_at": "2025-10-02T01:00:00Z",
        "status_reason": "連絡が届かないため", "status_changed_at": "2025-10-03T06:30:00Z",
    }, Company)
    row = company_row(company, datetime(2025, 10, 4, 4, 0, tzinfo=timezone.utc))
    assert (row.status_label, row.status_tone, row.reason) == ("利用停止中", "amber", "連絡が届かないため")
    assert row.age == "3日前" and row.created == "令和7年10月1日 10:00"
    assert row.changed == "停止 令和7年10月3日 15:30"
    pending = company_row(msgspec.structs.replace(company, status="pending", approved_at=None, status_changed_at=None,
                                                  status_reason=""), datetime(2025, 10, 1, 6, 0, tzinfo=timezone.utc))
    assert (pending.status_label, pending.age, pending.changed) == ("承認待ち", "5時間前", "")
