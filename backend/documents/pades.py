"""PAdES signatures on every PDF the product issues (pyHanko), and the PDF's metadata.

    identity = signing_identity()          # loaded (or created) once per process
    signed = sign_pdf(pdf, DocumentInfo(title=…, author=…, subject=…))

The signing certificate (X.509, ECDSA P-256 by default; RSA or other NIST curves when a
deployment brings its own) is either

- **our own**: a CA and a signing certificate created in ``<data dir>/pdf-signing/`` on first
  start (private keys 0600). The signing certificate is renewed from that CA when it nears
  its end or when the surety's name changes; the CA stays, so an orderer who trusted it once
  keeps trusting every document; or
- **the deployment's**: ``HOSHO_PDF_SIGNING_CERT`` and ``HOSHO_PDF_SIGNING_KEY`` (PEM files),
  with ``HOSHO_PDF_SIGNING_CHAIN`` (PEM, the intermediates and the root) — e.g. a certificate
  from a CA on Adobe's trust list, which readers trust without any step by the orderer.

``trust_anchor_pem()`` is what ``GET /api/documents/ca.pem`` serves: the root an orderer adds
to their reader's trusted certificates.

Level: PAdES-B-B (ETSI EN 319 142-1: ``ETSI.CAdES.detached``, signing-certificate-v2, no
signing time in the signed attributes); PAdES-B-T when ``HOSHO_TSA_URL`` names an RFC 3161
time-stamping authority (the signature then carries a signature time-stamp). When the TSA
cannot be reached the document is still signed (B-B) but not cached, so the next request
tries the TSA again (``SignedPdf.level`` says which level was reached).

The signature is a certification (author) signature that allows comments (DocMDP P=3): a
clerk may annotate a received notice without breaking it; any other change does.
Everything here blocks (key generation, signing, the TSA request): call it from a worker
thread, never from the event loop.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from backend.settings import Settings, get_settings

log = logging.getLogger("hosho.documents")

SIGNING_DIR = "pdf-signing"
CA_KEY_FILE = "ca-key.pem"
CA_CERT_FILE = "ca.pem"
SIGNER_FILE = "signer.pem"  # key and certificate in one file, so a renewal replaces both at once
PRODUCT_NAME = "電子保証（Denshi Hoshō）"
SIGNATURE_FIELD = "Signature1"

CA_YEARS = 20
SIGNER_DAYS = 2 * 365
RENEW_BEFORE_DAYS = 60  # a signing certificate this close to its end is replaced
# RFC 9336 id-kp-documentSigning; emailProtection is what NSS (poppler's pdfsig) and Acrobat
# look for in a signer's extended key usage.
DOCUMENT_SIGNING_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
READER_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
TSA_TIMEOUT_SECONDS = 10


class SigningSetupError(RuntimeError):
    """The configured signing certificate, key or chain cannot be used."""


@dataclass(frozen=True)
class DocumentInfo:
    """The PDF's document information (pdfinfo shows it; readers show the title)."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...] = ()
    creator: str = PRODUCT_NAME
    language: str = "ja"


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    level: str  # "B-B" or "B-T"


@dataclass(frozen=True)
class SigningIdentity:
    signer: signers.SimpleSigner
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuers of ``certificate``, root last
    trust_anchor: x509.Certificate
    source: str  # "data-dir" or "settings"
    tsa_url: str | None = None
    _timestamper: HTTPTimeStamper | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the signing certificate: part of the PDF cache's generation."""
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    @property
    def common_name(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()


# --- the identity -------------------------------------------------------------------------

_identity_lock = threading.Lock()


@lru_cache(maxsize=1)
def _cached_identity() -> SigningIdentity:
    settings = get_settings()
    if settings.pdf_signing_cert or settings.pdf_signing_key:
        identity = _identity_from_settings(settings)
    else:
        identity = _identity_from_data_dir(settings.data_dir / SIGNING_DIR, settings.surety_name)
    timestamper = HTTPTimeStamper(settings.tsa_url, timeout=TSA_TIMEOUT_SECONDS) if settings.tsa_url else None
    return SigningIdentity(
        signer=identity.signer,
        certificate=identity.certificate,
        chain=identity.chain,
        trust_anchor=identity.trust_anchor,
        source=identity.source,
        tsa_url=settings.tsa_url,
        _timestamper=timestamper,
    )


def signing_identity() -> SigningIdentity:
    """The signing certificate and key, loaded or created once per process (blocking); our
    own certificate is renewed when it nears its end, also in a process that runs for years."""
    with _identity_lock:  # two first renders at once must not both create a CA
        identity = _cached_identity()
        if identity.source == "data-dir" and _near_end(identity.certificate):
            _cached_identity.cache_clear()
            identity = _cached_identity()
        return identity


def _near_end(certificate: x509.Certificate) -> bool:
    return certificate.not_valid_after_utc - _now() <= dt.timedelta(days=RENEW_BEFORE_DAYS)


def reset() -> None:
    """Forget the loaded identity (tests that change the settings)."""
    with _identity_lock:
        _cached_identity.cache_clear()


def trust_anchor_pem() -> bytes:
    return signing_identity().trust_anchor.public_bytes(serialization.Encoding.PEM)


def _simple_signer(key, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...]) -> signers.SimpleSigner:
    return signers.SimpleSigner(
        signing_cert=translate_pyca_cryptography_cert_to_asn1(certificate),
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=SimpleCertificateStore.from_certs([translate_pyca_cryptography_cert_to_asn1(c) for c in chain]),
    )


def _check_key(key, where: str) -> None:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise SigningSetupError(f"{where}: RSA keys need at least 2048 bits (got {key.key_size})")
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, READER_CURVES):
            raise SigningSetupError(f"{where}: PDF readers verify ECDSA on P-256, P-384 or P-521, not {key.curve.name}")
    else:
        raise SigningSetupError(f"{where}: PDF readers verify RSA or ECDSA signatures, not {type(key).__name__}")


def _read_certificates(path: Path, what: str) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningSetupError(f"{what} ({path}): {exc.strerror or exc}") from exc
    try:
        return x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise SigningSetupError(f"{what} ({path}) is not a PEM or DER certificate") from exc


def _identity_from_settings(settings: Settings) -> SigningIdentity:
    if not (settings.pdf_signing_cert and settings.pdf_signing_key):
        raise SigningSetupError("HOSHO_PDF_SIGNING_CERT and HOSHO_PDF_SIGNING_KEY must be set together")
    certificate = _read_certificates(settings.pdf_signing_cert, "HOSHO_PDF_SIGNING_CERT")[0]
    try:
        key_data = settings.pdf_signing_key.read_bytes()
    except OSError as exc:
        raise SigningSetupError(f"HOSHO_PDF_SIGNING_KEY ({settings.pdf_signing_key}): {exc.strerror or exc}") from exc
    try:
        load = serialization.load_pem_private_key if b"-----BEGIN" in key_data else serialization.load_der_private_key
        key = load(key_data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningSetupError(f"HOSHO_PDF_SIGNING_KEY ({settings.pdf_signing_key}) is not an unencrypted private key") from exc
    _check_key(key, "HOSHO_PDF_SIGNING_KEY")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise SigningSetupError("HOSHO_PDF_SIGNING_KEY does not belong to the certificate in HOSHO_PDF_SIGNING_CERT")
    chain: tuple[x509.Certificate, ...] = ()
    if settings.pdf_signing_chain:
        chain = tuple(
            c for c in _read_certificates(settings.pdf_signing_chain, "HOSHO_PDF_SIGNING_CHAIN") if c != certificate
        )
    roots = [c for c in chain if c.issuer == c.subject]
    anchor = roots[-1] if roots else (chain[-1] if chain else certificate)
    return SigningIdentity(
        signer=_simple_signer(key, certificate, chain),
        certificate=certificate,
        chain=chain,
        trust_anchor=anchor,
        source="settings",
    )


def _identity_from_data_dir(directory: Path, surety_name: str) -> SigningIdentity:
    if not (directory / CA_KEY_FILE).exists():
        _create_ca(directory, surety_name)
    ca_key = serialization.load_pem_private_key((directory / CA_KEY_FILE).read_bytes(), password=None)
    ca_certificate = x509.load_pem_x509_certificate((directory / CA_CERT_FILE).read_bytes())
    key, certificate = _current_signer(directory, ca_key, ca_certificate, surety_name)
    return SigningIdentity(
        signer=_simple_signer(key, certificate, (ca_certificate,)),
        certificate=certificate,
        chain=(ca_certificate,),
        trust_anchor=ca_certificate,
        source="data-dir",
    )


def _name(surety_name: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, surety_name),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _private_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` owner-only, atomically (a temp file renamed over it)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp creates 0600
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _create_ca(directory: Path, surety_name: str) -> None:
    """A new CA in ``directory``; built aside and renamed into place, so of two processes
    starting at once exactly one CA wins and both use it."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".pdf-signing-"))  # 0700
    try:
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(surety_name, f"{surety_name} 電子保証 文書署名CA")
        now = _now()
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now.replace(year=now.year + CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_private(staging / CA_KEY_FILE, _private_pem(key))
        (staging / CA_CERT_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        try:
            staging.rename(directory)
        except OSError:
            if not (directory / CA_KEY_FILE).exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _current_signer(directory: Path, ca_key, ca_certificate: x509.Certificate, surety_name: str):
    """The signing key and certificate, issued anew when missing, near expiry or renamed."""
    path = directory / SIGNER_FILE
    if path.exists():
        data = path.read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
        certificate = x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN CERTIFICATE") :])
        fresh = not _near_end(certificate)
        named = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == surety_name
        if fresh and named and certificate.issuer == ca_certificate.subject:
            return key, certificate
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(surety_name, surety_name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=SIGNER_DAYS), ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING_OID]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(path, _private_pem(key) + certificate.public_bytes(serialization.Encoding.PEM))
    log.info("issued a PDF signing certificate for %s, valid until %s", surety_name, certificate.not_valid_after_utc)
    return key, certificate


# --- signing ------------------------------------------------------------------------------


def _apply_info(writer: IncrementalPdfFileWriter, info: DocumentInfo) -> None:
    """Title, author, subject, creator, language: written in the same revision the
    signature covers (wkhtmltopdf ignores <title>, so they are set here, after rendering)."""
    meta = writer.document_meta  # → the XMP metadata stream
    meta.title, meta.author, meta.subject, meta.creator = info.title, info.author, info.subject, info.creator
    meta.keywords = list(info.keywords)
    # An ECDSA P-256 signature makes the file PDF 2.0 (ISO 32002), where pyHanko writes XMP and
    # only updates entries the Info dictionary already has; pdfinfo and many readers show the
    # Info dictionary, so it gets every entry here.
    previous = writer.trailer["/Info"] if "/Info" in writer.trailer else generic.DictionaryObject()
    entries = {key: previous[key] for key in ("/CreationDate", "/Producer") if key in previous}
    entries.update(
        {
            "/Title": info.title, "/Author": info.author, "/Subject": info.subject, "/Creator": info.creator,
            **({"/Keywords": ",".join(info.keywords)} if info.keywords else {}),
        }
    )
    writer.set_info(
        generic.DictionaryObject(
            {
                generic.NameObject(key): generic.TextStringObject(value) if isinstance(value, str) else value
                for key, value in entries.items()
            }
        )
    )
    writer.root["/Lang"] = generic.TextStringObject(info.language)
    # readers show the title (not the file name) in the window and tab
    writer.root["/ViewerPreferences"] = generic.DictionaryObject(
        {generic.NameObject("/DisplayDocTitle"): generic.BooleanObject(True)}
    )
    writer.update_root()


def _sign(pdf: bytes, info: DocumentInfo, identity: SigningIdentity, timestamper: HTTPTimeStamper | None) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _apply_info(writer, info)
    signature_meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
        docmdp_permissions=fields.MDPPerm.ANNOTATE,
        reason=f"{info.author}が発行した文書であることの証明",
    )
    pdf_signer = signers.PdfSigner(signature_meta, signer=identity.signer, timestamper=timestamper)
    return pdf_signer.sign_pdf(writer).getvalue()


def sign_pdf(pdf: bytes, info: DocumentInfo) -> SignedPdf:
    """``pdf`` with ``info`` and a PAdES signature (B-T with a TSA, else B-B). Blocking."""
    identity = signing_identity()
    if identity._timestamper is not None:
        try:
            return SignedPdf(_sign(pdf, info, identity, identity._timestamper), "B-T")
        except (TimestampRequestError, OSError) as exc:
            log.warning("time-stamping authority %s failed (%s); signing without a time-stamp", identity.tsa_url, exc)
    return SignedPdf(_sign(pdf, info, identity, None), "B-B")


__all__ = [
    "PRODUCT_NAME",
    "DocumentInfo",
    "SignedPdf",
    "SigningIdentity",
    "SigningSetupError",
    "reset",
    "sign_pdf",
    "signing_identity",
    "trust_anchor_pem",
]
