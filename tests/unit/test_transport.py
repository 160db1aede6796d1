"""Which proxy and CA bundle a URL gets: the environment as requests reads it, except that
loopback is always direct, and a CA bundle that does not exist is a clear error."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bctrl_tail.errors import TLSFailure
from bctrl_tail.transport import BearerAuth, ca_bundles, new_session, prepare_https, route

PROXY = "http://user:secret@proxy.corp:3128"


@pytest.fixture(autouse=True)
def no_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE",
                 "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
def test_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, PROXY)
    way = route("https://api.bctrl.ai/v2/runs/r/events/stream")
    assert way.proxy == PROXY
    assert way.proxies == {"http": PROXY, "https": PROXY}
    assert way.proxy_address == "proxy.corp:3128"  # never the credentials


@pytest.mark.parametrize(
    ("variables", "named"),
    [({"HTTPS_PROXY": PROXY}, "HTTPS_PROXY"), ({"https_proxy": PROXY}, "https_proxy"),
     ({"ALL_PROXY": PROXY}, "ALL_PROXY"), ({"all_proxy": PROXY, "HTTP_PROXY": "x"}, "all_proxy")],
)  # fmt: skip
def test_messages_name_the_variable_the_proxy_came_from(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    way = route("https://api.bctrl.ai/v2")
    assert way.proxy_variable == named
    assert way.proxy_has_credentials


def test_a_proxy_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128/@x")
    way = route("http://api.bctrl.ai/v2")
    assert (way.proxy_variable, way.proxy_address) == ("HTTP_PROXY", "proxy.corp:3128")
    assert not way.proxy_has_credentials


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


def test_ca_bundles_each_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first, second = str(tmp_path / "a.pem"), str(tmp_path / "b.pem")
    monkeypatch.setenv("SSL_CERT_FILE", second)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", first)
    monkeypatch.setenv("CURL_CA_BUNDLE", first)
    assert ca_bundles() == (("REQUESTS_CA_BUNDLE", first), ("SSL_CERT_FILE", second))


def test_ssl_cert_dir_is_a_list_of_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundle = str(tmp_path / "a.pem")
    monkeypatch.setenv("SSL_CERT_FILE", bundle)
    monkeypatch.setenv("SSL_CERT_DIR", os.pathsep.join(["/etc/one", "", "/etc/two", bundle]))
    assert ca_bundles() == (
        ("SSL_CERT_FILE", bundle), ("SSL_CERT_DIR", "/etc/one"), ("SSL_CERT_DIR", "/etc/two")
    )  # fmt: skip


def test_missing_ca_bundle_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/no/such/ca.pem")
    with pytest.raises(TLSFailure, match=re.escape("SSL_CERT_FILE names /no/such/ca.pem")):
        prepare_https(new_session())


def test_a_bundle_without_certificates_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(empty))
    with pytest.raises(TLSFailure, match="holds no PEM certificate"):
        prepare_https(new_session())


def test_session_reads_nothing_from_the_environment() -> None:
    assert new_session().trust_env is False
    assert "k_secret" not in repr(BearerAuth("k_secret"))


def test_named_bundles_are_trusted_in_addition_to_the_public_cas(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import trustme

    from bctrl_tail.transport import trust_context

    public = len(trust_context().get_ca_certs())
    bundle = tmp_path / "private.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert len(trust_context().get_ca_certs()) == public + 1
    assert public > 50  # the public CAs are still there
