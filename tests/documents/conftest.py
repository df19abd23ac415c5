"""Document fixtures: the CA every PDF signature chains to, and an NSS trust store with it."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from backend.documents import pades
from tests.documents.signatures import nss_trust_store


@pytest.fixture(scope="session")
def document_ca() -> x509.Certificate:
    """The CA created in the (test) data dir on first start."""
    return pades.signing_identity().trust_anchor


@pytest.fixture(scope="session")
def nss_dir(document_ca, tmp_path_factory) -> str:
    """A trust store holding only that CA, as an orderer's PC would after trusting ca.pem."""
    return nss_trust_store(tmp_path_factory.mktemp("nss"), document_ca.public_bytes(serialization.Encoding.PEM))
