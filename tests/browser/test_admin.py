"""The admin dashboard in the browser (desktop): KPIs with data, the chart, queues and records."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from backend.lib.security import FORWARD_SECRET_FILE, FORWARD_SECRET_HEADER, FORWARDED_FOR_HEADER
from tests.browser.helpers import (
    ADMIN_LOGIN,
    login_admin,
    open_page,
    register_company,
    requires_api,
    screenshot,
    settle,
    wait_ready,
)
from tests.support.smtp import link_in, text_of

pytestmark = pytest.mark.browser


@requires_api("/api/admin/stats", "/api/admin/companies", "/api/admin/applications")
def test_dashboard_loads_with_data(server, desktop):
    page = desktop
    login_admin(page, server)
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    pending = page.locator(".kpi-card", has_text="承認待ちの登録")
    expect(pending).to_contain_text(re.compile(r"[1-9]\d*件"))  # hosho demo leaves one registration pending
    expect(page.locator(".kpi-card", has_text="契約締結")).to_contain_text(re.compile(r"[1-9]\d*件"))
    expect(page.locator(".recharts-surface").first).to_be_visible()
    expect(page.get_by_text("統計API（/api/admin/stats）が未提供")).to_have_count(0)
    screenshot(page, "admin-00-dashboard")


# Layout shifts of the page so far, as CLS counts them (not those right after an input).
LAYOUT_SHIFT = """() => new Promise(done => { let total = 0;
    new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
        .observe({type: "layout-shift", buffered: true});
    setTimeout(() => done(total), 300); })"""


@requires_api("/api/admin/stats", "/api/admin/dsure/stats", "/api/admin/dsure/publications")
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}])
def test_the_dashboard_keeps_its_layout_while_the_figures_arrive(server, desktop, viewport):
    """Every card is on the first paint with its label; the figures fill in without moving anything."""
    page = desktop
    page.set_viewport_size(viewport)
    login_admin(page, server)
    page.goto("/admin")  # a fresh load: the prerendered page first, then the figures
    expect(page.locator(".kpi-card", has_text="承認待ちの登録")).to_contain_text(re.compile(r"\d+件"))
    expect(page.locator(".recharts-surface").first).to_be_visible()
    shift = page.evaluate(LAYOUT_SHIFT)
    assert shift < 0.1, shift


def test_admin_pages_refuse_a_contractor_and_need_login(server, desktop):
    page = desktop
    open_page(page, "/admin")
    page.wait_for_url("**/admin/login")
    wait_ready(page)
    page.get_by_label("ログインID").fill(server.demo["customer_id"])
    page.get_by_label("パスワード").fill(server.demo["password"])
    page.get_by_role("button", name="ログインする").click()
    expect(page.get_by_text("管理画面の利用権限がありません", exact=False)).to_be_visible()


@requires_api("/api/admin/orderers", "/api/admin/orderers/{code}", "/api/orderers")
def test_orderer_master_editor(server, desktop):
    page = desktop
    login_admin(page, server)
    open_page(page, "/admin/orderers")
    row = page.locator("tr", has_text="鳥取県建設技術センター")
    expect(row).to_contain_text("令和7年10月1日")
    page.get_by_role("button", name="発注者を追加").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("発注者コード").fill("ui-test-city")
    dialog.get_by_label("発注者区分").select_option("municipality")
    dialog.get_by_label("名称", exact=True).fill("テスト市")
    dialog.get_by_label("宛名（職名）").fill("テスト市長")
    dialog.get_by_label("電子保証の対象開始日").fill("2026-04-01")
    dialog.get_by_label("電子メール").check()
    dialog.get_by_role("button", name="保存する").click()
    # e-mail chosen without an address: the API's message appears next to the field
    expect(dialog.locator("#ord-submission_email-error")).to_contain_text("提出先メールアドレス")
    dialog.get_by_label("提出先メールアドレス").fill("keiyaku@test-city.example.jp")
    dialog.get_by_label("件名テンプレート（契約保証）").fill("【契約保証】{工事名}")
    dialog.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("発注者「テスト市」を登録しました。")).to_be_visible()
    expect(page.locator("tr", has_text="テスト市")).to_contain_text("令和8年4月1日")
    screenshot(page, "admin-02-orderers")

    page.get_by_role("button", name="発注者 テスト市 を編集").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("名称", exact=True)).to_have_value("テスト市")
    dialog.get_by_label("電子保証の対象開始日").fill("")
    dialog.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("発注者「テスト市」を更新しました。")).to_be_visible()
    expect(page.locator("tr", has_text="テスト市")).to_contain_text("書面のみ")

    # A success message belongs to its visit: gone after going elsewhere and coming back.
    open_page(page, "/admin/mail")
    open_page(page, "/admin/orderers")
    page.locator("#orderer-list tbody tr").first.wait_for()
    expect(page.get_by_text("発注者「テスト市」を更新しました。")).to_have_count(0)


@requires_api("/api/admin/orderers")
def test_orderers_in_gojuon_order_and_searchable(server, desktop):
    page = desktop
    login_admin(page, server)
    open_page(page, "/admin/orderers")
    rows = page.locator("#orderer-list tbody tr")
    expect(rows.first).to_contain_text("いちき串木野市")  # いちき… before えたじま… (not by romanised code)
    texts = rows.all_inner_texts()
    position = {name: next(i for i, text in enumerate(texts) if name in text) for name in ("江田島市", "五島市", "福岡県")}
    assert position["江田島市"] < position["五島市"] < position["福岡県"], texts  # えた… < ごと… < ふく…
    page.get_by_label("発注者を検索").fill("フクオカ")  # katakana finds the hiragana reading
    expect(rows.filter(visible=True)).to_have_count(1)
    expect(rows.filter(visible=True)).to_contain_text("福岡県")
    page.get_by_label("発注者を検索").fill("")
    expect(rows.filter(visible=True).first).to_contain_text("いちき串木野市")


@requires_api("/api/admin/mail", "/api/admin/audit", "/api/admin/audit/verify", "/api/admin/certificates")
def test_mail_audit_and_certificate_search(server, desktop):
    page = desktop
    login_admin(page, server)
    open_page(page, "/admin/mail")
    expect(page.locator("tbody tr").first).to_be_visible()
    expect(page.get_by_text("送信済").first).to_be_visible()  # delivered to the suite's SMTP server (aiosmtpd)
    screenshot(page, "admin-03-mail")

    open_page(page, "/admin/audit")
    expect(page.locator("#audit-chain")).to_contain_text("ハッシュチェーンは正常です")
    expect(page.get_by_text(ADMIN_LOGIN).first).to_be_visible()
    screenshot(page, "admin-04-audit", full_page=False)

    open_page(page, "/admin/certificates")
    expect(page.locator("tbody tr").first).to_be_visible()
    page.get_by_label("状態").select_option("cancelled")
    page.get_by_role("button", name="検索").click()
    expect(page.locator("tbody tr", has_text="解約").first).to_be_visible()
    screenshot(page, "admin-05-certificates")


@requires_api("/api/admin/certificates/{number}/amend", "/api/admin/certificates/{number}/cancel")
def test_amend_and_cancel_certificates(server, desktop):
    page = desktop
    login_admin(page, server)
    open_page(page, "/admin/certificates")
    valid = page.locator("tbody tr", has_text="有効").filter(has_text="前払金保証").first
    number = valid.locator(".hs-mono").first.inner_text().strip()
    valid.get_by_role("button", name="変更").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("保証期限（工期の終期）").fill((date.today() + timedelta(days=400)).isoformat())
    dialog.get_by_role("button", name="変更を登録する").click()
    expect(dialog.locator("#amend-reason-error")).to_be_visible()  # the reason is required: said next to it
    dialog.get_by_label("変更理由").fill("設計変更による工期延長")
    dialog.get_by_role("button", name="変更を登録する").click()
    expect(page.get_by_text(f"保証契約番号 {number} の変更を登録しました", exact=False)).to_be_visible()
    expect(page.locator("tbody tr", has_text=number)).to_contain_text(re.compile(r"第[2-9]版"))

    paper = page.locator("tbody tr", has_text="有効").filter(has_text="国道9号").first
    paper_number = paper.locator(".hs-mono").first.inner_text().strip()
    paper.get_by_role("button", name="解約").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("解約の理由").fill("契約解除のため")
    dialog.get_by_role("button", name="解約する").click()
    expect(page.get_by_text(f"保証契約番号 {paper_number} を解約しました。")).to_be_visible()
    expect(page.locator("tbody tr", has_text=paper_number)).to_contain_text("解約")
    expect(page.get_by_role("dialog")).to_have_count(0)
    screenshot(page, "admin-06-certificates-amended")


NEW_STAFF = "ui-new-staff"
NEW_STAFF_PASSWORD = "Shinjin-Hosho-2026"


def _not_a_current_code(secret: str) -> str:
    """A six-digit code no step near now gives (so it is surely refused)."""
    import time

    import pyotp

    near = {pyotp.TOTP(secret).at(time.time() + 30 * k) for k in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222") if code not in near)


def test_new_staff_set_up_two_factor_then_log_in_with_codes(server, desktop, new_page):
    from tests.support.totp import Authenticator

    server.hosho("create-admin", "--login", NEW_STAFF, "--display-name", "新人 職員", stdin=NEW_STAFF_PASSWORD + "\n")
    page = desktop
    # 1. The first login: the password alone, then the setup page (nothing else works before).
    open_page(page, "/admin/login")
    expect(page.get_by_label("確認コード")).to_be_visible()
    page.get_by_label("ログインID").fill(NEW_STAFF)
    page.get_by_label("パスワード").fill(NEW_STAFF_PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/admin/two-factor")
    wait_ready(page)
    expect(page.get_by_text("二要素認証（認証アプリの確認コード）を設定してください")).to_be_visible()
    qr = page.get_by_role("img", name="認証アプリに読み取らせるQRコード")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    expect(page.locator("#totp-secret")).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$"))
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    authenticator = server.authenticators[NEW_STAFF] = Authenticator(secret)
    # The QR code is the otpauth:// URI of the secret shown beside it (what an authenticator app scans).
    import pyotp
    import segno

    uri = pyotp.TOTP(secret).provisioning_uri(name=NEW_STAFF, issuer_name="電子保証")
    assert qr.get_attribute("src") == segno.make(uri, error="m", micro=False).svg_data_uri(scale=5, border=4)
    screenshot(page, "admin-07-two-factor-setup")

    # 2. A wrong code is refused next to the field; the app's code turns it on and shows the recovery codes.
    page.get_by_label("確認コード").fill(_not_a_current_code(secret))
    page.get_by_role("button", name="設定する").click()
    expect(page.locator("#totp-otp-error")).to_contain_text("確認コードが正しくありません")
    page.get_by_label("確認コード").fill(authenticator.code())
    page.get_by_role("button", name="設定する").click()
    expect(page.get_by_text("二要素認証を設定しました")).to_be_visible()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", recovery)
    screenshot(page, "admin-08-recovery-codes")
    page.get_by_role("link", name="ダッシュボードへ").click()
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()

    # 3. From now on the password alone is not enough; a wrong code is refused, the app's code or a
    #    recovery code (once) lets the person in.
    other = new_page()
    open_page(other, "/admin/login")
    other.get_by_label("ログインID").fill(NEW_STAFF)
    other.get_by_label("パスワード").fill(NEW_STAFF_PASSWORD)
    other.get_by_role("button", name="ログインする").click()
    expect(other.locator("#admin-otp-error")).to_contain_text("確認コード")
    other.get_by_label("確認コード").fill(_not_a_current_code(secret))
    other.get_by_role("button", name="ログインする").click()
    expect(other.locator("#admin-otp-error")).to_contain_text("確認コードが正しくありません")
    assert "/admin/login" in other.url
    other.get_by_label("確認コード").fill(recovery)
    other.get_by_role("button", name="ログインする").click()
    other.wait_for_url("**/admin")
    expect(other.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    login_admin(new_page(), server, NEW_STAFF, NEW_STAFF_PASSWORD)

    # 4. A lost phone: another admin resets it with `hosho create-admin --reset-totp`; the sessions end
    #    and the next login sets it up again (nobody stays locked out).
    server.hosho("create-admin", "--login", NEW_STAFF, "--reset-totp", stdin=NEW_STAFF_PASSWORD + "\n")
    again = new_page()
    open_page(again, "/admin/login")
    again.get_by_label("ログインID").fill(NEW_STAFF)
    again.get_by_label("パスワード").fill(NEW_STAFF_PASSWORD)
    again.get_by_role("button", name="ログインする").click()
    again.wait_for_url("**/admin/two-factor")
    wait_ready(again)
    expect(again.locator("#totp-secret")).to_be_visible()
    assert again.locator("#totp-secret").inner_text().replace(" ", "") != secret  # a new secret
    open_page(page, "/admin/registrations")  # the session from before the reset has ended
    page.wait_for_url("**/admin/login")


@requires_api("/api/admin/dsure/stats", "/api/admin/dsure/locks/{number}/release", "/api/dsure/verify")
def test_a_number_locked_for_everybody_is_listed_and_released(server, desktop):
    """100 wrong tries from 100 addresses lock a number for everybody; staff see it and lift it."""
    number, headers = "2079999999", {FORWARD_SECRET_HEADER: (server.data_dir / FORWARD_SECRET_FILE).read_bytes().hex()}
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for n in range(100):  # each from its own address: no (number, address) pair reaches 5
            answer = client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": "2" * 10},
                                 headers={**headers, FORWARDED_FOR_HEADER: f"192.0.2.{n}"})
            assert answer.status_code in (404, 429), answer.text
        assert client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": "3" * 10},
                           headers={**headers, FORWARDED_FOR_HEADER: "198.51.100.1"}).status_code == 429
    page = desktop
    login_admin(page, server)
    locks = page.get_by_role("region", name="D-Sure 照会停止中の保証契約番号")
    expect(locks).to_contain_text(number)
    expect(locks).to_contain_text("存在しない番号への照会")
    expect(page.locator(".kpi-card", has_text="照会停止中の保証契約番号")).to_contain_text("1件")
    screenshot(page, "admin-01-dsure-lock")
    locks.get_by_role("button", name=f"保証契約番号 {number} の照会停止を解除").click()
    page.get_by_role("alertdialog").get_by_role("button", name="解除する").click()
    expect(page.get_by_role("alert").filter(has_text=f"保証契約番号 {number} の照会停止を解除しました")).to_be_visible()
    expect(locks).to_have_count(0)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        after = client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": "3" * 10},
                            headers={**headers, FORWARDED_FOR_HEADER: "198.51.100.1"})
    assert after.status_code == 404  # answered again (an unknown number), not locked


COMPANY_PASSWORD = "Shinsa-Passw0rd-2026"
REJECTION_REASON = "建設業許可番号が確認できませんでした。\n許可通知書のとおりご入力のうえ、改めてお申込みください。"
SUSPENSION_REASON = "ご登録のメールアドレスへの連絡が届かないため"


@requires_api("/api/admin/companies/{customer_id}/reject", "/api/admin/companies/{customer_id}/suspend",
              "/api/admin/companies/{customer_id}/resume")
def test_reject_approve_suspend_and_resume_registrations(server, desktop):
    """Two registrations: one refused with a reason (mailed), one approved, suspended while logged in
    (its session ends, mailed) and resumed (it logs in again)."""
    refused_mail, kept_mail = "soumu@sashimodoshi.example.jp", "keiri@teishi-kensetsu.example.jp"
    refused = register_company(server, refused_mail, "差戻し工業株式会社", COMPANY_PASSWORD)
    kept = register_company(server, kept_mail, "停止建設株式会社", COMPANY_PASSWORD)
    page = desktop
    page.set_viewport_size({"width": 1280, "height": 900})
    login_admin(page, server)
    expect(page.locator(".kpi-card", has_text="承認待ちの登録")).to_contain_text(re.compile(r"最も古い申込み (たった今|\d+(分|時間|日)前)"))
    screenshot(page, "admin-09-dashboard-pending-age", full_page=False)
    open_page(page, "/admin/registrations")
    pending = page.locator("#pending-registrations")
    expect(pending.locator("#pending-summary")).to_contain_text(re.compile(r"\d+件が承認を待っています。最も古い申込みは令和"))
    ids = [row.get_attribute("data-customer-id") for row in pending.locator("tbody tr").all()]
    assert ids.index(refused) < ids.index(kept), ids  # the oldest first
    expect(pending.locator(f"tr[data-customer-id='{kept}']")).to_contain_text(re.compile(r"(たった今|\d+分前)"))
    screenshot(page, "admin-10-registrations")

    # 1. 差戻し・不承認: the reason is required, read again, then mailed.
    page.get_by_role("button", name=f"お客様ID {refused} 差戻し工業株式会社 を差戻し・不承認").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("お客様（申込者）へメールで送られます")
    expect(dialog).to_contain_text(refused_mail)
    dialog.get_by_role("button", name="内容を確認する").click()
    expect(dialog.locator("#creject-reason-error")).to_contain_text("理由を入力してください")
    dialog.get_by_label("差戻し・不承認の理由").fill(REJECTION_REASON)
    dialog.get_by_role("button", name="内容を確認する").click()
    expect(dialog.locator("#rejection-reason")).to_have_text(REJECTION_REASON)
    settle(page)
    screenshot(page, "admin-11-reject-confirm", full_page=False)
    dialog.get_by_role("button", name="戻って直す").click()  # back: what was typed is still there
    expect(dialog.get_by_label("差戻し・不承認の理由")).to_have_value(REJECTION_REASON)
    dialog.get_by_role("button", name="内容を確認する").click()
    dialog.get_by_role("button", name="不承認としてメールを送る").click()
    expect(page.get_by_text(f"（お客様ID {refused}）の登録を不承認とし、理由をメールでお知らせしました。")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(pending.locator(f"tr[data-customer-id='{refused}']")).to_have_count(0)
    mail = server.mailbox.wait_for(refused_mail, "ご登録の申請について")
    assert REJECTION_REASON in text_of(mail).replace("\r\n", "\n")
    assert link_in(mail, "/register") == f"{server.url}/register"

    # 2. The other is approved and logs in (a live session through the API).
    page.get_by_role("button", name=f"お客様ID {kept} 停止建設株式会社 を承認する").click()
    expect(page.get_by_text(f"（お客様ID {kept}）の登録を承認しました")).to_be_visible()
    token = server.login(kept, COMPANY_PASSWORD)
    with server.api(token) as contractor:
        assert contractor.get("/api/auth/me").status_code == 200

    # 3. 利用停止 from the 利用中 list: the dialog says the sessions end and a mail goes; the session then answers 401.
    companies = page.locator("#companies")
    expect(companies.get_by_role("button", name=re.compile("^利用中 "))).to_have_attribute("aria-pressed", "true")
    row = companies.locator(f"tr[data-customer-id='{kept}']")
    expect(row).to_contain_text("利用中")
    row.get_by_role("button", name=f"お客様ID {kept} 停止建設株式会社 を利用停止").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("ログイン中のセッションは直ちに終了")
    expect(dialog).to_contain_text("利用停止のお知らせをメールで送ります")
    dialog.get_by_label("停止の理由").fill(SUSPENSION_REASON)
    settle(page)
    screenshot(page, "admin-12-suspend-dialog", full_page=False)
    dialog.get_by_role("button", name="利用停止する").click()
    expect(page.get_by_text(f"（お客様ID {kept}）の利用を停止しました。")).to_be_visible()
    with server.api(token) as contractor:
        assert contractor.get("/api/auth/me").status_code == 401
    mail = server.mailbox.wait_for(kept_mail, "ご利用を一時停止しました")
    assert SUSPENSION_REASON in text_of(mail)
    with server.api() as anonymous:  # no login while suspended
        assert anonymous.post("/api/auth/login", json={"login_id": kept, "password": COMPANY_PASSWORD}).status_code == 403

    # 4. Found again under 停止中 (badge, reason) and resumed after a confirmation; it logs in again.
    companies.get_by_role("button", name=re.compile("^利用停止中 ")).click()
    row = companies.locator(f"tr[data-customer-id='{kept}']")
    expect(row).to_contain_text("利用停止中")
    expect(row).to_contain_text(SUSPENSION_REASON)
    screenshot(page, "admin-13-suspended")
    row.get_by_role("button", name=f"お客様ID {kept} 停止建設株式会社 を利用再開").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("利用再開のお知らせをメールで送ります")
    confirm.get_by_role("button", name="利用再開する").click()
    expect(page.get_by_text(f"（お客様ID {kept}）の利用を再開しました。")).to_be_visible()
    expect(row).to_have_count(0)  # gone from 停止中
    server.mailbox.wait_for(kept_mail, "ご利用を再開しました")
    with server.api(server.login(kept, COMPANY_PASSWORD)) as contractor:
        assert contractor.get("/api/auth/me").status_code == 200

    # 5. The refused one is under 不承認, with its reason.
    companies.get_by_role("button", name=re.compile("^不承認 ")).click()
    row = companies.locator(f"tr[data-customer-id='{refused}']")
    expect(row).to_contain_text("不承認")
    expect(row).to_contain_text("建設業許可番号が確認できませんでした。")

    # 6. On a phone: the page and its lists fit, the tables scroll inside their boxes.
    page.set_viewport_size({"width": 390, "height": 844})
    companies.get_by_role("button", name=re.compile("^利用中 ")).click()
    expect(companies.locator(f"tr[data-customer-id='{kept}']")).to_contain_text("利用中")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "admin-14-registrations-phone")
    page.locator("#pending-registrations tbody tr[data-customer-id]").first.get_by_role(
        "button", name=re.compile("差戻し・不承認$")).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    settle(page)
    screenshot(page, "admin-15-reject-dialog-phone", full_page=False)
    page.get_by_role("dialog").get_by_role("button", name="やめる").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
