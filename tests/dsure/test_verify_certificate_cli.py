"""`hosho verify-certificate FILE`: offline check of a saved D-Sure verify response."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.cli import main
from tests.dsure.conftest import verify


async def _saved(client, issued, tmp_path: Path) -> tuple[Path, dict]:
    body = (await verify(client, issued.number, issued.key)).json()
    path = tmp_path / f"dsure-{issued.number}.json"
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, body


async def test_valid_file_exits_zero(client, issued, tmp_path, capsys):
    path, _ = await _saved(client, issued, tmp_path)
    assert main(["verify-certificate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "署名は有効です" in out and issued.number in out


async def test_tampered_file_exits_one(client, issued, tmp_path, capsys):
    path, body = await _saved(client, issued, tmp_path)
    tampered = json.loads(json.dumps(body))
    tampered["certificate"]["guarantee"]["amount"] = 200_000_000
    tampered_path = tmp_path / "tampered.json"
    tampered_path.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    assert main(["verify-certificate", str(tampered_path)]) == 1
    assert "改ざん" in capsys.readouterr().err

    # Content and digest changed together: the signature no longer matches.
    from backend.domain.canonical import digest_hex

    tampered["digest"] = digest_hex(tampered["certificate"])
    tampered_path.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    assert main(["verify-certificate", str(tampered_path)]) == 1
    assert "電子署名が一致しません" in capsys.readouterr().err

    broken = tmp_path / "broken.json"
    broken.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    assert main(["verify-certificate", str(broken)]) == 1
    assert "JSON" in capsys.readouterr().err


async def test_published_keys_as_json_and_another_key(client, issued, tmp_path, capsys):
    """The JSON of /issuers and /public-key as key files: both signatures and the status as of checked_at."""
    path, body = await _saved(client, issued, tmp_path)
    issuers = tmp_path / "issuers.json"
    issuers.write_text((await client.get("/api/dsure/issuers")).text, encoding="utf-8")
    dsure_key = tmp_path / "dsure-public-key.json"
    dsure_key.write_text((await client.get("/api/dsure/public-key")).text, encoding="utf-8")
    assert main(["verify-certificate", str(path), "--public-key", str(issuers), "--public-key", str(dsure_key)]) == 0
    out = capsys.readouterr().out
    assert "certificate_jws（保証会社の署名、RFC 8785）は有効です" in out
    assert "時点の状態: 有効（valid）" in out and "保証会社 207 西日本建設業保証株式会社" in out

    # Without D-Sure's key the status cannot be vouched for.
    assert main(["verify-certificate", str(path), "--public-key", str(issuers)]) == 1
    assert "status_statement" in capsys.readouterr().err

    # An edited status is caught by D-Sure's signature.
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**body, "status": "cancelled"}, ensure_ascii=False), encoding="utf-8")
    assert main(["verify-certificate", str(edited), "--public-key", str(issuers), "--public-key", str(dsure_key)]) == 1
    assert "D-Sure の署名した状態" in capsys.readouterr().err

    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert main(["verify-certificate", str(path), "--public-key", str(other)]) == 1
    assert "署名鍵ID" in capsys.readouterr().err


async def test_the_installed_command(client, issued, tmp_path):
    path, body = await _saved(client, issued, tmp_path)
    hosho = Path(sys.executable).parent / "hosho"
    command = [str(hosho)] if hosho.exists() else [sys.executable, "-m", "backend.cli"]
    ok = subprocess.run([*command, "verify-certificate", str(path)], capture_output=True, text=True, env=os.environ)
    assert ok.returncode == 0, ok.stderr
    assert "署名は有効です" in ok.stdout
    body["certificate"]["project"]["name"] = "別の工事"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    bad = subprocess.run([*command, "verify-certificate", str(path)], capture_output=True, text=True, env=os.environ)
    assert bad.returncode == 1 and "改ざん" in bad.stderr
