"""D-Sure shared by two sureties: D-Sure alone (`hosho dsure`) and two e-Net instances
(`hosho api` with HOSHO_DSURE_URL), each a real process with its own data dir and database.

西日本 (207) on SQLite; 東日本 (107) on PostgreSQL when a server is reachable (the suite's
HOSHO_TEST_DATABASE_URL, else the local one), SQLite otherwise; D-Sure on SQLite. 東日本 is
given office code 207 too, so both issue 2070000001: numbers that coincide across issuers.
The answers are checked with joserfc and rfc8785, independent of our JWS code.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws as jose_jws
from joserfc.jwk import OKPKey

from tests.drills import support

NISHI = ("207", "西日本建設業保証株式会社")
HIGASHI = ("107", "東日本建設業保証株式会社")


def _postgres_url() -> str | None:
    server = os.environ.get("HOSHO_TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test"
    try:
        import asyncio

        import asyncpg

        async def probe() -> None:
            connection = await asyncpg.connect(server, timeout=3)
            await connection.close()

        asyncio.run(probe())
    except Exception:
        return None
    from tests.support.database import create_scratch_postgres_database

    return create_scratch_postgres_database(server)


class Surety:
    def __init__(self, root: Path, code: str, name: str, dsure: str, database_url: str | None) -> None:
        self.code, self.name, self.database_url = code, name, database_url
        self.env = support.server_env(
            root / f"enet-{code}", database_url,
            HOSHO_DSURE_URL=dsure, HOSHO_ISSUER_CODE=code, HOSHO_ISSUER_NAME=name, HOSHO_OFFICE_CODE="207",
        )
        self.api = support.ApiProcess(root / f"enet-{code}", self.env)
        self.api.data_dir.mkdir(parents=True, exist_ok=True)

    def public_key_file(self) -> Path:
        result = support.hosho(["issuer-key"], self.env)
        assert result.returncode == 0, result.stderr
        path = self.api.data_dir.parent / f"issuer-{self.code}.pem"
        path.write_text(result.stdout, encoding="utf-8")
        return path

    def prepare(self) -> None:
        support.create_admin(self.env)
        self.api.start()
        self.client = httpx.Client(base_url=self.api.base, timeout=30)
        self.admin = support.login(self.client, support.ADMIN_LOGIN, support.ADMIN_PASSWORD)
        support.ensure_orderer(self.client, self.admin)
        _, self.contractor = support.new_contractor(self.client, self.admin, f"keiri-{self.code}@example.jp")

    def backlog(self) -> dict:
        return self.client.get("/api/admin/dsure/publications", headers=self.admin).json()

    def published(self, timeout: float = 45.0) -> bool:
        """Waits until D-Sure has everything (polling verify instead would count each early miss
        as a failure of that number and address, and lock the pair after five)."""
        return bool(_eventually(lambda: self.backlog()["pending"] == 0, timeout=timeout))

    def conclude(self, index: int = 0) -> tuple[str, str]:
        number = support.concluded_certificate(self.client, self.admin, self.contractor, index)
        key = self.client.get(f"/api/certificates/{number}/auth-key", headers=self.contractor).json()["auth_key"]
        return number, key


def _verify(dsure: support.ApiProcess, number: str, key: str) -> httpx.Response:
    return httpx.post(f"{dsure.base}/api/dsure/verify", json={"contract_number": number, "auth_key": key}, timeout=30)


def _eventually(check, timeout: float = 45.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("dsure-shared")
    dsure_dir = root / "dsure"
    dsure_env = support.server_env(dsure_dir, None, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0")
    dsure = support.ApiProcess(dsure_dir, dsure_env, command=("dsure", "--data-dir", str(dsure_dir)))
    dsure_dir.mkdir(parents=True)
    dsure.start()
    nishi = Surety(root, *NISHI, dsure.base, None)
    higashi = Surety(root, *HIGASHI, dsure.base, _postgres_url())
    for surety in (nishi, higashi):
        # Registered while D-Sure runs: no restart.
        result = support.hosho(["dsure", "--data-dir", str(dsure_dir), "add-issuer", "--code", surety.code,
                                "--name", surety.name, "--public-key", str(surety.public_key_file())], dsure_env)
        assert result.returncode == 0, result.stdout + result.stderr
        surety.prepare()
    yield dsure, nishi, higashi
    for process in (nishi.api, higashi.api, dsure):
        process.stop()


def _jwk(entry: dict) -> OKPKey:
    return OKPKey.import_key(entry["jwk"])


def test_two_issuers_same_number_each_answer_names_its_issuer(shared):
    dsure, nishi, higashi = shared
    issuers = httpx.get(f"{dsure.base}/api/dsure/issuers").json()
    assert sorted((issuer["code"], issuer["name"]) for issuer in issuers) == sorted([NISHI, HIGASHI])
    n_number, n_key = nishi.conclude()
    h_number, h_key = higashi.conclude()
    assert n_number == h_number == "2070000001"  # the same number at two sureties
    for surety in (nishi, higashi):
        assert surety.published(), "the publication did not reach D-Sure"
    for number, key, (code, name) in ((n_number, n_key, NISHI), (h_number, h_key, HIGASHI)):
        answer = _verify(dsure, number, key)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["issuer"] == {"code": code, "name": name}
        assert body["certificate"]["surety"]["name"] == name and body["signature_valid"] is True
    # A wrong key refused exactly like an unknown number.
    wrong = ("2" if n_key[0] != "2" else "3") + n_key[1:]
    refused, unknown = _verify(dsure, n_number, wrong), _verify(dsure, "2079999999", n_key)
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()
    # e-Net's own tables never had D-Sure's: the e-Net process has no ds_ tables' rows of the other issuer.
    if nishi.database_url is None:
        tables = support.rows(nishi.api.data_dir, None, "SELECT COUNT(*) AS n FROM ds_certificate")
        assert tables[0]["n"] == 0  # the embedded D-Sure's tables stay empty: publications went to D-Sure


def test_jws_and_status_statement_checked_with_joserfc(shared, tmp_path):
    dsure, nishi, _ = shared
    number, key = nishi.conclude(index=1)
    assert nishi.published(), "the publication did not reach D-Sure"
    answer = _verify(dsure, number, key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    issuer_keys = {k["key_id"]: k for issuer in httpx.get(f"{dsure.base}/api/dsure/issuers").json() for k in issuer["keys"]}
    dsure_key = httpx.get(f"{dsure.base}/api/dsure/public-key").json()

    certificate = jose_jws.deserialize_compact(body["certificate_jws"], _jwk(issuer_keys[body["key_id"]]), algorithms=["EdDSA"])
    assert certificate.headers()["alg"] == "EdDSA" and certificate.headers()["kid"] == body["key_id"]
    assert certificate.payload == rfc8785.dumps(body["certificate"])

    statement = jose_jws.deserialize_compact(body["status_statement"], _jwk(dsure_key), algorithms=["EdDSA"])
    assert statement.headers()["kid"] == dsure_key["key_id"]
    claims = json.loads(statement.payload)
    assert claims == {
        "type": "dsure-status", "contract_number": number, "issuer": {"code": NISHI[0], "name": NISHI[1]},
        "version": 1, "status": "valid", "cancelled_on": None, "checked_at": body["checked_at"],
        "certificate_digest": body["digest"],
    }
    # The same file checked by the command, with the two key files as downloaded.
    saved = tmp_path / "answer.json"
    saved.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "issuers.json").write_text(httpx.get(f"{dsure.base}/api/dsure/issuers").text)
    (tmp_path / "dsure.json").write_text(json.dumps(dsure_key))
    result = support.hosho(["verify-certificate", str(saved), "--public-key", str(tmp_path / "issuers.json"),
                            "--public-key", str(tmp_path / "dsure.json")], nishi.env)
    assert result.returncode == 0, result.stderr
    assert "時点の状態: 有効（valid）" in result.stdout


def test_amend_and_cancel_at_each_issuer_read_at_dsure(shared):
    dsure, nishi, higashi = shared
    n_number, n_key = nishi.conclude(index=2)
    h_number, h_key = higashi.conclude(index=2)
    amended = nishi.client.post(f"/api/admin/certificates/{n_number}/amend", headers=nishi.admin,
                                json={"guarantee_amount": 19_000_000, "reason": "前払金額の変更"})
    assert amended.status_code == 200, amended.text
    cancelled = higashi.client.post(f"/api/admin/certificates/{h_number}/cancel", headers=higashi.admin,
                                    json={"reason": "契約解除"})
    assert cancelled.status_code == 200, cancelled.text

    def read(number, key, check):
        response = _verify(dsure, number, key)
        return response.status_code == 200 and check(response.json()) and response.json()

    body = _eventually(lambda: read(n_number, n_key, lambda b: b["version"] == 2))
    assert body, "the amendment did not reach D-Sure"
    assert [v["version"] for v in body["versions"]] == [1, 2] and body["certificate"]["guarantee"]["amount"] == 19_000_000
    body = _eventually(lambda: read(h_number, h_key, lambda b: b["status"] == "cancelled"))
    assert body, "the cancellation did not reach D-Sure"
    assert body["issuer"]["code"] == "107" and body["cancel_reason"] == "契約解除" and body["cancelled_on"]
    claims = json.loads(jose_jws.deserialize_compact(
        body["status_statement"], _jwk(httpx.get(f"{dsure.base}/api/dsure/public-key").json()), algorithms=["EdDSA"]).payload)
    assert claims["status"] == "cancelled" and claims["cancelled_on"] == body["cancelled_on"]
    # A reissued key: the old one is refused at D-Sure, the new one answers.
    reissued = nishi.client.post(f"/api/admin/certificates/{n_number}/reissue-key", headers=nishi.admin)
    assert reissued.status_code == 200, reissued.text
    new_key = reissued.json()["auth_key"]
    assert nishi.published(), "the new key did not reach D-Sure"
    assert _verify(dsure, n_number, new_key).status_code == 200
    assert _verify(dsure, n_number, n_key).status_code == 404
    # The dashboard's figures come from D-Sure's API.
    stats = nishi.client.get("/api/admin/dsure/stats", headers=nishi.admin)
    assert stats.status_code == 200, stats.text
    assert stats.json()["views_today"] >= 2


def test_forged_publications_are_refused(shared):
    dsure, nishi, _ = shared
    from backend.domain import jws as our_jws

    [issuer] = [i for i in httpx.get(f"{dsure.base}/api/dsure/issuers").json() if i["code"] == NISHI[0]]
    real_kid = issuer["keys"][-1]["key_id"]
    forged = our_jws.sign(Ed25519PrivateKey.generate(), real_kid, {"issuer": "207", "contract_number": "2070000001"})
    unknown = our_jws.sign(Ed25519PrivateKey.generate(), "0123456789abcdef", {"issuer": "207"})
    # "not-a-jws-token": long enough for the body's schema (≥ 10 characters), so the signature check refuses it.
    for token in (forged, unknown, "not-a-jws-token"):
        response = httpx.post(f"{dsure.base}/api/dsure/publications", json={"publication": token})
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "dsure.publication_refused"
        assert "公開データを受け付けられません" in response.json()["detail"]


def test_dsure_down_during_a_conclusion_catches_up(shared):
    dsure, nishi, _ = shared
    dsure.stop()
    try:
        number, key = nishi.conclude(index=3)  # e-Net concludes while D-Sure is down
        waiting = nishi.backlog()
        assert waiting["pending"] >= 1 and waiting["oldest_pending_at"], waiting
        assert _eventually(lambda: nishi.backlog()["last_error"]), "the failed delivery is not shown to staff"
        # D-Sure's own figures cannot be had meanwhile: a 503 the dashboard names (frontend/admin/state.py).
        unreachable = nishi.client.get("/api/admin/dsure/stats", headers=nishi.admin)
        assert unreachable.status_code == 503 and unreachable.json()["code"] == "unavailable", unreachable.text
    finally:
        dsure.start()
    restarted = time.monotonic()
    assert nishi.published(timeout=90), f"the publication was lost:\n{nishi.api.log()}"
    # The worker's probe finds D-Sure back within a poll or two, not at the end of a backoff.
    assert time.monotonic() - restarted < 30
    answer = _verify(dsure, number, key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["issuer"]["code"] == "207"
