"""POST /api/dsure/verify: the certificate for a correct pair, forgiving input, signature check,
the view log and what the contractor sees of it."""

from __future__ import annotations

import hashlib
import json
import unicodedata

from backend.audit import service as audit
from backend.certificates.tables import Certificate
from backend.domain import signing
from backend.dsure_store.tables import DsCertificate, DsVersion, DsView
from backend.lib import keyring
from tests.dsure.conftest import audit_rows, browser, verify, wrong_key

CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


async def test_correct_pair_returns_the_signed_current_version(client, issued):
    response = await verify(client, issued.number, issued.key)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["contract_number"] == issued.number
    assert body["status"] == "valid" and body["status_label"] == "有効"
    assert body["version"] == 1
    assert body["certificate"]["contract_number"] == issued.number
    assert body["certificate"]["guarantee"]["amount"] == 20_000_000
    assert body["versions"] == [
        {"version": 1, "issued_on": body["certificate"]["issued_on"], "changes": [], "change_reason": None}
    ]
    assert body["signature_valid"] is True
    assert signing.verify(keyring.public_key(), body["certificate"], body["digest"], body["signature"])
    assert body["key_id"] == signing.key_id(keyring.public_key())
    assert body["checked_at"] and body["acknowledged_at"] is None
    assert issued.key not in json.dumps(await audit.recent(limit=1000), default=str, ensure_ascii=False)


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def _lookalikes(key: str) -> str:
    return key.replace("0", "O").replace("1", "l")


async def test_forgiving_input(client, issued):
    number, key = issued.number, issued.key
    variants = [
        (f"{number[:3]}-{number[3:]}", f"{key[:5]}-{key[5:]}"),
        (f" {number} ", f"{key[:5]} {key[5:]}".lower()),
        (_full_width(f"{number[:3]}-{number[3:]}"), _full_width(key.lower())),
        (_full_width(number), f"{key[:5]}－{key[5:]}"),  # full-width hyphen
        (number, _lookalikes(key)),
        (number, _lookalikes(key).lower()),
        (f"{number[:3]}ー{number[3:]}", f"{key[:5]}　{key[5:]}"),  # katakana long vowel mark, ideographic space
    ]
    for typed_number, typed_key in variants:
        response = await verify(client, typed_number, typed_key)
        assert response.status_code == 200, (typed_number, typed_key, response.text)
        assert response.json()["contract_number"] == number
    assert unicodedata.normalize("NFKC", _full_width(key)) == key


async def test_bytes_changed_in_the_store_are_caught_after_a_valid_answer(client, issued):
    """A valid check is remembered per (key, digest, signature), never per certificate: stored
    bytes changed afterwards (with or without their digest) answer signature_valid false."""
    assert (await verify(client, issued.number, issued.key)).json()["signature_valid"] is True
    [certificate] = await DsCertificate.select(DsCertificate.id).where(DsCertificate.contract_number == issued.number)
    version = DsVersion.certificate == certificate["id"]
    [stored] = await DsVersion.select(DsVersion.content).where(version)
    forged = stored["content"].replace("20000000", "90000000")
    assert forged != stored["content"]
    await DsVersion.update({DsVersion.content: forged}).where(version)
    assert (await verify(client, issued.number, issued.key)).json()["signature_valid"] is False
    await DsVersion.update({DsVersion.digest: hashlib.sha256(forged.encode()).hexdigest()}).where(version)
    assert (await verify(client, issued.number, issued.key)).json()["signature_valid"] is False


async def test_amended_certificate_shows_current_version_and_history(client, admin, issued):
    amended = await client.post(
        f"/api/admin/certificates/{issued.number}/amend",
        json={"period_end": "2028-05-31", "reason": "工期延長"},
        headers=admin.headers,
    )
    assert amended.status_code == 200, amended.text
    body = (await verify(client, issued.number, issued.key)).json()
    assert body["version"] == 2 and body["status"] == "valid"
    assert body["certificate"]["guarantee"]["period_end"] == "2028-05-31"
    assert [v["version"] for v in body["versions"]] == [1, 2]
    [change] = body["versions"][1]["changes"]
    assert change["field"] == "period_end" and change["after"] == "2028-05-31"
    assert body["versions"][1]["change_reason"] == "工期延長"
    assert body["signature_valid"] is True


async def test_cancelled_status_only_after_a_correct_pair(client, admin, issued):
    refused_before = await verify(client, issued.number, wrong_key(issued.key))
    cancelled = await client.post(
        f"/api/admin/certificates/{issued.number}/cancel", json={"reason": "契約解除"}, headers=admin.headers
    )
    assert cancelled.status_code == 200
    refused_after = await verify(client, issued.number, wrong_key(issued.key))
    assert (refused_after.status_code, refused_after.content) == (refused_before.status_code, refused_before.content)
    body = (await verify(client, issued.number, issued.key)).json()
    assert body["status"] == "cancelled" and body["status_label"] == "解約"


async def test_reissued_key_replaces_the_old_one(client, contractor, issued):
    reissued = await client.post(f"/api/certificates/{issued.number}/reissue-key", headers=contractor.headers)
    new_key = reissued.json()["auth_key"]
    assert (await verify(client, issued.number, issued.key)).status_code == 404
    assert (await verify(client, issued.number, new_key)).status_code == 200


async def test_paper_certificates_are_not_verifiable(client, admin, contractor, issued):
    paper = await issue_paper(client, admin, contractor)
    response = await verify(client, paper, issued.key)
    refusal = await verify(client, "2079999999", issued.key)
    assert response.status_code == 404
    assert response.content == refusal.content


async def issue_paper(client, admin, contractor) -> str:
    from tests.support.lifecycle import pay_and_conclude, submit

    application = await submit(client, contractor, delivery="paper")
    return await pay_and_conclude(client, admin, application["id"])


async def test_each_view_is_logged_and_shown_to_the_contractor_coarsely(client, contractor, issued):
    first = await client.post(
        "/api/dsure/verify",
        json={"contract_number": issued.number, "auth_key": issued.key},
        headers={**browser("203.0.113.77"), "User-Agent": CHROME_WINDOWS},
    )
    assert first.status_code == 200
    await verify(client, issued.number, issued.key, address="2001:db8:1234:5678::9")

    rows = await DsView.select().order_by(DsView.id)
    assert [(r["address"], r["version"], r["kind"]) for r in rows] == [
        ("203.0.113.77", 1, "verify"),
        ("2001:db8:1234:5678::9", 1, "verify"),
    ]
    certificate = await Certificate.select(Certificate.last_viewed_at).first()
    assert certificate["last_viewed_at"] == rows[-1]["at"]

    detail = (await client.get(f"/api/certificates/{issued.number}", headers=contractor.headers)).json()
    assert detail["last_viewed_at"] is not None
    assert detail["acknowledged_at"] is None
    views = detail["views"]
    assert [(v["origin"], v["version"], v["kind"]) for v in views] == [
        ("2001:db8:1234::/48", 1, "verify"),
        ("203.0.113.0/24", 1, "verify"),
    ]
    assert views[1]["browser"] == "Chrome（Windows）"
    text = json.dumps(detail, ensure_ascii=False)
    assert "203.0.113.77" not in text and "5678" not in text  # never the orderer's full address

    listed = (await client.get("/api/certificates", headers=contractor.headers)).json()["items"]
    assert listed[0]["last_viewed_at"] is not None

    viewed = await audit_rows("dsure.viewed")
    assert [(e["target"], e["address"]) for e in viewed] == [
        (issued.number, "203.0.113.77"),
        (issued.number, "2001:db8:1234:5678::9"),
    ]
    assert (await audit.verify_chain()).ok


async def test_a_failed_verification_is_not_a_view(client, issued):
    await verify(client, issued.number, wrong_key(issued.key))
    assert await DsView.count() == 0
    assert (await Certificate.select(Certificate.last_viewed_at).first())["last_viewed_at"] is None


async def test_public_key_endpoint(client, issued):
    """/public-key is D-Sure's own key (not the issuer's); /issuers has the issuer's, which checks the versions."""
    from cryptography.hazmat.primitives import serialization

    from backend.dsure import keys as dsure_keys

    response = await client.get("/api/dsure/public-key")
    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    assert body["key_id"] == signing.key_id(dsure_keys.public_key()) != signing.key_id(keyring.public_key())
    loaded = serialization.load_pem_public_key(body["pem"].encode())
    raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw == dsure_keys.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = body["jwk"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["kid"] == body["key_id"]
    import base64

    assert base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)) == raw
    issuers = (await client.get("/api/dsure/issuers")).json()
    assert [(issuer["code"], issuer["name"]) for issuer in issuers] == [("207", "西日本建設業保証株式会社")]
    [issuer_key] = issuers[0]["keys"]
    assert issuer_key["key_id"] == signing.key_id(keyring.public_key()) and issuer_key["valid_until"] is None
    # The issuer's published key checks what verify returns.
    verified = (await verify(client, issued.number, issued.key)).json()
    issuer_public = serialization.load_pem_public_key(issuer_key["pem"].encode())
    assert verified["key_id"] == issuer_key["key_id"]
    assert signing.verify(issuer_public, verified["certificate"], verified["digest"], verified["signature"])
