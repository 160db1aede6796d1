"""Fixtures of the TLS and proxy tests: a private CA made by trustme, and its PEM bundle."""

from __future__ import annotations

import pytest
import trustme


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A private CA, one per test module: nothing outside the tests trusts it."""
    return trustme.CA()


@pytest.fixture(scope="module")
def bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The CA's certificate as a PEM file, for REQUESTS_CA_BUNDLE and the like."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)
