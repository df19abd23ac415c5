"""/api/admin/mail: the outbox for administrators."""

from __future__ import annotations

from datetime import timedelta

from backend.audit import service as audit
from backend.lib import clock
from backend.mail import service as mail
from backend.mail import worker
from backend.mail.tables import MailMessage

SUBJECT = "【電子保証】保証料のお知らせ（申込番号 12）"
BODY = "保証料計算書をご確認ください。\n"
CATEGORY = "test.notice"


async def _queue(n: int = 1, **overrides) -> list[int]:
    ids = []
    for i in range(n):
        fields = dict(category=CATEGORY, to=f"user{i}@example.jp", subject=SUBJECT, body=BODY, related="application:12")
        fields.update(overrides)
        ids.append(await mail.enqueue(**fields))
    return ids


def _mine(items: list[dict]) -> list[dict]:
    """Only the mails these tests queued (other features may mail on registration)."""
    return [item for item in items if item["category"] == CATEGORY]


async def test_list_shows_to_subject_status(client, admin):
    ids = await _queue(3)
    response = await client.get("/api/admin/mail", headers=admin.headers)
    assert response.status_code == 200, response.text
    items = _mine(response.json())
    assert [item["id"] for item in items] == sorted(ids, reverse=True)  # newest first
    item = items[-1]
    assert item["to"] == "user0@example.jp"
    assert item["subject"] == SUBJECT
    assert item["status"] == "pending"
    assert set(item) >= {
        "id", "message_id", "category", "to", "subject", "status", "attempts", "last_error",
        "created_at", "sent_at", "related",
    }
    assert item["related"] == "application:12"
    assert item["sent_at"] is None
    assert "body" not in item


async def test_list_filters_and_pages(client, admin, mail_to_server):
    ids = await _queue(5)
    await MailMessage.update({MailMessage.next_attempt_at: clock.now() + timedelta(hours=1)}).where(
        MailMessage.id.is_in(ids[2:])
    )
    assert await worker.deliver_due() == 2

    sent = (await client.get("/api/admin/mail", params={"status": "sent"}, headers=admin.headers)).json()
    assert sorted(item["id"] for item in _mine(sent)) == ids[:2]
    assert all(item["sent_at"] for item in _mine(sent))

    page = (await client.get("/api/admin/mail", params={"limit": 2}, headers=admin.headers)).json()
    assert len(page) == 2
    older = await client.get(
        "/api/admin/mail", params={"limit": 200, "before_id": page[-1]["id"]}, headers=admin.headers
    )
    assert all(item["id"] < page[-1]["id"] for item in older.json())

    too_many = await client.get("/api/admin/mail", params={"limit": 201}, headers=admin.headers)
    assert too_many.status_code == 400
    bad_status = await client.get("/api/admin/mail", params={"status": "lost"}, headers=admin.headers)
    assert bad_status.status_code == 400
    assert bad_status.json()["detail"]  # Japanese message from the error handler


async def test_detail_adds_body_and_attachment_refs(client, admin):
    [mail_id] = await _queue(attachments=[{"kind": "fee-statement", "application_id": 12}])
    response = await client.get(f"/api/admin/mail/{mail_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["body"] == BODY
    assert detail["attachments"] == [{"kind": "fee-statement", "application_id": 12}]
    assert detail["to"] == "user0@example.jp"


async def test_unknown_mail_is_404_in_japanese(client, admin):
    response = await client.get("/api/admin/mail/999999", headers=admin.headers)
    assert response.status_code == 404
    assert response.json()["detail"] == "メールが見つかりません。"
    retry = await client.post("/api/admin/mail/999999/retry", headers=admin.headers)
    assert retry.status_code == 404
    assert retry.json()["detail"] == "メールが見つかりません。"


async def test_retry_puts_a_failed_mail_back_in_the_queue(client, admin):
    [mail_id] = await _queue()
    await MailMessage.update(
        {
            MailMessage.status: "failed",
            MailMessage.attempts: worker.MAX_ATTEMPTS,
            MailMessage.last_error: "SMTPConnectError",
        }
    ).where(MailMessage.id == mail_id)

    response = await client.post(f"/api/admin/mail/{mail_id}/retry", headers=admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "pending" and body["attempts"] == 0
    [entry] = await audit.recent(action="mail.retried")
    assert entry["actor"] == admin.login_id


async def test_retry_of_a_sent_mail_is_a_conflict(client, admin, mail_to_server):
    [mail_id] = await _queue()
    await worker.deliver_due()
    response = await client.post(f"/api/admin/mail/{mail_id}/retry", headers=admin.headers)
    assert response.status_code == 409
    assert "再送" in response.json()["detail"]
    assert len(mail_to_server.messages) == 1


async def test_contractor_is_forbidden(client, contractor):
    [mail_id] = await _queue()
    for method, path in [
        ("GET", "/api/admin/mail"),
        ("GET", f"/api/admin/mail/{mail_id}"),
        ("POST", f"/api/admin/mail/{mail_id}/retry"),
    ]:
        response = await client.request(method, path, headers=contractor.headers)
        assert response.status_code == 403, (method, path, response.text)


async def test_anonymous_must_log_in(client):
    [mail_id] = await _queue()
    for method, path in [
        ("GET", "/api/admin/mail"),
        ("GET", f"/api/admin/mail/{mail_id}"),
        ("POST", f"/api/admin/mail/{mail_id}/retry"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["detail"] == "ログインが必要です。"


def test_openapi_documents_the_mail_operations():
    from litestar import Litestar

    from backend.mail.controller import AdminMailController

    schema = Litestar(route_handlers=[AdminMailController]).openapi_schema.to_schema()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op}
    assert operations == {"adminListMail", "adminGetMail", "adminRetryMail"}
    item = schema["components"]["schemas"]["MailItem"]["properties"]
    assert {"to", "subject", "status"} <= set(item)
