"""e-Net保証 in the browser: the contractor's whole journey, with the clerk's steps in between."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    login_admin,
    login_contractor,
    open_page,
    register_company,
    requires_api,
    screenshot,
    wait_ready,
)
from tests.support.smtp import link_in, text_of
from tests.support.totp import Authenticator

pytestmark = pytest.mark.browser

PASSWORD = "Kouji-Passw0rd-2025"
NEW_PASSWORD = "Atarashii-Kagi-2026"
TOTTORI = "tottori-kgc"  # 鳥取県建設技術センター: electronic certificates from 令和7年10月1日


def _iso(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _labelled_controls_missing(page) -> list[str]:
    """Visible inputs, selects and textareas without a label (or aria-label)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id || el.outerHTML.slice(0, 80))"""
    )


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _approved_contractor(server, email: str, company_name: str) -> str:
    """A contractor registered and approved through the API, for the journeys that start at the login page."""
    customer_id = register_company(server, email, company_name, PASSWORD)
    with server.clerk() as staff:
        assert staff.post(f"/api/admin/companies/{customer_id}/approve").status_code == 200
    return customer_id


def _log_out(page) -> None:
    page.get_by_role("button", name="ログアウト", exact=True).click()
    page.wait_for_url("**/login")
    wait_ready(page)


@requires_api(
    "/api/auth/register", "/api/admin/companies/{customer_id}/approve", "/api/applications",
    "/api/admin/applications/{application_id}/fee-notice", "/api/admin/applications/{application_id}/payment",
    "/api/admin/applications/{application_id}/conclude", "/api/certificates/{number}/auth-key",
    "/api/certificates/{number}/documents/{kind}", "/api/dsure/verify",
)
def test_register_apply_conclude_reveal_key_and_download_the_notice(server, phone, new_page, tmp_path: Path):
    page = phone
    # 1. Registration (phone): the pending message shows the お客様ID issued.
    open_page(page, "/register")
    page.get_by_label("商号（会社名）").fill("株式会社テスト土木")
    page.get_by_label("代表者").fill("代表取締役 試験 太郎")
    page.get_by_label("所在地").fill("鳥取県鳥取市尚徳町101番地")
    page.get_by_label("電話番号").fill("0857-26-0000")
    page.get_by_label("建設業許可番号").fill("鳥取県知事許可（般-7）第9999号")
    page.get_by_label("メールアドレス").fill("genba@test-doboku.example.jp")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_label("パスワード（確認）").fill(PASSWORD)
    assert _labelled_controls_missing(page) == []
    page.get_by_role("button", name="登録を申し込む").click()
    expect(page.get_by_text("ご登録を受け付けました")).to_be_visible()
    expect(page.get_by_text("承認待ち", exact=False)).to_be_visible()
    customer_id = page.locator("#issued-customer-id").inner_text().strip()
    assert re.fullmatch(r"\d{8}", customer_id)
    screenshot(page, "enet-01-registered")
    received = server.mailbox.wait_for("genba@test-doboku.example.jp", "ご登録の申請を受け付けました")
    assert customer_id in received["Subject"] and f"お客様ID：{customer_id}" in text_of(received)
    assert PASSWORD not in text_of(received)

    # 2. The clerk approves the registration in the dashboard.
    admin = new_page()
    login_admin(admin, server)
    open_page(admin, "/admin/registrations")
    admin.get_by_role("button", name=f"お客様ID {customer_id} 株式会社テスト土木 を承認").click()
    expect(admin.get_by_text(f"（お客様ID {customer_id}）の登録を承認しました")).to_be_visible()

    # 3. The approval mail's link to the first login, then apply (phone).
    approval = server.mailbox.wait_for("genba@test-doboku.example.jp", "ご登録を承認しました")
    assert f"お客様ID：{customer_id}" in text_of(approval)
    login_link = link_in(approval, "/login")
    assert login_link == f"{server.url}/login"
    login_contractor(page, customer_id, PASSWORD, login_page=login_link)
    open_page(page, "/applications/new")
    page.get_by_label("契約保証", exact=True).click()
    expect(page.get_by_label("保証金額（円）")).to_be_visible()  # the amount box follows the type
    page.get_by_label("前払金保証", exact=True).click()
    expect(page.get_by_label("前払金保証", exact=True)).to_be_checked()
    page.get_by_label("発注者", exact=True).select_option(TOTTORI)
    expect(page.locator("#orderer-electronic-note")).to_contain_text("令和7年10月1日以降に入札公告")
    page.get_by_label("工事番号").fill("R8-UI-001")
    page.get_by_label("工事名").fill("県道テスト線道路改良工事")
    page.get_by_label("工事場所").fill("鳥取県鳥取市テスト町地内")
    page.get_by_label("請負代金額（円）").fill("30,000,000")
    page.get_by_label("前払金額（円）").fill("12000000")
    page.get_by_label("預託金融機関（金融機関名）").fill("鳥取銀行")
    page.get_by_label("預託金融機関（支店名）").fill("県庁支店")
    page.get_by_label("契約日").fill(_iso(-5))
    page.get_by_label("入札公告日").fill(_iso(-20))
    page.get_by_label("工期（始期）").fill(_iso(-4))
    page.get_by_label("工期（終期）").fill(_iso(150))
    expect(page.get_by_label("電子交付を希望する")).to_be_checked()
    page.get_by_label("連絡事項").fill("ブラウザテストからの申込みです。")
    assert _labelled_controls_missing(page) == []
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-02-application-form")
    page.get_by_role("button", name="この内容で申し込む").click()
    page.wait_for_url("**/applications")
    expect(page.get_by_text(re.compile(r"お申込みを受け付けました（受付番号 \d+）"))).to_be_visible()
    card = page.locator(".application-card", has_text="県道テスト線道路改良工事")
    expect(card.locator('.hs-step[data-state="done"]', has_text="申込受付")).to_be_visible()
    expect(card.locator('.hs-step[data-state="current"]', has_text="保証料のお知らせ")).to_be_visible()
    screenshot(page, "enet-03-applications")

    # 4. The clerk: fee notice, payment, conclusion.
    open_page(admin, "/admin/applications")
    row = admin.locator("tr", has_text="県道テスト線道路改良工事")
    row.get_by_role("button", name="保証料を通知").click()
    admin.get_by_role("alertdialog").get_by_role("button", name="通知する").click()  # asked first
    expect(admin.get_by_text("保証料のお知らせを送りました")).to_be_visible()
    admin.get_by_role("button", name=re.compile("^入金待ち")).click()
    row.get_by_role("button", name="入金確認").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog.get_by_label("入金額（円）")).not_to_have_value("")
    dialog.get_by_role("button", name="入金を確認する").click()
    expect(admin.get_by_text("の入金を確認しました")).to_be_visible()
    admin.get_by_role("button", name=re.compile("^締結待ち")).click()
    row.get_by_role("button", name="締結する").click()
    confirm = admin.get_by_role("alertdialog")
    expect(confirm).to_contain_text("取り消せません")
    confirm.get_by_role("button", name="締結する").click()
    concluded = admin.get_by_text(re.compile(r"保証契約番号 \d{10}"))
    expect(concluded).to_be_visible()
    number = re.search(r"\d{10}", concluded.inner_text()).group(0)
    screenshot(admin, "admin-01-applications-concluded")

    # 5. The contractor sees the certificate, reveals the key and gets the notice PDF.
    open_page(page, "/applications")
    expect(card.locator('.hs-step[data-state="done"]', has_text="契約締結")).to_be_visible()
    open_page(page, "/certificates")
    item = page.locator(".certificate-item", has_text="県道テスト線道路改良工事")
    expect(item).to_contain_text(number)
    expect(item).to_contain_text("発注者未閲覧")
    screenshot(page, "enet-04-certificates")
    item.click()
    page.wait_for_url(f"**/certificates/{number}")
    expect(page.get_by_text("を誤ってご提出しないようご注意ください", exact=False)).to_be_visible()
    page.get_by_role("button", name="認証キーを表示").click()  # shows the key, downloads nothing
    key = page.locator("#auth-key").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", key)
    expect(page.get_by_text("発注者がD-Sure（発注者用保証確認サービス）において電子証書を閲覧するために必要となる暗証番号",
                            exact=False)).to_be_visible()
    expect(page.locator("#key-notice-important")).to_contain_text("【重要】")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="認証キーをコピー").click()
    expect(page.locator("#auth-key-copied")).to_have_text("認証キーをコピーしました。")
    assert page.evaluate("navigator.clipboard.readText()") == key
    with page.expect_download() as download_info:
        page.get_by_role("button", name="認証キー等のお知らせ（PDF）をダウンロード").click()
    download = download_info.value
    assert download.suggested_filename == f"認証キー等のお知らせ_{number}.pdf"  # a Japanese name
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-05-certificate-key")
    # 「発注者へ送付」 first shows what will be sent: recipient, the orderer's subject, the attachment.
    page.get_by_role("button", name="発注者へ送付").click()
    preview = page.get_by_role("alertdialog")
    expect(preview.locator("#send-preview-to")).to_have_text("keiyaku@tottori-kgc.example.jp")
    expect(preview.locator("#send-preview-subject")).to_contain_text("県道テスト線道路改良工事")
    expect(preview.locator("#send-preview-attachment")).to_have_text(f"認証キー等のお知らせ_{number}.pdf")
    preview.get_by_label(re.compile("控えを自社のアドレス")).check()
    screenshot(page, "enet-05b-send-preview")
    preview.get_by_role("button", name="送付する").click()
    expect(page.get_by_text("keiyaku@tottori-kgc.example.jp 宛に「認証キー等のお知らせ」の送信を受け付けました",
                            exact=False)).to_be_visible()
    # A second send warns first and becomes a confirmed resend.
    page.get_by_role("button", name="発注者へ送付").click()
    expect(page.get_by_role("alertdialog").get_by_text("送付済みです", exact=False)).to_be_visible()
    expect(page.get_by_role("alertdialog").get_by_role("button", name="再送する")).to_be_visible()
    page.get_by_role("alertdialog").get_by_role("button", name="やめる").click()
    open_page(admin, "/admin/mail")
    expect(admin.locator("tbody tr", has_text="keiyaku@tottori-kgc.example.jp").first).to_be_visible()
    # The ticked 控え went to the contractor's own address.
    expect(admin.locator("tbody tr", has_text="genba@test-doboku.example.jp").filter(has_text="【控え】")).to_have_count(1)

    # 6. The orderer opens D-Sure with the notice; the contractor then sees 発注者閲覧済.
    orderer = new_page(PHONE)
    open_page(orderer, f"/dsure?no={number}")
    expect(orderer.get_by_label("保証契約番号")).to_have_value(number)
    orderer.get_by_label("認証キー").fill(key.lower())  # as typed from the PDF, in lower case
    orderer.get_by_role("button", name="閲覧する").click()
    expect(orderer.get_by_text("県道テスト線道路改良工事").first).to_be_visible()
    viewed = page.get_by_text("発注者閲覧済", exact=False).first
    for _ in range(10):  # D-Sure writes its view log in small batches
        page.reload()
        wait_ready(page)
        if viewed.is_visible():
            break
        page.wait_for_timeout(500)
    expect(viewed).to_be_visible()


@requires_api("/api/applications", "/api/orderers")
def test_application_form_shows_the_apis_messages_next_to_the_fields(server, phone):
    page = phone
    login_contractor(page, server.demo["customer_id"], server.demo["password"])
    open_page(page, "/applications/new")
    page.get_by_label("発注者", exact=True).select_option(TOTTORI)
    page.get_by_label("工事名").fill("検証用工事")
    page.get_by_label("工事場所").fill("鳥取市")
    page.get_by_label("請負代金額（円）").fill("10000000")
    page.get_by_label("前払金額（円）").fill("5000000")  # 50%: over the 40% limit
    page.get_by_label("契約日").fill(_iso(-5))
    page.get_by_label("入札公告日").fill(_iso(-20))
    page.get_by_label("工期（始期）").fill(_iso(-4))
    page.get_by_label("工期（終期）").fill(_iso(100))
    page.get_by_role("button", name="この内容で申し込む").click()
    advance = page.get_by_label("前払金額（円）")
    expect(advance).to_have_attribute("aria-invalid", "true")
    message = page.locator("#apply-amount-error")
    expect(message).to_contain_text("40%")
    expect(message).to_contain_text("金4,000,000円")
    screenshot(page, "enet-06-form-errors")

    # A paper-only orderer: choosing 電子交付 is refused on the 受取方法 field, naming the reason.
    page.get_by_label("前払金額（円）").fill("4000000")
    page.get_by_label("発注者", exact=True).select_option("tottori-east")
    expect(page.locator("#orderer-electronic-note")).to_contain_text("書面のみ")
    expect(page.get_by_label("書面", exact=True)).to_be_checked()  # switched for a paper-only orderer
    page.get_by_label("電子交付を希望する").click()
    expect(page.get_by_label("電子交付を希望する")).to_be_checked()
    page.get_by_role("button", name="この内容で申し込む").click()
    expect(page.locator("#apply-delivery-error")).to_contain_text("書面")


def test_login_refuses_a_wrong_password_politely(server, phone):
    page = phone
    open_page(page, "/login")
    page.get_by_label("お客様ID").fill(server.demo.get("customer_id", "00000000"))
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログインする").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert "/login" in page.url
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-00-login-error")


def test_pages_need_login_and_fit_a_small_phone(server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP", base_url=server.url)
    page = context.new_page()
    try:
        open_page(page, "/certificates")
        page.wait_for_url("**/login")
        expect(page.get_by_text("ログインしてください")).to_be_visible()
        login_contractor(page, server.demo["customer_id"], server.demo["password"])
        for path in ("/applications", "/applications/new", "/certificates", "/account"):
            open_page(page, path)
            page.wait_for_load_state("networkidle")
            _no_sideways_scroll(page, 360)
            assert _labelled_controls_missing(page) == []
        expect(page.locator("main").get_by_text("因幡建設株式会社").first).to_be_visible()
        screenshot(page, "enet-07-account-360px")
        page.get_by_role("button", name="ログアウトする").click()
        page.wait_for_url("**/login")
        expect(page.get_by_text("ログアウトしました")).to_be_visible()
    finally:
        context.close()


@requires_api("/api/applications", "/api/applications/{application_id}/withdraw")
def test_withdraw_an_application_after_confirming(server, phone):
    token = server.login(server.demo["customer_id"], server.demo["password"])
    body = {
        "guarantee_type": "contract", "orderer_code": TOTTORI, "project_name": "取下げ確認用工事",
        "project_location": "鳥取市", "contract_amount": 20_000_000, "guarantee_amount": 2_000_000,
        "contract_date": _iso(-3), "period_start": _iso(-2), "period_end": _iso(60), "bid_announced_on": _iso(-15),
        "delivery": "paper",
    }
    with server.api(token) as api:
        created = api.post("/api/applications", json=body)
        assert created.status_code == 201, created.text
        application_id = str(created.json()["id"])
    page = phone
    login_contractor(page, server.demo["customer_id"], server.demo["password"])
    page.get_by_role("button", name=f"受付番号 {application_id} のお申込みを取り下げる").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("元に戻せません")
    dialog.get_by_role("button", name="取り下げる").click()
    expect(page.get_by_text(f"受付番号 {application_id} のお申込みを取り下げました。")).to_be_visible()
    card = page.locator(".application-card", has_text="取下げ確認用工事")
    expect(card.locator('.hs-step[data-state="stopped"]', has_text="取下げ")).to_be_visible()


@requires_api("/api/certificates/{number}/reissue-key", "/api/certificates/{number}/auth-key")
def test_reissue_the_key_from_the_certificate_page(server, desktop):
    token = server.login(server.demo["customer_id"], server.demo["password"])
    with server.api(token) as api:
        items = api.get("/api/certificates", params={"status": "valid", "limit": 50}).json()["items"]
        number = next(i["contract_number"] for i in items if i["delivery"] == "electronic")
        old_key = api.get(f"/api/certificates/{number}/auth-key").json()["auth_key"]
    page = desktop
    login_contractor(page, server.demo["customer_id"], server.demo["password"])
    open_page(page, f"/certificates/{number}")
    page.get_by_role("button", name="認証キーを再発行する").click()
    page.get_by_role("alertdialog").get_by_role("button", name="再発行する").click()
    expect(page.get_by_text("認証キーを再発行しました", exact=False)).to_be_visible()
    new_key = page.locator("#auth-key").inner_text().replace("-", "")
    assert re.fullmatch(r"[0-9A-Z]{10}", new_key) and new_key != old_key
    screenshot(page, "enet-08-certificate-desktop")


def test_an_unknown_address_gets_a_helpful_page(server, phone):
    phone.goto("/no-such-page")
    expect(phone.get_by_text("お探しのページが見つかりませんでした")).to_be_visible()
    expect(phone.get_by_role("link", name="D-Sure（発注者の方）")).to_be_visible()


def test_the_form_lists_every_error_at_the_top_and_takes_the_focus(server, phone):
    """The API's errors list: each message beside its field, and a summary above the form that gets
    the focus and links to each field (the link moves the focus into the field)."""
    page = phone
    open_page(page, "/register")
    page.get_by_label("商号（会社名）").fill("株式会社まとめて確認")
    page.get_by_label("メールアドレス").fill("not-an-address")
    page.get_by_role("button", name="登録を申し込む").click()
    summary = page.locator("#reg-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("入力内容をご確認ください")
    links = summary.get_by_role("link")
    expect(links.first).to_be_visible()
    # As many links as the API's errors list names fields (all of them once the API lists every one).
    assert links.count() == page.locator("#reg-error-summary li").count() >= 1
    for index in range(links.count()):
        target = links.nth(index).get_attribute("href").rsplit("#", 1)[-1]
        expect(page.locator(f"#{target}-error")).to_have_text(links.nth(index).inner_text())
    email_link = summary.get_by_role("link", name=re.compile("メールアドレス"))
    email_link.click()
    expect(page.get_by_label("メールアドレス")).to_be_focused()
    screenshot(page, "enet-09-error-summary")


def test_a_contractor_turns_on_two_factor_and_then_gives_the_code_after_the_password(server, phone):
    """Contractors may turn two-factor on from お客様情報 (QR code, secret, a first code, the recovery
    codes once); the login page then asks for the code (on a phone)."""
    customer_id = _approved_contractor(server, "soumu@totp-kensetsu.example.jp", "二要素建設株式会社")
    page = phone
    login_contractor(page, customer_id, PASSWORD)
    open_page(page, "/account")
    section = page.locator("section", has=page.get_by_role("heading", name="二段階認証"))
    expect(section).to_contain_text("未設定")
    page.get_by_role("button", name="二段階認証を設定する").click()
    secret = page.locator("#totp-secret")
    expect(secret).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$"))
    expect(page.get_by_role("img", name="認証アプリに読み取らせるQRコード")).to_be_visible()
    authenticator = Authenticator(secret.inner_text().replace(" ", ""))
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-10-two-factor-setup")
    page.get_by_label("確認コード").fill("00000")  # no app shows five digits (and no step of the app is spent)
    page.get_by_role("button", name="設定する", exact=True).click()
    expect(page.locator("#totp-otp-error")).to_be_visible()  # beside its box
    page.get_by_label("確認コード").fill(authenticator.code())
    page.get_by_role("button", name="設定する", exact=True).click()
    codes = page.locator("#recovery-codes li")
    expect(codes.first).to_be_visible()
    assert codes.count() >= 8
    expect(page.get_by_text("二段階認証を設定しました")).to_be_visible()
    screenshot(page, "enet-11-recovery-codes")
    page.get_by_role("button", name="回復コードを控えました").click()
    expect(codes).to_have_count(0)
    expect(section).to_contain_text("設定済み")
    server.authenticators[customer_id] = authenticator
    _log_out(page)

    expect(page.get_by_label("確認コード")).to_have_count(0)  # nobody sees the field before the password
    page.get_by_label("お客様ID").fill(customer_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    expect(page.locator("#login-otp-error")).to_contain_text("確認コード")
    # Full-width digits from a phone's keyboard count as the ASCII ones.
    page.get_by_label("確認コード").fill(server.otp(customer_id).translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/applications")
    screenshot(page, "enet-12-two-factor-login")


def test_change_the_password_on_the_account_page(server, phone):
    """The rule shows before anything is typed; each refusal appears beside its box; the change ends the
    other sessions (not this one) and is mailed; the new password logs in."""
    email = "keiri@henkou-kogyo.example.jp"
    customer_id = _approved_contractor(server, email, "変更工業株式会社")
    elsewhere = server.login(customer_id, PASSWORD)  # the same login on another device
    page = phone
    login_contractor(page, customer_id, PASSWORD)
    open_page(page, "/account")
    expect(page.locator("#pw-new_password-hint")).to_contain_text("10文字以上")
    current, new, again = (page.get_by_label("現在のパスワード"), page.get_by_label("新しいパスワード", exact=True),
                           page.get_by_label("新しいパスワード（確認）"))
    submit = page.get_by_role("button", name="パスワードを変更する")

    current.fill("Machigai-Passw0rd-1")
    new.fill(NEW_PASSWORD)
    again.fill(NEW_PASSWORD)
    submit.click()
    expect(page.locator("#pw-current_password-error")).to_contain_text("現在のパスワードが正しくありません")
    expect(current).to_have_attribute("aria-invalid", "true")
    current.fill(PASSWORD)
    new.fill("password1234")
    again.fill("password1234")
    submit.click()
    expect(page.locator("#pw-new_password-error")).to_contain_text("よく使われて")
    expect(page.locator("#pw-error-summary")).to_be_focused()
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-13-password-change-error")
    new.fill(NEW_PASSWORD)
    again.fill(NEW_PASSWORD + "x")
    submit.click()
    expect(page.locator("#pw-new_password_confirm-error")).to_contain_text("一致しません")
    again.fill(NEW_PASSWORD)
    submit.click()
    expect(page.get_by_text("パスワードを変更しました", exact=False)).to_be_visible()
    expect(current).to_have_value("")  # the form is emptied
    expect(page.locator("#pw-current_password-error")).to_have_count(0)

    with server.api(elsewhere) as other_device:
        assert other_device.get("/api/auth/me").status_code == 401
    open_page(page, "/applications")  # this browser stays logged in
    expect(page).to_have_url(re.compile(r"/applications$"))
    notice = server.mailbox.wait_for(email, "パスワードを変更しました")
    assert customer_id in text_of(notice) and NEW_PASSWORD not in text_of(notice)
    _log_out(page)
    login_contractor(page, customer_id, NEW_PASSWORD)


def test_forgotten_id_and_password_by_mail_on_a_phone(server, phone):
    """From the login page's links: the お客様ID by mail, then a reset link by mail, opened on the phone;
    the new password logs in, and the same link a second time is refused politely."""
    email = "jimu@wasure-kensetsu.example.jp"
    customer_id = _approved_contractor(server, email, "忘れ物建設株式会社")
    page = phone
    open_page(page, "/login")
    page.get_by_role("link", name="お客様IDを忘れた方").click()
    page.wait_for_url("**/forgot-id")
    wait_ready(page)
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_role("button", name="お客様IDをメールで受け取る").click()
    expect(page.get_by_text("ご登録のものであれば", exact=False)).to_be_visible()  # the same for any address
    reminder = server.mailbox.wait_for(email, "お客様IDのお知らせ")
    assert f"お客様ID：{customer_id}" in text_of(reminder)

    page.get_by_role("link", name="ログイン画面へ").click()
    page.wait_for_url("**/login")
    wait_ready(page)
    page.get_by_role("link", name="パスワードを忘れた方").click()
    page.wait_for_url("**/forgot-password")
    wait_ready(page)
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_role("button", name="再設定のメールを送る").click()
    expect(page.get_by_text("パスワード再設定のご案内をお送りしました", exact=False)).to_be_visible()
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-14-reset-requested")
    mail = server.mailbox.wait_for(email, "パスワード再設定のご案内")
    link = link_in(mail, "/password-reset")
    assert link.startswith(f"{server.url}/password-reset?token=")

    open_page(page, link)
    expect(page.locator("#newpw-new_password-hint")).to_contain_text("10文字以上")  # before any failure
    page.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("新しいパスワード（確認）").fill(NEW_PASSWORD)
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-15-reset-form")
    page.get_by_role("button", name="パスワードを設定する").click()
    expect(page.get_by_role("heading", name="新しいパスワードを設定しました")).to_be_visible()
    page.get_by_role("link", name="ログイン画面へ").click()
    page.wait_for_url("**/login")
    wait_ready(page)
    page.get_by_label("お客様ID").fill(customer_id)
    page.get_by_label("パスワード").fill(NEW_PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/applications")

    # The link a second time: refused with what to do instead, on the page it opens.
    open_page(page, link)
    page.get_by_label("新しいパスワード", exact=True).fill("Mou-Ichido-2026x")
    page.get_by_label("新しいパスワード（確認）").fill("Mou-Ichido-2026x")
    page.get_by_role("button", name="パスワードを設定する").click()
    expect(page.get_by_role("alert").filter(has_text="有効期限（30分）")).to_be_visible()
    expect(page.get_by_role("link", name="再設定をもう一度申し込む")).to_be_visible()
    expect(page.get_by_label("新しいパスワード", exact=True)).to_have_count(0)
    _no_sideways_scroll(page, PHONE["width"])
    screenshot(page, "enet-16-reset-link-used")
