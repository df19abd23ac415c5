"""D-Sure as a service for several issuers, embedded (in process): publications, signed answers.

The separate-process version (D-Sure alone, two e-Net instances) is tests/drills/test_dsure_shared.py.
"""

from __future__ import annotations

import hashlib
import json

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws as jose_jws
from joserfc.jwk import OKPKey

from backend.domain import jws, keys, sealing, signing
from backend.domain.canonical import canonical_json
from backend.dsure import keys as dsure_keys
from backend.dsure import registry
from backend.dsure_store.tables import DsCertificate, DsPublication, DsVerifier
from backend.publication.tables import PublicationOutbox
from tests.dsure.conftest import verify, wrong_key

HIGASHI = ("107", "東日本建設業保証株式会社")


def _publication(private_key, code: str, number: str, key: str, *, revision: int = 1, content: dict | None = None) -> str:
    """A publication as another surety's e-Net would build it (its own key, sealed verifier)."""
    kid = signing.key_id(private_key.public_key())
    content = content or {"contract_number": number, "version": 1, "surety": {"name": HIGASHI[1]}, "changes": []}
    data = canonical_json(content)
    payload = {
        "issuer": code, "contract_number": number, "revision": revision, "event": "concluded",
        "project_name": "東日本の工事", "orderer_name": "宮城県", "period_end": "2099-03-31",
        "versions": [{
            "version": 1, "issued_on": "2026-10-01", "content": data.decode(), "digest": hashlib.sha256(data).hexdigest(),
            "signature": signing.sign(private_key, content)[1], "key_id": kid,
            "certificate_jws": jws.sign(private_key, kid, content),
        }],
        "verifier": sealing.seal(dsure_keys.sealing_key().public_key(), keys.key_verifier(number, key).encode(),
                                 f"{code}:{number}".encode()),
    }
    return jws.sign(private_key, kid, payload, typ=registry.PUBLICATION_TYPE)


async def test_conclusion_publishes_through_the_outbox(client, issued):
    rows = await PublicationOutbox.select().where(PublicationOutbox.contract_number == issued.number)
    assert [(row["event"], row["status"]) for row in rows] == [("concluded", "delivered")]
    assert "auth_key" not in json.dumps(rows, default=str) and issued.key not in json.dumps(rows, default=str)
    [stored] = await DsVerifier.select()
    # D-Sure keeps only its own HMAC of the verifier: neither the key nor the issuer's MAC.
    assert stored["verifier"] == keys.rekeyed_verifier(
        dsure_keys.verifier_secret(), "207", issued.number, keys.key_verifier(issued.number, issued.key)
    )
    [publication] = await DsPublication.select()
    assert publication["revision"] == rows[0]["id"] and publication["event"] == "concluded"


async def test_same_number_at_two_issuers(client, issued):
    other = Ed25519PrivateKey.generate()
    await registry.add_issuer(*HIGASHI, signing.public_key_pem(other.public_key()))
    other_key = keys.generate_key()
    response = await client.post("/api/dsure/publications",
                                 json={"publication": _publication(other, "107", issued.number, other_key)})
    assert response.status_code == 200, response.text
    assert response.json() == {"issuer": "107", "contract_number": issued.number, "revision": 1, "applied": True}
    ours, theirs = (await verify(client, issued.number, issued.key)).json(), (await verify(client, issued.number, other_key)).json()
    assert ours["issuer"] == {"code": "207", "name": "西日本建設業保証株式会社"}
    assert theirs["issuer"] == {"code": "107", "name": HIGASHI[1]} and theirs["signature_valid"] is True
    wrong, unknown = await verify(client, issued.number, wrong_key(issued.key)), await verify(client, "2079999999", issued.key)
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    # A redelivery changes nothing.
    again = await client.post("/api/dsure/publications",
                              json={"publication": _publication(other, "107", issued.number, other_key)})
    assert again.status_code == 200 and again.json()["applied"] is False
    assert await DsCertificate.count() == 2
    issuers = (await client.get("/api/dsure/issuers")).json()
    assert [issuer["code"] for issuer in issuers] == ["107", "207"]


async def test_forged_publications_are_refused(client, issued):
    stranger = Ed25519PrivateKey.generate()
    registered = Ed25519PrivateKey.generate()
    await registry.add_issuer(*HIGASHI, signing.public_key_pem(registered.public_key()))
    tampered = _publication(registered, "107", "1070000001", keys.generate_key())
    head, payload, signature = tampered.split(".")
    body = json.loads(jws.b64url_decode(payload))
    body["project_name"] = "書き換えた工事"
    forged_payload = jws.b64url(rfc8785.dumps(body))
    cases = {
        "unknown key": _publication(stranger, "107", "1070000001", keys.generate_key()),
        "edited after signing": f"{head}.{forged_payload}.{signature}",
        "another issuer's number": _publication(registered, "207", issued.number, keys.generate_key()),
        "not a JWS": "xxxxxxxxxxxx",
    }
    for case, token in cases.items():
        response = await client.post("/api/dsure/publications", json={"publication": token})
        assert response.status_code == 403, (case, response.text)
        assert "公開データを受け付けられません" in response.json()["detail"], case
    assert await DsCertificate.count() == 1


async def test_a_new_key_retires_the_old_one(client, issued):
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    await registry.add_issuer(*HIGASHI, signing.public_key_pem(first.public_key()))
    await registry.add_issuer(*HIGASHI, signing.public_key_pem(second.public_key()))
    [issuer] = [item for item in await registry.issuers() if item.code == "107"]
    assert [key.valid_until is None for key in issuer.keys] == [False, True]
    old = await client.post("/api/dsure/publications", json={"publication": _publication(first, "107", "1070000001", "A" * 10)})
    assert old.status_code == 403 and "有効期間外" in old.json()["detail"]
    new = await client.post("/api/dsure/publications", json={"publication": _publication(second, "107", "1070000001", "A" * 10)})
    assert new.status_code == 200, new.text


async def test_signed_answer_checked_with_joserfc(client, admin, issued):
    cancelled = await client.post(f"/api/admin/certificates/{issued.number}/cancel", headers=admin.headers,
                                  json={"reason": "工事の中止"})
    assert cancelled.status_code == 200, cancelled.text
    body = (await verify(client, issued.number, issued.key)).json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "工事の中止" and body["cancelled_on"]
    [issuer] = (await client.get("/api/dsure/issuers")).json()
    certificate = jose_jws.deserialize_compact(body["certificate_jws"], OKPKey.import_key(issuer["keys"][0]["jwk"]), algorithms=["EdDSA"])
    assert certificate.payload == rfc8785.dumps(body["certificate"]) and certificate.headers()["alg"] == "EdDSA"
    dsure_key = (await client.get("/api/dsure/public-key")).json()
    statement = json.loads(jose_jws.deserialize_compact(body["status_statement"], OKPKey.import_key(dsure_key["jwk"]), algorithms=["EdDSA"]).payload)
    assert statement == {
        "type": "dsure-status", "contract_number": issued.number,
        "issuer": {"code": "207", "name": "西日本建設業保証株式会社"}, "version": 1, "status": "cancelled",
        "cancelled_on": body["cancelled_on"], "checked_at": body["checked_at"], "certificate_digest": body["digest"],
    }
