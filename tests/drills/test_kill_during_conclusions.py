"""Drill: SIGKILL the API in the middle of a burst of conclusions (DESIGN §8 reliability).

`hosho api` runs as a process of its own on a temp data dir (SQLite, or a scratch
PostgreSQL database when the suite runs on PostgreSQL). 30 applications are prepared
through the API (submitted, fee notice, payment); 30 conclude requests are fired at once
and the server is killed with SIGKILL as soon as the first one answers. After a restart:

- every application is either concluded with a whole certificate (certificate row,
  version 1 whose digest and Ed25519 signature check out, a 認証キー that decrypts and
  matches its HMAC, the conclusion mail in the outbox, the audit entry) or still
  fee_notified with none of those;
- every conclusion that answered 200 before the kill is there (committed = durable);
- 保証契約番号 are unique; the remaining applications conclude normally after the restart;
- `hosho audit verify` exits 0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.drills import support

APPLICATIONS = 30

pytestmark = pytest.mark.drill


def _burst(base: str, admin: dict, application_ids: list[int], api: support.ApiProcess) -> dict[int, int | str]:
    """Conclude all at once; SIGKILL the server when the first 200 arrives. Returns id → status or error."""
    outcome: dict[int, int | str] = {}
    first_success = threading.Event()
    start = threading.Barrier(len(application_ids))

    def conclude(application_id: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            start.wait()
            try:
                response = client.post(f"/api/admin/applications/{application_id}/conclude", headers=admin)
            except httpx.HTTPError as exc:
                outcome[application_id] = type(exc).__name__
                return
            outcome[application_id] = response.status_code
            if response.status_code == 200:
                first_success.set()

    with ThreadPoolExecutor(max_workers=len(application_ids)) as pool:
        futures = [pool.submit(conclude, application_id) for application_id in application_ids]
        assert first_success.wait(timeout=60), f"no conclusion answered: {outcome}\n{api.log()}"
        api.kill()
        for future in futures:
            future.result(timeout=60)
    return outcome


def _check_certificate(data_dir: Path, number: str, certificate: dict, version: dict, key: dict) -> None:
    content = version["content"].encode("utf-8")
    assert hashlib.sha256(content).hexdigest() == version["digest"], number
    public_key = serialization.load_pem_private_key((data_dir / "signing-key.pem").read_bytes(), None).public_key()
    public_key.verify(base64.b64decode(version["signature"]), content)  # raises if invalid
    raw = base64.b64decode(key["key_ciphertext"])
    aes = (data_dir / "auth-key-aes.secret").read_bytes()
    auth_key = AESGCM(aes).decrypt(raw[:12], raw[12:], number.encode()).decode()
    mac_secret = (data_dir / "auth-key-mac.secret").read_bytes()
    assert hmac.new(mac_secret, f"{number}:{auth_key}".encode(), hashlib.sha256).hexdigest() == key["key_mac"], number


def test_sigkill_mid_burst_leaves_whole_certificates_or_none(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database_url = support.drill_database_url()
    env = support.server_env(data_dir, database_url)
    support.create_admin(env)
    api = support.ApiProcess(data_dir, env).start()
    try:
        with httpx.Client(base_url=api.base, timeout=30) as client:
            admin = support.login(client, support.ADMIN_LOGIN, support.ADMIN_PASSWORD)
            support.ensure_orderer(client, admin)
            _, contractor = support.new_contractor(client, admin, "keiri@inaba-kensetsu.example.jp")
            ids = [support.paid_application(client, admin, contractor, index) for index in range(APPLICATIONS)]

        outcome = _burst(api.base, admin, ids, api)
        answered = {application_id for application_id, status in outcome.items() if status == 200}

        api.start()  # the same data dir: recovery is SQLite's / PostgreSQL's own
        with httpx.Client(base_url=api.base, timeout=30) as client:
            admin = support.login(client, support.ADMIN_LOGIN, support.ADMIN_PASSWORD)
            states = {i: client.get(f"/api/admin/applications/{i}", headers=admin).json() for i in ids}
            concluded_first = {i for i, body in states.items() if body["status"] == "concluded"}
            left = [i for i in ids if i not in concluded_first]
            assert answered <= concluded_first, f"answered 200 but lost: {answered - concluded_first}"
            assert left, (
                f"all {APPLICATIONS} conclusions finished before the kill landed; the drill proved nothing "
                f"(outcome {outcome})"
            )
            assert {states[i]["status"] for i in left} == {"fee_notified"}

            # Whole or nothing, row by row, in the database itself (the server is still up: WAL readers are fine).
            applications = {
                row["id"]: row for row in support.rows(data_dir, database_url, "SELECT id, status, contract_number FROM application")
            }
            certificates = {row["application"]: row for row in support.rows(data_dir, database_url, "SELECT * FROM certificate")}
            versions = {row["certificate"]: row for row in support.rows(data_dir, database_url, "SELECT * FROM certificate_version")}
            auth_keys = {row["certificate"]: row for row in support.rows(data_dir, database_url, "SELECT * FROM auth_key")}
            mails = support.rows(data_dir, database_url,
                          "SELECT related FROM mail_message WHERE category = 'certificate.issued'")
            audits = support.rows(data_dir, database_url,
                           "SELECT target FROM audit_entry WHERE action = 'certificate.concluded'")
            mail_numbers = [row["related"] for row in mails]
            audit_numbers = [row["target"] for row in audits]
            for application_id in ids:
                application = applications[application_id]
                if application_id in concluded_first:
                    number = application["contract_number"]
                    certificate = certificates[application_id]
                    assert certificate["contract_number"] == number
                    version = versions[certificate["id"]]
                    assert version["version"] == 1
                    _check_certificate(data_dir, number, certificate, version, auth_keys[certificate["id"]])
                    assert mail_numbers.count(number) == 1, number
                    assert audit_numbers.count(number) == 1, number
                else:
                    assert application["status"] == "fee_notified" and application["contract_number"] is None
                    assert application_id not in certificates
            assert len(certificates) == len(versions) == len(auth_keys) == len(mails) == len(concluded_first)

            # The survivors conclude normally after the restart, with new numbers.
            for application_id in left:
                response = client.post(f"/api/admin/applications/{application_id}/conclude", headers=admin)
                assert response.status_code == 200, response.text
        numbers = [row["contract_number"] for row in support.rows(data_dir, database_url, "SELECT contract_number FROM certificate")]
        assert len(numbers) == APPLICATIONS
        assert len(set(numbers)) == APPLICATIONS, "duplicate 保証契約番号"
    finally:
        api.stop()
    audit = support.hosho(["audit", "verify"], env)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    print(f"killed mid-burst: {len(concluded_first)} of {APPLICATIONS} concluded before the kill "
          f"({len(answered)} answered), {len(left)} concluded after the restart; {audit.stdout.strip()}")
