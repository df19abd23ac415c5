"""Document fixtures: the CA every PDF signature chains to, and an NSS trust store with it."""

from __future__ import annotations

import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from backend.documents import pades, render
from backend.settings import get_settings
from tests.documents.signatures import nss_trust_store


@pytest.fixture(scope="session")
def document_ca() -> x509.Certificate:
    """The CA created in the (test) data dir on first start."""
    return pades.signing_identity().trust_anchor


@pytest.fixture(scope="session")
def nss_dir(document_ca, tmp_path_factory) -> str:
    """A trust store holding only that CA, as an orderer's PC would after trusting ca.pem."""
    return nss_trust_store(tmp_path_factory.mktemp("nss"), document_ca.public_bytes(serialization.Encoding.PEM))


@pytest.fixture
def signing_settings():
    """Change HOSHO_PDF_SIGNING_* / HOSHO_TSA_URL for one test: ``apply(TSA_URL=…)``; the
    settings and the signing identity are reloaded, and restored afterwards."""
    changed: dict[str, str | None] = {}

    def apply(**values: str | None) -> None:
        for name, value in values.items():
            variable = f"HOSHO_{name}"
            changed.setdefault(variable, os.environ.get(variable))
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value
        get_settings.cache_clear()
        render.reset()

    yield apply
    for variable, value in changed.items():
        if value is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = value
    get_settings.cache_clear()
    render.reset()
