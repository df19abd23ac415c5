"""How PDFs are signed: the CA in the data dir, a deployment's own certificate, PAdES-B-T
against a real RFC 3161 TSA on loopback, signing once per document version, the cache."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from backend.documents import SigningSetupError, pades, render_pdf
from backend.documents import render as render_module
from backend.documents.contexts import sample_auth_key_notice, sample_dsure_receipt
from backend.settings import get_settings
from tests.documents.signatures import assert_signed_document, nss_trust_store, pdfsig, tampered, validate
from tests.documents.tsa import start_tsa

SURETY = "西日本建設業保証株式会社"
NOTICE_TITLE = "電子証書閲覧用「認証キー」等のお知らせ（保証契約番号 {}）"


def fresh_notice() -> dict:
    return sample_auth_key_notice(contract_number=f"207{secrets.randbelow(10**7):07d}")


def test_the_ca_is_created_once_in_the_data_dir_owner_only(document_ca) -> None:
    directory = get_settings().data_dir / pades.SIGNING_DIR
    assert directory.stat().st_mode & 0o777 == 0o700
    for name in (pades.CA_KEY_FILE, pades.SIGNER_FILE):  # the private keys
        assert (directory / name).stat().st_mode & 0o777 == 0o600, name
    identity = pades.signing_identity()
    assert identity.source == "data-dir" and identity.trust_anchor == document_ca
    ca = identity.trust_anchor
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    signer = identity.certificate
    assert isinstance(signer.public_key(), ec.EllipticCurvePublicKey) and signer.public_key().curve.name == "secp256r1"
    assert signer.issuer == ca.subject
    signer.verify_directly_issued_by(ca)
    assert signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == SURETY
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value

    pades.reset()  # a restart reads the same files
    again = pades.signing_identity()
    assert again.trust_anchor == ca and again.fingerprint == identity.fingerprint


async def test_a_signing_certificate_near_its_end_is_renewed_under_the_same_ca(
    monkeypatch, document_ca, nss_dir
) -> None:
    before = pades.signing_identity().fingerprint
    monkeypatch.setattr(pades, "RENEW_BEFORE_DAYS", 10 * 365)  # every certificate is "near its end" now
    renewed = pades.signing_identity()  # also without a restart
    monkeypatch.undo()
    assert renewed.fingerprint != before and renewed.trust_anchor == document_ca
    assert render_module.generation() != render_module._generation(before, "")  # old cache entries go
    context = fresh_notice()
    pdf = await render_pdf("auth-key-notice", context)
    status = await assert_signed_document(
        pdf, title=NOTICE_TITLE.format(context["contract_number"]), anchor=document_ca, nss_dir=nss_dir, author=SURETY
    )
    assert status.signing_cert.sha256_fingerprint.replace(" ", "").lower() == renewed.fingerprint


async def test_b_t_with_an_rfc3161_time_stamp_from_a_real_tsa(signing_settings, document_ca, nss_dir, caplog) -> None:
    tsa, stop = start_tsa()
    try:
        b_b_generation = render_module.generation()
        signing_settings(TSA_URL=tsa.url)
        assert render_module.generation() != b_b_generation  # B-B files are not served as B-T
        context = fresh_notice()
        started = dt.datetime.now(dt.timezone.utc)
        notice = await render_pdf("auth-key-notice", context)
        receipt = await render_pdf("dsure-receipt", sample_dsure_receipt(), cached=False)
        assert len(tsa.requests) >= 2  # one time-stamp per signature (plus pyHanko's size probe)
        for pdf in (notice, receipt):
            status = await validate(pdf, document_ca, tsa_anchor=tsa.root)
            stamp = status.timestamp_validity
            assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted, status.pretty_print_details()
            assert abs((stamp.timestamp - started).total_seconds()) < 60
            assert status.bottom_line
            seen = pdfsig(pdf, nss_dir)
            assert seen.signature_validation == ["Signature is Valid."] and seen.certificate_validation == ["Certificate is Trusted."]
            assert pdfsig(tampered(pdf), nss_dir).signature_validation == ["Digest Mismatch."]
        # a time-stamp from a TSA nobody trusts is reported as such
        untrusted = (await validate(notice, document_ca)).timestamp_validity
        assert untrusted is not None and not untrusted.trusted
        # cached as B-T: served again without asking the TSA
        asked = len(tsa.requests)
        assert await render_pdf("auth-key-notice", context) == notice and len(tsa.requests) == asked
    finally:
        stop()

    # the TSA is down: still signed (B-B), never cached, so the next request tries again
    context = fresh_notice()
    with caplog.at_level(logging.WARNING, logger="hosho.documents"):
        pdf = await render_pdf("auth-key-notice", context)
    assert "time-stamping authority" in caplog.text
    status = await validate(pdf, document_ca)
    assert status.bottom_line and status.timestamp_validity is None
    assert not render_module._slot_path("auth-key-notice", context["contract_number"]).exists()


# --- a deployment's own certificate -------------------------------------------------------


def _certificate(subject: str, issuer: x509.Certificate | None, key, issuer_key, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"), x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(issuer_key, algorithm)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


async def test_a_deployment_brings_its_own_rsa_certificate_and_chain(signing_settings, client, tmp_path) -> None:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate("Example Trust Root CA", None, root_key, root_key, ca=True)
    intermediate_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    intermediate = _certificate("Example Document Signing CA", root, intermediate_key, root_key, ca=True)
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = _certificate(SURETY, intermediate, signer_key, intermediate_key, ca=False)
    (tmp_path / "signer.pem").write_bytes(_pem(signer))
    (tmp_path / "signer-key.pem").write_bytes(_key_pem(signer_key))
    os.chmod(tmp_path / "signer-key.pem", 0o600)
    (tmp_path / "chain.pem").write_bytes(_pem(intermediate) + _pem(root))
    signing_settings(
        PDF_SIGNING_CERT=str(tmp_path / "signer.pem"),
        PDF_SIGNING_KEY=str(tmp_path / "signer-key.pem"),
        PDF_SIGNING_CHAIN=str(tmp_path / "chain.pem"),
    )
    identity = pades.signing_identity()
    assert identity.source == "settings" and identity.trust_anchor == root

    context = fresh_notice()
    pdf = await render_pdf("auth-key-notice", context)
    nss = nss_trust_store(tmp_path / "nss", _pem(root))  # only the root: the intermediate comes with the signature
    await assert_signed_document(
        pdf, title=NOTICE_TITLE.format(context["contract_number"]), anchor=root, nss_dir=nss, author=SURETY
    )
    served = await client.get("/api/documents/ca.pem")
    assert x509.load_pem_x509_certificate(served.content) == root


def test_unusable_signing_settings_are_refused_with_the_reason(signing_settings, tmp_path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(SURETY, None, key, key, ca=False)
    (tmp_path / "cert.pem").write_bytes(_pem(certificate))
    other = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "other-key.pem").write_bytes(_key_pem(other))
    edwards = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "ed25519-key.pem").write_bytes(_key_pem(edwards))
    (tmp_path / "ed25519.pem").write_bytes(_pem(_certificate(SURETY, None, edwards, edwards, ca=False)))
    cases = [
        ({"PDF_SIGNING_CERT": str(tmp_path / "cert.pem")}, "must be set together"),
        ({"PDF_SIGNING_CERT": str(tmp_path / "cert.pem"), "PDF_SIGNING_KEY": str(tmp_path / "other-key.pem")},
         "does not belong to the certificate"),
        ({"PDF_SIGNING_CERT": str(tmp_path / "ed25519.pem"), "PDF_SIGNING_KEY": str(tmp_path / "ed25519-key.pem")},
         "PDF readers verify RSA or ECDSA"),
        ({"PDF_SIGNING_CERT": str(tmp_path / "missing.pem"), "PDF_SIGNING_KEY": str(tmp_path / "other-key.pem")},
         "No such file"),
    ]
    for values, reason in cases:
        signing_settings(**{"PDF_SIGNING_CERT": None, "PDF_SIGNING_KEY": None, **values})
        with pytest.raises(SigningSetupError, match=reason):
            pades.signing_identity()


# --- signed once, cached, pruned ----------------------------------------------------------


async def test_a_document_version_is_signed_once_and_a_receipt_every_time(monkeypatch) -> None:
    signings = 0
    original = pades.sign_pdf

    def counting(pdf: bytes, info: pades.DocumentInfo) -> pades.SignedPdf:
        nonlocal signings
        signings += 1
        return original(pdf, info)

    monkeypatch.setattr(pades, "sign_pdf", counting)
    context = fresh_notice()
    first = await render_pdf("auth-key-notice", context)
    assert await render_pdf("auth-key-notice", context) == first and signings == 1
    path = render_module._slot_path("auth-key-notice", context["contract_number"])
    key = render_module.cache_key("auth-key-notice", context)
    assert render_module._read_cached(path, key) == first  # the cache holds the signed bytes

    receipts = [await render_pdf("dsure-receipt", sample_dsure_receipt(), cached=False) for _ in range(2)]
    assert signings == 3 and receipts[0] != receipts[1]  # each receipt its own signature


async def test_a_newer_rendering_replaces_the_older_and_stale_generations_are_pruned() -> None:
    context = fresh_notice()
    old = await render_pdf("auth-key-notice", context)
    path = render_module._slot_path("auth-key-notice", context["contract_number"])
    reissued = {**context, "auth_key": "Z9Y8X7W6V5"}
    new = await render_pdf("auth-key-notice", reissued)
    assert new != old
    assert render_module._read_cached(path, render_module.cache_key("auth-key-notice", context)) is None
    assert render_module._read_cached(path, render_module.cache_key("auth-key-notice", reissued)) == new
    assert len(list(path.parent.glob("*.pdf"))) == 1

    root = render_module.cache_dir()
    stale_generation = root / "0123456789abcdef" / "ab"
    stale_generation.mkdir(parents=True)
    (stale_generation / "old.pdf").write_bytes(b"sealed")
    legacy = root / "6e"  # the flat layout before generations
    legacy.mkdir(exist_ok=True)
    (legacy / ("6e" + "0" * 62 + ".pdf")).write_bytes(b"sealed")
    assert render_module.prune_cache() == 2
    assert sorted(entry.name for entry in root.iterdir()) == [render_module.generation()]
    assert await render_pdf("auth-key-notice", reissued) == new  # the current generation stays


async def test_a_reissued_key_drops_the_old_notice_from_disk(client, admin, contractor, document_ca, nss_dir) -> None:
    from tests.support.lifecycle import concluded_certificate

    number = await concluded_certificate(client, admin, contractor)
    url = f"/api/certificates/{number}/documents/auth-key-notice"
    old = (await client.get(url, headers=contractor.headers)).content
    path = render_module._slot_path("auth-key-notice", number)
    assert path.exists()
    reissued = await client.post(f"/api/certificates/{number}/reissue-key", headers=contractor.headers)
    assert reissued.status_code == 200, reissued.text
    assert not path.exists()
    new = (await client.get(url, headers=contractor.headers)).content
    assert new != old and path.exists()
    await assert_signed_document(new, title=NOTICE_TITLE.format(number), anchor=document_ca, nss_dir=nss_dir, author=SURETY)
