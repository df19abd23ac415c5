"""Reading our PDFs' signatures and metadata back the way an orderer's IT department would:
poppler's ``pdfsig`` (NSS, with the CA in a trust store of its own), pyHanko's validator
against the CA, ``pdfinfo`` for the document information, pypdf for the catalog.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypdf
from cryptography import x509
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from tests.documents.pdftools import _write


def nss_trust_store(directory: Path, *anchors_pem: bytes) -> str:
    """An NSS database trusting ``anchors_pem`` for signatures (what ``pdfsig -nssdir`` reads)."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True, capture_output=True)
    for number, pem in enumerate(anchors_pem):
        path = directory / f"anchor-{number}.pem"
        path.write_bytes(pem)
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{directory}", "-n", f"anchor-{number}", "-t", "C,C,C", "-i", str(path)],
            check=True, capture_output=True,
        )
    return f"sql:{directory}"


@dataclass
class Pdfsig:
    signatures: int
    signature_validation: list[str]  # "Signature is Valid.", "Digest Mismatch.", …
    certificate_validation: list[str]  # "Certificate is Trusted.", …
    signature_types: list[str]
    whole_document: int  # signatures that cover the whole file
    output: str


def pdfsig(pdf: bytes, nss_dir: str | None = None) -> Pdfsig:
    path = _write(pdf)
    try:
        args = ["pdfsig", *(["-nssdir", nss_dir] if nss_dir else []), str(path)]
        completed = subprocess.run(args, capture_output=True, text=True)
    finally:
        path.unlink()
    out = completed.stdout + completed.stderr
    return Pdfsig(
        signatures=len(re.findall(r"^Signature #\d+:", out, re.M)),
        signature_validation=re.findall(r"Signature Validation: (.+)", out),
        certificate_validation=re.findall(r"Certificate Validation: (.+)", out),
        signature_types=re.findall(r"Signature Type: (.+)", out),
        whole_document=out.count("- Total document signed"),
        output=out,
    )


def pdfinfo(pdf: bytes) -> dict[str, str]:
    path = _write(pdf)
    try:
        out = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, text=True, check=True).stdout
    finally:
        path.unlink()
    return {key.strip(): value.strip() for key, value in re.findall(r"^([^:\n]+):(.*)$", out, re.M)}


def catalog(pdf: bytes) -> dict:
    return dict(pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"])


async def validate(pdf: bytes, anchor: x509.Certificate, *, tsa_anchor: x509.Certificate | None = None) -> PdfSignatureStatus:
    """pyHanko's validation of the one signature, trusting ``anchor`` only (no system roots)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1, reader.embedded_signatures
    roots = [translate_pyca_cryptography_cert_to_asn1(anchor)]
    ts_roots = [translate_pyca_cryptography_cert_to_asn1(tsa_anchor)] if tsa_anchor else roots
    return await async_validate_pdf_signature(
        reader.embedded_signatures[0],
        signer_validation_context=ValidationContext(trust_roots=roots, allow_fetching=False),
        ts_validation_context=ValidationContext(trust_roots=ts_roots, allow_fetching=False),
    )


def tampered(pdf: bytes) -> bytes:
    """One byte changed inside the signed range: page 1 becomes a point wider (595 → 596)."""
    at = pdf.index(b"/MediaBox [0 0 595")
    digit = at + len(b"/MediaBox [0 0 59")
    assert pdf[digit : digit + 1] == b"5"
    return pdf[:digit] + b"6" + pdf[digit + 1 :]


async def assert_signed_document(pdf: bytes, *, title: str, anchor: x509.Certificate, nss_dir: str, author: str) -> PdfSignatureStatus:
    """Everything an auditor checks: pdfsig (valid, trusted, PAdES, whole file), pyHanko
    against the CA, the metadata, the language; and that an edited byte breaks it."""
    seen = pdfsig(pdf, nss_dir)
    assert seen.signatures == 1, seen.output
    assert seen.signature_validation == ["Signature is Valid."], seen.output
    assert seen.certificate_validation == ["Certificate is Trusted."], seen.output
    assert seen.signature_types == ["ETSI.CAdES.detached"], seen.output  # PAdES
    assert seen.whole_document == 1, seen.output

    status = await validate(pdf, anchor)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.bottom_line, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE", status.coverage
    assert status.docmdp_ok
    certified = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].docmdp_level
    assert certified == MDPPerm.ANNOTATE  # a certification signature that allows comments

    info = pdfinfo(pdf)
    assert info["Title"] == title, info
    assert info["Author"] == author and info["Creator"] == "電子保証（Denshi Hoshō）", info
    assert info["Subject"], info
    assert catalog(pdf)["/Lang"] == "ja"

    broken = tampered(pdf)
    seen = pdfsig(broken, nss_dir)
    assert seen.signature_validation == ["Digest Mismatch."], seen.output
    assert not (await validate(broken, anchor)).intact
    return status
