"""POST /api/dsure/receipt: a signed 閲覧証明 PDF, read back with pypdf."""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pypdf

from backend.domain import signing
from backend.domain.canonical import canonical_json
from backend.dsure import service
from backend.dsure_store.tables import DsView
from backend.dsure import keys as dsure_keys
from backend.lib import keyring
from tests.dsure.conftest import call, wrong_key

JST = timezone(timedelta(hours=9))


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize("NFKC", "\n".join(page.extract_text() or "" for page in reader.pages))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def printed_checked_at(text: str) -> datetime:
    """「確認日時 令和8年11月28日 7時57分53秒（日本時間）」 → an aware datetime."""
    found = re.search(r"確認日時\s*令和(\d+|元)年(\d+)月(\d+)日\s*(\d+)時(\d+)分(\d+)秒", text)
    assert found, text
    era_year = 1 if found.group(1) == "元" else int(found.group(1))
    values = [int(v) for v in found.groups()[1:]]
    return datetime(2018 + era_year, values[0], values[1], values[2], values[3], values[4], tzinfo=JST)


async def test_receipt_is_a_signed_pdf_that_can_be_checked_from_its_print(client, issued):
    verified = (await call(client, "verify", issued.number, issued.key)).json()
    response = await call(client, "receipt", issued.number, issued.key)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"閲覧証明_{issued.number}.pdf"
    assert response.content.startswith(b"%PDF")

    text = pdf_text(response.content)
    flat_text = flat(text)
    assert "閲覧証明" in flat_text
    assert f"保証契約番号{issued.number}" in flat_text
    assert "版第1版" in flat_text and "状態有効" in flat_text
    assert verified["digest"] in flat_text  # printed in groups of 8
    # Signed by D-Sure's own key (not the issuer's), and it says so.
    key_id = signing.key_id(dsure_keys.public_key())
    assert key_id != signing.key_id(keyring.public_key())
    assert f"署名鍵ID{key_id}" in flat_text
    assert "が自らの鍵で" in flat_text and "保証会社の署名ではありません" in flat_text
    assert "登録コード207" in flat_text
    assert issued.key not in flat_text  # never the 認証キー

    # The printed values are enough to rebuild the signed data and check the signature.
    signature = re.search(r"\(Ed25519・Base64\)(.+?)署名鍵ID", flat_text).group(1)
    checked_at = printed_checked_at(text)
    assert abs((datetime.now(timezone.utc) - checked_at).total_seconds()) < 120
    data = service.receipt_data(
        contract_number=issued.number, issuer="207", version=1, status="valid", digest=verified["digest"],
        checked_at=checked_at, key_id=key_id,
    )
    dsure_keys.public_key().verify(base64.b64decode(signature), canonical_json(data))  # raises if invalid
    forged = {**data, "status": "cancelled"}
    try:
        dsure_keys.public_key().verify(base64.b64decode(signature), canonical_json(forged))
    except Exception:
        pass
    else:
        raise AssertionError("a changed receipt must not verify")

    kinds = [row["kind"] for row in await DsView.select(DsView.kind).order_by(DsView.id)]
    assert kinds == ["verify", "receipt"]


async def test_receipt_of_a_cancelled_certificate_says_so(client, admin, issued):
    await client.post(f"/api/admin/certificates/{issued.number}/cancel", json={"reason": "契約解除"}, headers=admin.headers)
    response = await call(client, "receipt", issued.number, issued.key)
    assert response.status_code == 200
    assert "状態解約" in flat(pdf_text(response.content))


async def test_receipt_refuses_like_verify(client, issued):
    refused = await call(client, "receipt", issued.number, wrong_key(issued.key))
    reference = await call(client, "verify", "2079999999", issued.key)
    assert refused.status_code == 404
    assert refused.content == reference.content
    assert refused.headers["content-type"].startswith("application/json")


async def test_receipts_are_not_kept_in_the_pdf_cache(client, issued):
    from backend.documents.render import cache_dir

    before = sorted(cache_dir().rglob("*.pdf")) if cache_dir().exists() else []
    response = await call(client, "receipt", issued.number, issued.key)
    assert response.status_code == 200
    after = sorted(cache_dir().rglob("*.pdf")) if cache_dir().exists() else []
    assert after == before
