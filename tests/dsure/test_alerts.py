"""Change alerts (subscribe, amendment / cancellation / expiry mails, unsubscribe) and 受領確認."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlparse

from backend.certificates.tables import Certificate
from backend.dsure import alerts
from backend.dsure_store.tables import DsureSubscription, DsureUnsubscribeToken
from backend.lib import clock
from backend.mail import worker
from backend.mail.tables import MailMessage
from tests.dsure.conftest import audit_rows, call, issue, wrong_key

ORDERER_MAIL = "keiyaku@pref.tottori.example.jp"
LINK = re.compile(r"http://hosho\.test/api/dsure/unsubscribe\?token=([A-Za-z0-9_\-]+)")


async def _alerts(number: str | None = None) -> list[dict]:
    query = MailMessage.select().where(MailMessage.category == "dsure.alert").order_by(MailMessage.id)
    if number:
        query = query.where(MailMessage.related == number)
    return await query


async def _subscribe(client, issued, email=ORDERER_MAIL):
    return await call(client, "subscribe", issued.number, issued.key, email=email)


async def _amend(client, admin, number, **changes):
    response = await client.post(
        f"/api/admin/certificates/{number}/amend", json={"reason": "工期延長", **changes}, headers=admin.headers
    )
    assert response.status_code == 200, response.text


def _unsubscribe_path(body: str) -> str:
    url = LINK.search(body).group(0)
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"


async def test_subscribe_amend_cancel_and_unsubscribe(client, admin, issued):
    response = await _subscribe(client, issued)
    assert response.status_code == 200, response.text
    assert response.json() == {"contract_number": issued.number, "email": ORDERER_MAIL, "already_subscribed": False}
    again = await _subscribe(client, issued, email=ORDERER_MAIL.upper())
    assert again.json()["already_subscribed"] is True

    [confirmation] = await _alerts()
    assert confirmation["to_address"] == ORDERER_MAIL
    assert issued.number in confirmation["subject"]
    assert LINK.search(confirmation["body"])
    assert issued.key not in confirmation["body"]
    assert f"http://hosho.test/dsure?no={issued.number}" in confirmation["body"]

    await _amend(client, admin, issued.number, period_end="2028-05-31")
    amended = (await _alerts())[-1]
    assert amended["subject"] == f"【D-Sure】電子証書変更のお知らせ（保証契約番号 {issued.number}）"
    assert "第2版" in amended["body"] and "保証期限（工期の終期）" in amended["body"] and "令和10年5月31日" in amended["body"]
    assert issued.key not in amended["body"]
    # Each mail has its own token; only hashes are stored.
    tokens = {LINK.search(mail["body"]).group(1) for mail in await _alerts()}
    assert len(tokens) == 2
    stored = {row["token_hash"] for row in await DsureUnsubscribeToken.select(DsureUnsubscribeToken.token_hash)}
    assert not tokens & stored and len(stored) == 2

    unsubscribed = await client.get(_unsubscribe_path(amended["body"]))
    assert unsubscribed.status_code == 200
    assert unsubscribed.headers["content-type"].startswith("text/html")
    assert "配信を停止しました" in unsubscribed.text
    assert (await DsureSubscription.select(DsureSubscription.active).first())["active"] is False
    # The link of an older mail still works (and says it is already off).
    older = await client.get(_unsubscribe_path(confirmation["body"]))
    assert older.status_code == 200 and "すでに" in older.text

    count = len(await _alerts())
    await client.post(f"/api/admin/certificates/{issued.number}/cancel", json={"reason": "契約解除"}, headers=admin.headers)
    assert len(await _alerts()) == count  # no more alerts after unsubscribing

    assert [e["target"] for e in await audit_rows("dsure.unsubscribed")] == [issued.number]
    assert (await client.get("/api/dsure/unsubscribe?token=not-a-token")).status_code == 404
    assert (await client.get("/api/dsure/unsubscribe")).status_code == 404


async def test_cancellation_alert_and_resubscribe(client, admin, issued):
    await _subscribe(client, issued)
    body = (await _alerts())[0]["body"]
    await client.get(_unsubscribe_path(body))
    response = await _subscribe(client, issued)
    assert response.json()["already_subscribed"] is False
    assert (await DsureSubscription.count()) == 1  # reactivated, not duplicated

    await client.post(f"/api/admin/certificates/{issued.number}/cancel", json={"reason": "契約解除"}, headers=admin.headers)
    cancelled = (await _alerts())[-1]
    assert cancelled["subject"] == f"【D-Sure】保証契約解約のお知らせ（保証契約番号 {issued.number}）"
    assert LINK.search(cancelled["body"])

    refused = await _subscribe(client, issued, email="another@example.jp")
    assert refused.status_code == 409 and "解約" in refused.json()["detail"]


async def test_alerts_only_go_to_subscribers_of_that_certificate(client, admin, contractor, issued):
    other = await issue(client, admin, contractor, project_name="国道9号線舗装補修工事")
    await _subscribe(client, issued)
    await call(client, "subscribe", other.number, other.key, email="other@city.example.jp")
    await _amend(client, admin, other.number, period_end="2028-06-30")
    assert [m["to_address"] for m in await _alerts(other.number)] == ["other@city.example.jp"] * 2
    assert len(await _alerts(issued.number)) == 1  # its confirmation only


async def test_subscription_limit_per_certificate(client, issued):
    for n in range(alerts.MAX_SUBSCRIPTIONS_PER_CERTIFICATE):
        assert (await _subscribe(client, issued, email=f"clerk{n}@example.jp")).status_code == 200
    refused = await _subscribe(client, issued, email="one-too-many@example.jp")
    assert refused.status_code == 409


async def test_subscribe_refuses_a_wrong_key_and_bad_email(client, issued):
    assert (await call(client, "subscribe", issued.number, wrong_key(issued.key), email=ORDERER_MAIL)).status_code == 404
    bad = await call(client, "subscribe", issued.number, issued.key, email="not-an-address")
    assert bad.status_code == 400
    assert await DsureSubscription.count() == 0


async def test_expiry_reminder_once_per_deadline(client, admin, issued):
    await _subscribe(client, issued)
    period_end = date(2028, 3, 31)
    assert await alerts.notify_expiring(period_end - timedelta(days=31)) == 0
    assert await alerts.notify_expiring(period_end - timedelta(days=30)) == 1
    assert await alerts.notify_expiring(period_end - timedelta(days=29)) == 0  # once
    reminder = (await _alerts())[-1]
    assert reminder["subject"] == f"【D-Sure】保証期限が近づいています（保証契約番号 {issued.number}）"
    assert "令和10年3月31日" in reminder["body"] and "30日後" in reminder["body"]
    assert LINK.search(reminder["body"]) and issued.key not in reminder["body"]

    # An amended deadline gets its own reminder when it nears.
    await _amend(client, admin, issued.number, period_end="2028-04-20")
    assert await alerts.notify_expiring(date(2028, 4, 1)) == 1
    # After the deadline, or for an unsubscribed orderer, nothing.
    assert await alerts.notify_expiring(date(2028, 4, 21)) == 0


async def test_expiry_reminder_with_the_moved_clock(client, issued):
    await _subscribe(client, issued)
    today = clock.today_jst()
    clock.advance(timedelta(days=(date(2028, 3, 31) - today).days - 10))
    assert await alerts.notify_expiring() == 1
    assert await alerts.notify_expiring() == 0
    assert "10日後" in (await _alerts())[-1]["body"]


async def test_expiry_reminder_skips_unsubscribed_and_cancelled(client, admin, contractor, issued):
    await _subscribe(client, issued)
    await client.get(_unsubscribe_path((await _alerts())[0]["body"]))
    other = await issue(client, admin, contractor, project_name="別工事")
    await call(client, "subscribe", other.number, other.key, email="other@city.example.jp")
    await client.post(f"/api/admin/certificates/{other.number}/cancel", json={"reason": "契約解除"}, headers=admin.headers)
    assert await alerts.notify_expiring(date(2028, 3, 20)) == 0


async def test_alert_arrives_on_a_real_smtp_server(client, admin, issued, mail_to_server):
    await _subscribe(client, issued)
    await _amend(client, admin, issued.number, guarantee_amount=15_000_000)
    for _ in range(10):
        await worker.deliver_due()
        if len([m for m in mail_to_server.messages if m["To"] == ORDERER_MAIL]) >= 2:
            break
    received = [m for m in mail_to_server.messages if m["To"] == ORDERER_MAIL]
    assert [m["Subject"] for m in received] == [
        f"【D-Sure】変更のお知らせの登録（保証契約番号 {issued.number}）",
        f"【D-Sure】電子証書変更のお知らせ（保証契約番号 {issued.number}）",
    ]
    body = received[1].get_body(("plain",)).get_content()
    assert "金15,000,000円" in body
    link = LINK.search(body)
    assert link
    response = await client.get(_unsubscribe_path(body))
    assert response.status_code == 200
    assert (await DsureSubscription.select(DsureSubscription.active).first())["active"] is False


# --- 受領確認 ----------------------------------------------------------------------------------------


async def test_acknowledge_once_and_shown_to_the_contractor(client, contractor, issued):
    first = await call(client, "acknowledge", issued.number, issued.key, address="203.0.113.9")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["contract_number"] == issued.number and body["first_time"] is True
    at = body["acknowledged_at"]

    clock.advance(timedelta(minutes=5))
    second = (await call(client, "acknowledge", issued.number, issued.key)).json()
    assert second["first_time"] is False and second["acknowledged_at"] == at

    stored = (await Certificate.select(Certificate.acknowledged_at).first())["acknowledged_at"]
    assert stored is not None
    detail = (await client.get(f"/api/certificates/{issued.number}", headers=contractor.headers)).json()
    assert detail["acknowledged_at"] is not None
    listed = (await client.get("/api/certificates", headers=contractor.headers)).json()["items"][0]
    assert listed["acknowledged_at"] is not None
    verified = (await call(client, "verify", issued.number, issued.key)).json()
    assert verified["acknowledged_at"] is not None

    [entry] = await audit_rows("dsure.acknowledged")
    assert entry["target"] == issued.number and entry["address"] == "203.0.113.9"
    [mail] = await MailMessage.select().where(MailMessage.category == "dsure.acknowledged")
    assert mail["to_address"] == "keiri@inaba-kensetsu.example.jp"
    assert issued.number in mail["subject"] and "受領確認" in mail["subject"]


async def test_acknowledge_refuses_wrong_key_and_cancelled(client, admin, issued):
    assert (await call(client, "acknowledge", issued.number, wrong_key(issued.key))).status_code == 404
    await client.post(f"/api/admin/certificates/{issued.number}/cancel", json={"reason": "契約解除"}, headers=admin.headers)
    refused = await call(client, "acknowledge", issued.number, issued.key)
    assert refused.status_code == 409
    assert (await Certificate.select(Certificate.acknowledged_at).first())["acknowledged_at"] is None
