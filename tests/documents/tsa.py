"""A real RFC 3161 time-stamping authority on loopback, for PAdES-B-T tests.

pyHanko's ``DummyTimeStamper`` answers a TimeStampReq with a signed TimeStampResp (it is a
complete TSA: token, TSTInfo, ESSCertIDv2, nonce); this serves it over HTTP the way a
public TSA does (POST ``application/timestamp-query`` → ``application/timestamp-reply``),
so the product's HTTP client, the request it builds and the token it embeds are all real.
The TSA has its own root, so tests can show that a validator trusts the time-stamp only
when that root is trusted.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.sign.timestamps import DummyTimeStamper


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool, eku=None) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


@dataclass
class TimeStampAuthority:
    url: str
    root: x509.Certificate
    requests: list[bytes]

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    timestamper: DummyTimeStamper
    requests: list[bytes]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self.send_error(415)
            return
        self.server.requests.append(body)
        reply = self.server.timestamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:  # quiet
        pass


def start_tsa() -> tuple[TimeStampAuthority, callable]:
    """Serve a TSA on 127.0.0.1 (a free port); returns it and a function that stops it."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate(_name("Hosho Test TSA Root"), _name("Hosho Test TSA Root"), root_key.public_key(), root_key, ca=True)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # DummyTimeStamper signs with RSA
    tsa_certificate = _certificate(
        _name("Hosho Test TSA"), root.subject, tsa_key.public_key(), root_key, ca=False,
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
    )
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    server.timestamper = DummyTimeStamper(
        tsa_cert=translate_pyca_cryptography_cert_to_asn1(tsa_certificate),
        tsa_key=translate_pyca_cryptography_key_to_asn1(tsa_key),
        certs_to_embed=[translate_pyca_cryptography_cert_to_asn1(root)],
    )
    thread = threading.Thread(target=server.serve_forever, name="test-tsa", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    authority = TimeStampAuthority(url=f"http://127.0.0.1:{server.server_address[1]}/tsa", root=root, requests=server.requests)
    return authority, stop
