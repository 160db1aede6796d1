"""Which proxy and CA bundle a URL gets: the environment as requests reads it, except that
loopback is always direct, and a CA bundle that does not exist is a clear error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bctrl_tail.errors import TLSFailure
from bctrl_tail.transport import BearerAuth, new_session, route

PROXY = "http://user:secret@proxy.corp:3128"


@pytest.fixture(autouse=True)
def no_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE",
                 "CURL_CA_BUNDLE", "SSL_CERT_FILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
def test_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, PROXY)
    way = route("https://api.bctrl.ai/v2/runs/r/events/stream")
    assert way.proxy == PROXY
    assert way.proxies == {"http": PROXY, "https": PROXY}
    assert way.proxy_address == "proxy.corp:3128"  # never the credentials


@pytest.mark.parametrize("no_proxy", ["api.bctrl.ai", "bctrl.ai", ".bctrl.ai", "*"])
def test_no_proxy(monkeypatch: pytest.MonkeyPatch, no_proxy: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert route("https://api.bctrl.ai/v2").proxy is None


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787", "https://x.localhost",
     "http://127.8.9.10"],
)  # fmt: skip
def test_loopback_is_always_direct(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, PROXY)
    assert route(url + "/v2/runs/r/events/stream").proxy is None


def test_ca_bundle_variables_in_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first, second = tmp_path / "a.pem", tmp_path / "b.pem"
    first.write_text("")
    second.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(second))
    assert route("https://api.bctrl.ai").verify == str(second)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(first))
    way = route("https://api.bctrl.ai")
    assert (way.verify, way.ca_variable) == (str(first), "REQUESTS_CA_BUNDLE")


def test_missing_ca_bundle_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/no/such/ca.pem")
    with pytest.raises(TLSFailure, match=re.escape("SSL_CERT_FILE names /no/such/ca.pem")):
        route("https://api.bctrl.ai")


def test_session_reads_nothing_from_the_environment() -> None:
    assert new_session().trust_env is False
    assert "k_secret" not in repr(BearerAuth("k_secret"))
