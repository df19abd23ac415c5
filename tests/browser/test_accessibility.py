"""axe-core over every page and state, at a phone (390 px) and a desktop (1280 px) width.

DESIGN §8: no serious or critical violation anywhere. axe-core comes from the npm registry
(``scripts/setup.sh test`` installs it into ``.tools/``) and is injected into each page by
Playwright. One browser; each page is visited once per width, its states reached in place.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ROOT, login_admin, login_contractor, open_page, requires_api, settle

pytestmark = [pytest.mark.browser, requires_api("/api/dsure/verify", "/api/certificates/{number}/auth-key")]

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LOCK_NUMBER = "2079999901"  # an unknown number locks like a known one (same answer, same throttle)

_RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — " + (n.failureSummary || ""))}));
}"""


class Audit:
    """Runs axe on the page as it is now and keeps what it found, named by state."""

    def __init__(self, width: str) -> None:
        self.width = width
        self.found: dict[str, list[dict]] = {}
        self.states: list[str] = []

    def __call__(self, page, state: str) -> None:
        page.wait_for_load_state("networkidle")
        settle(page)  # a dialog faded in, not half-way
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        self.states.append(state)
        violations = page.evaluate(_RUN_AXE)
        if violations:
            self.found[state] = violations

    def report(self) -> str:
        lines = []
        for state, violations in self.found.items():
            for violation in violations:
                lines.append(f"[{self.width}] {state}: {violation['impact']} {violation['id']} ({violation['help']})")
                lines.extend(f"      {node}" for node in violation["nodes"])
        return "\n".join(lines)


@pytest.fixture(scope="module")
def demo_certificate(server) -> dict:
    token = server.login(server.demo["customer_id"], server.demo["password"])
    with server.api(token) as api:
        items = api.get("/api/certificates", params={"status": "valid", "limit": 50}).json()["items"]
        item = next((i for i in items if i["delivery"] == "electronic"), None)
        assert item is not None, "hosho demo seeds valid electronic certificates; none found"
        item["auth_key"] = api.get(f"/api/certificates/{item['contract_number']}/auth-key").json()["auth_key"]
    return item


def _dsure(page, audit: Audit, certificate: dict) -> None:
    open_page(page, "/dsure")
    audit(page, "/dsure (empty)")
    page.get_by_label("保証契約番号").fill(certificate["contract_number"])
    page.get_by_label("認証キー").fill(certificate["auth_key"])
    page.get_by_role("button", name="閲覧する").click()
    page.locator("#result").wait_for()
    audit(page, "/dsure (result)")
    page.get_by_role("button", name="別の電子証書を確認する").click()
    page.get_by_label("保証契約番号").fill(LOCK_NUMBER)
    key_box, button = page.get_by_label("認証キー"), page.get_by_role("button", name="閲覧する")
    locked = page.get_by_role("alert").filter(has_text="分後")
    for attempt in range(6):  # five failures lock the (number, address) pair; the next width finds it locked
        key_box.fill(f"WRONG{attempt:05d}")
        button.click()
        expect(page.get_by_role("alert").first).to_be_visible()
        expect(button).to_be_enabled()
        if locked.count():
            break
    expect(locked).to_be_visible()
    audit(page, "/dsure (locked)")


# The pages before a login: the password and お客様ID requests, and the reset link's page.
RECOVERY_PAGES = ["/forgot-password", "/forgot-id", "/password-reset"]


def _recovery(page, audit: Audit) -> None:
    for path in RECOVERY_PAGES:
        open_page(page, path)
        page.locator("main h1").first.wait_for()
        audit(page, path)
    open_page(page, "/forgot-id")
    page.get_by_role("button", name="お客様IDをメールで受け取る").click()  # no address: the error beside the box
    expect(page.locator("[aria-invalid='true']").first).to_be_attached()
    audit(page, "/forgot-id (errors)")
    page.get_by_label("メールアドレス").fill("nobody@a11y.example.jp")  # unknown: the same neutral answer, no mail
    page.get_by_role("button", name="お客様IDをメールで受け取る").click()
    page.get_by_role("link", name="ログイン画面へ").wait_for()
    audit(page, "/forgot-id (answer)")
    open_page(page, "/password-reset?token=not-a-token-of-ours")  # a link as the mail has it
    page.get_by_label("新しいパスワード", exact=True).fill("Kensa-Hosho-2026")
    page.get_by_label("新しいパスワード（確認）").fill("Kensa-Hosho-2026")
    page.get_by_role("button", name="パスワードを設定する").click()
    page.get_by_role("link", name="再設定をもう一度申し込む").wait_for()
    audit(page, "/password-reset (link refused)")


def _enet(page, audit: Audit, server, certificate: dict) -> None:
    open_page(page, "/login")
    audit(page, "/login")
    open_page(page, "/register")
    audit(page, "/register")
    _recovery(page, audit)
    login_contractor(page, server.demo["customer_id"], server.demo["password"])
    audit(page, "/applications")
    open_page(page, "/applications/new")
    page.get_by_role("button", name="この内容で申し込む").click()
    expect(page.locator("[aria-invalid='true']").first).to_be_attached()
    audit(page, "/applications/new (errors)")
    open_page(page, "/certificates")
    page.locator(".certificate-item").first.wait_for()
    audit(page, "/certificates")
    open_page(page, f"/certificates/{certificate['contract_number']}")
    page.get_by_role("button", name=re.compile("^認証キー")).first.click()
    page.locator("#auth-key").wait_for()
    audit(page, "/certificates/[number] (key shown)")
    open_page(page, "/account")
    page.get_by_role("button", name="パスワードを変更する").click()  # nothing typed: the errors beside the boxes
    page.locator("#pw-error-summary").wait_for()
    audit(page, "/account (password errors)")
    page.get_by_role("button", name="二段階認証を設定する").click()  # started, never confirmed: the next start replaces it
    page.locator("#totp-secret").wait_for()
    audit(page, "/account (two-factor setup)")


ADMIN_PAGES = ["/admin", "/admin/registrations", "/admin/applications", "/admin/change-requests", "/admin/certificates",
               "/admin/orderers", "/admin/mail", "/admin/audit"]


def _two_factor_setup(page, audit: Audit, server, width: str) -> None:
    """A new staff member's first login: the setup page (QR code, secret, code) and its recovery codes."""
    from tests.support.totp import Authenticator

    login_id, password = f"ui-a11y-{width}", "Kensa-Hosho-2026"
    server.hosho("create-admin", "--login", login_id, stdin=password + "\n")
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/admin/two-factor")
    page.locator("#totp-secret").wait_for()
    audit(page, "/admin/two-factor (setup)")
    page.get_by_label("確認コード").fill(Authenticator(page.locator("#totp-secret").inner_text().replace(" ", "")).code())
    page.get_by_role("button", name="設定する").click()
    page.locator("#recovery-codes li").first.wait_for()
    audit(page, "/admin/two-factor (recovery codes)")
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/admin/login")


def _admin(page, audit: Audit, server, width: str) -> None:
    open_page(page, "/admin/login")
    audit(page, "/admin/login")
    _two_factor_setup(page, audit, server, width)
    login_admin(page, server)
    for path in ADMIN_PAGES:
        if path != "/admin":
            open_page(page, path)
        page.locator("main h1").first.wait_for()
        audit(page, path)
    _registration_dialogs(page, audit)


def _registration_dialogs(page, audit: Audit) -> None:
    """/admin/registrations with its dialogs open (each closed with やめる, nothing sent)."""
    open_page(page, "/admin/registrations")
    page.locator("#pending-registrations").get_by_role("button", name=re.compile("差戻し・不承認$")).first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="内容を確認する").click()  # no reason: the error beside the box
    dialog.locator("#creject-reason-error").wait_for()
    audit(page, "/admin/registrations (reject dialog, error)")
    dialog.get_by_label("差戻し・不承認の理由").fill("建設業許可番号が確認できませんでした。")
    dialog.get_by_role("button", name="内容を確認する").click()
    dialog.locator("#rejection-reason").wait_for()
    audit(page, "/admin/registrations (reject confirmation)")
    page.keyboard.press("Escape")  # the confirmation's way out is 戻って直す; Esc closes it too
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.locator("#companies").get_by_role("button", name=re.compile("利用停止$")).first.click()
    page.get_by_role("dialog").get_by_label("停止の理由").wait_for()
    audit(page, "/admin/registrations (suspend dialog)")
    page.get_by_role("dialog").get_by_role("button", name="やめる").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_or_critical_axe_violation(server, browser, demo_certificate, width):
    assert AXE.exists(), "axe-core missing: run scripts/setup.sh test"
    audit = Audit(width)
    context = browser.new_context(viewport=WIDTHS[width], locale="ja-JP", timezone_id="Asia/Tokyo",
                                  base_url=server.url)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        _dsure(page, audit, demo_certificate)
        _enet(page, audit, server, demo_certificate)
        _admin(page, audit, server, width)
    finally:
        context.close()
    assert len(audit.states) == 3 + 8 + len(RECOVERY_PAGES) + 3 + 1 + 2 + len(ADMIN_PAGES) + 3
    assert not audit.found, "axe-core found serious or critical violations:\n" + audit.report()
