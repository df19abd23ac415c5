"""A change request from the contractor's phone (390 px) to the new version on D-Sure."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import login_admin, login_contractor, open_page, requires_api, screenshot, wait_ready
from tests.support.pdf import compact, pdf_text

pytestmark = pytest.mark.browser


@requires_api("/api/certificates/{number}/change-requests", "/api/admin/change-requests")
def test_period_extension_from_the_phone_to_the_new_version_on_dsure(server, phone, new_page, tmp_path):
    page = phone
    login_contractor(page, server.demo["customer_id"], server.demo["password"])
    open_page(page, "/certificates")
    # The demo's 第4工区 certificate is valid, with one concluded change and none open: the form is offered.
    page.locator(".certificate-item", has_text="第4工区").first.click()
    page.wait_for_url(re.compile(r".*/certificates/\d{10}$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    form = page.locator("form", has=page.get_by_role("button", name="この内容で申し込む"))
    expect(form).to_be_visible()
    form.get_by_label("変更後の保証期限（工期の終期）").fill(f"{date.today().year + 1}-09-30")
    form.get_by_label("理由").fill("工期延長（ブラウザテスト）")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "enet-07-change-request")
    form.get_by_role("button", name="この内容で申し込む").click()
    expect(page.get_by_text("変更のお申込みを受け付けました", exact=False)).to_be_visible()
    expect(page.locator(".change-request", has_text="工期延長（ブラウザテスト）")).to_contain_text("申込受付")

    admin = new_page()
    login_admin(admin, server)
    open_page(admin, "/admin/change-requests")
    row = admin.locator("tr", has_text=number).filter(has_text="工期延長（ブラウザテスト）")
    row.get_by_role("button", name="保証料を通知").click()
    admin.get_by_role("dialog").get_by_role("button", name="通知する").click()  # a confirmation first
    expect(admin.get_by_text("保証料のお知らせを送りました（追加保証料", exact=False)).to_be_visible()
    admin.get_by_role("button", name="お知らせ済").click()
    row.get_by_role("button", name="入金確認").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog.get_by_label("入金額（円）")).not_to_have_value("")
    dialog.get_by_role("button", name="入金を確認する").click()
    expect(admin.get_by_text("追加保証料の入金を確認しました", exact=False)).to_be_visible()
    row.get_by_role("button", name="締結する").click()
    admin.get_by_role("dialog").get_by_role("button", name="締結する").click()
    concluded = admin.get_by_text(re.compile(r"を締結し、保証契約番号 \d{10} の第(\d+)版を発行しました"))
    expect(concluded).to_be_visible()
    version = int(re.search(r"第(\d+)版", concluded.inner_text()).group(1))
    assert version >= 2

    page.reload()
    wait_ready(page)
    expect(page.locator(".change-request", has_text="工期延長（ブラウザテスト）")).to_contain_text("締結")
    expect(page.get_by_text(f"第{version}版").first).to_be_visible()
    # The new version's certificate, read back: this change under 変更の経過, every version on one printout.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="保証証書（閲覧用）").click()
    saved = tmp_path / "certificate.pdf"
    download_info.value.save_as(saved)
    text = compact(pdf_text(saved.read_bytes()))
    extended = date(date.today().year + 1, 9, 30)
    assert f"第{version}版" in text and "変更の経過" in text
    assert f"令和{extended.year - 2018}年9月30日" in text  # the new 保証期限
    assert "工期延長(ブラウザテスト)" in text  # the reason (NFKC: ASCII brackets)
    assert all(f"第{v}版(" in text for v in range(2, version + 1))  # each change's heading
    assert server.demo["customer_id"] not in text  # no お客様ID
    page.get_by_role("button", name="認証キーを表示").click()
    key = page.locator("#auth-key").inner_text().strip()
    orderer = new_page(PHONE)
    open_page(orderer, f"/dsure?no={number}")
    orderer.get_by_label("認証キー").fill(key)
    orderer.get_by_role("button", name="閲覧する").click()
    expect(orderer.get_by_text("工期延長（ブラウザテスト）").first).to_be_visible()
    expect(orderer.get_by_text(f"第{version}版").first).to_be_visible()
    expect(orderer.get_by_text("預託金融機関").first).to_be_visible()
    expect(orderer.get_by_text(server.demo["customer_id"])).to_have_count(0)  # no お客様ID for the orderer
    screenshot(orderer, "dsure-05-changed-version")
