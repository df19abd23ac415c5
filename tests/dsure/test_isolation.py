"""No contractor can read or act on another's applications, certificates, keys or documents (DESIGN §8).

The endpoints are taken from the OpenAPI schema (every path under /api/applications and
/api/certificates), so an endpoint added later is tried automatically; each is called with
ANOTHER contractor's identifiers (403/404 every time, nothing changed) and without login (401).
"""

from __future__ import annotations

import itertools
import re

from backend.audit.tables import AuditEntry
from backend.mail.tables import MailMessage
from tests.conftest import new_contractor
from tests.dsure.conftest import verify
from tests.support.lifecycle import concluded_certificate, submit

PREFIXES = ("/api/applications", "/api/certificates")
# Must be in the schema (the contractor endpoints of DESIGN §5).
EXPECTED = {
    ("GET", "/api/applications/{application_id}"),
    ("POST", "/api/applications/{application_id}/withdraw"),
    ("GET", "/api/certificates/{number}"),
    ("GET", "/api/certificates/{number}/auth-key"),
    ("POST", "/api/certificates/{number}/reissue-key"),
    ("GET", "/api/certificates/{number}/documents/{kind}"),
    ("POST", "/api/certificates/{number}/send-to-orderer"),
}
REQUIRED_KINDS = {"certificate", "auth-key-notice", "fee-statement", "fee-receipt"}
DEFAULT_KINDS = sorted(REQUIRED_KINDS)


async def _operations(client) -> list[tuple[str, str, dict]]:
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200, response.text
    operations = []
    for path, item in response.json()["paths"].items():
        if not path.startswith(PREFIXES):
            continue
        for method, operation in item.items():
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                operations.append((method.upper(), path, operation))
    return operations


def _concrete(path: str, operation: dict, values: dict[str, list]) -> list[tuple[str, dict]]:
    """Every URL of a template with the victim's identifiers (and each enum value of a path parameter)."""
    params = {p["name"]: p for p in operation.get("parameters", [])}
    names = re.findall(r"{(\w+)}", path)
    choices = []
    for name in names:
        schema = params.get(name, {}).get("schema", {})
        if "enum" in schema:
            choices.append(schema["enum"])
        elif name == "kind":
            choices.append(DEFAULT_KINDS)
        else:
            assert name in values, f"no victim value for path parameter {name} of {path}: extend the test"
            choices.append(values[name])
    urls = []
    for combination in itertools.product(*choices):
        url = path
        for name, value in zip(names, combination):
            url = url.replace("{" + name + "}", str(value))
        urls.append((url, {}))
        if "version" in params and params["version"].get("in") == "query":
            urls.append((url, {"version": 1}))
    return urls


async def test_every_contractor_endpoint_refuses_another_contractor(client, admin, contractor):
    # The victim: an amended electronic certificate (all its documents exist) and a pending application.
    number = await concluded_certificate(client, admin, contractor)
    amended = await client.post(
        f"/api/admin/certificates/{number}/amend", json={"guarantee_amount": 15_000_000, "reason": "減額"},
        headers=admin.headers,
    )
    assert amended.status_code == 200, amended.text
    pending = await submit(client, contractor, project_name="国道9号線舗装補修工事")
    applications = (await client.get("/api/applications", headers=contractor.headers)).json()
    items = applications["items"] if isinstance(applications, dict) else applications
    application_ids = sorted({item["id"] for item in items})
    assert pending["id"] in application_ids and len(application_ids) == 2
    key = (await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)).json()["auth_key"]
    mails_before = await MailMessage.count()

    attacker = await new_contractor(
        client, admin, email="gyomu@hoki-doboku.example.jp", company_name="伯耆土木株式会社",
        license_number="鳥取県知事許可（般-5）第5678号",
    )
    own_number = await concluded_certificate(client, admin, attacker, project_name="攻撃者自身の工事")

    operations = await _operations(client)
    templates = {(method, path) for method, path, _ in operations}
    assert EXPECTED <= templates, EXPECTED - templates
    kinds = next(
        set(p["schema"].get("enum", DEFAULT_KINDS))
        for method, path, op in operations
        if path == "/api/certificates/{number}/documents/{kind}"
        for p in op.get("parameters", [])
        if p["name"] == "kind"
    )
    assert REQUIRED_KINDS <= kinds

    values = {"application_id": application_ids, "id": application_ids, "number": [number], "request_id": [1]}
    tried = 0
    for method, path, operation in operations:
        has_params = "{" in path
        urls = _concrete(path, operation, values) if has_params else [(path, {})]
        for url, query in urls:
            body = {} if "requestBody" in operation else None
            anonymous = await client.request(method, url, params=query, json=body)
            assert anonymous.status_code == 401, (method, url, anonymous.status_code)
            if not has_params:
                continue
            response = await client.request(method, url, params=query, json=body, headers=attacker.headers)
            assert response.status_code in (403, 404), (method, url, response.status_code, response.text[:200])
            assert key not in response.text
            tried += 1
    print("isolation: tried", tried, "requests as another contractor")
    assert tried >= 12

    # Lists show only the attacker's own.
    listed = (await client.get("/api/certificates", headers=attacker.headers)).json()["items"]
    assert [item["contract_number"] for item in listed] == [own_number]
    own_applications = (await client.get("/api/applications", headers=attacker.headers)).json()
    own_items = own_applications["items"] if isinstance(own_applications, dict) else own_applications
    assert not {item["id"] for item in own_items} & set(application_ids)

    # Nothing happened to the victim's things.
    assert (await verify(client, number, key)).status_code == 200  # the key was not reissued
    victim_pending = (await client.get(f"/api/applications/{pending['id']}", headers=contractor.headers)).json()
    assert victim_pending["status"] == "submitted"
    new_mails = await MailMessage.select(MailMessage.related, MailMessage.category).order_by(MailMessage.id)
    assert not [m for m in new_mails[mails_before:] if m["related"] == number]
    assert await AuditEntry.count().where(
        (AuditEntry.actor == attacker.login_id) & (AuditEntry.target == number)
    ) == 0
