"""TLS, proxies and netrc: the CLI through a real TLS front and a real proxy, all on loopback.

Certificates come from trustme (a private CA made per test module). The TLS front terminates
TLS and relays to the simulator, as a load balancer does; the proxy tunnels CONNECT and relays
absolute-form requests, sending every host name to 127.0.0.1 so that a made-up name can be
reached only through it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from bctrl_tail.simulator import Response, Run, Simulator
from tests.netservers import RecordingProxy, TLSFront
from tests.support import KEY, Result, run_cli

EVENTS = [{"id": f"e{i}", "type": "navigation", "seq": i} for i in range(3)]
NO_CA_BUNDLE = dict.fromkeys(
    ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"), ""
)
LIBRARY_TEXT = ("Traceback", "HTTPSConnectionPool", "Max retries", "SSLError", "_ssl.c", "urllib3")


@pytest.fixture
def server() -> Iterator[Simulator]:
    with Simulator() as sim:
        sim.add_run(Run("run_1", EVENTS))
        yield sim


def front(sim: Simulator, cert: trustme.LeafCert) -> TLSFront:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    port = int(sim.base_url.rsplit(":", 1)[1])
    return TLSFront(context, port)


def assert_plain(result: Result) -> None:
    """No library text, no key, and the error itself in at most two lines."""
    for text in LIBRARY_TEXT:
        assert text not in result.stderr, result.stderr
    assert KEY not in result.stderr + result.stdout
    error = result.stderr[result.stderr.index("bctrl-tail: error: ") :]
    assert len(error.strip().splitlines()) <= 2, result.stderr


def test_trusted_through_requests_ca_bundle(server: Simulator, ca: trustme.CA, bundle: str) -> None:
    with front(server, ca.issue_cert("localhost")) as tls:
        result = run_cli(
            "run_1", "--base-url", f"https://localhost:{tls.port}", "-o", "jsonl",
            env={"REQUESTS_CA_BUNDLE": bundle},
        )  # fmt: skip
    assert result.code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.lines] == ["e0", "e1", "e2"]
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_trusted_through_ssl_cert_file(server: Simulator, ca: trustme.CA, bundle: str) -> None:
    with front(server, ca.issue_cert("127.0.0.1")) as tls:
        result = run_cli(
            "run_1", "--base-url", f"https://127.0.0.1:{tls.port}", "-o", "jsonl",
            env={**NO_CA_BUNDLE, "SSL_CERT_FILE": bundle},
        )  # fmt: skip
    assert result.code == 0, result.stderr
    assert len(result.lines) == 3


def hashed_ca_folder(ca: trustme.CA, folder: Path) -> Path:
    """A folder as OpenSSL reads one: the CA certificate under its subject hash (`HASH.0`),
    named by the openssl tool itself."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl tool here to name a certificate by its hash")
    pem = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    subject_hash = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(pem)],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip
    pem.rename(folder / f"{subject_hash}.0")
    return folder


def test_trusted_through_ssl_cert_dir(server: Simulator, ca: trustme.CA, tmp_path: Path) -> None:
    """OpenSSL's folder of hashed certificates, several folders separated as in PATH."""
    (tmp_path / "hashed").mkdir()
    folder = hashed_ca_folder(ca, tmp_path / "hashed")
    (tmp_path / "first").mkdir()
    env = {**NO_CA_BUNDLE, "SSL_CERT_DIR": os.pathsep.join([str(tmp_path / "first"), str(folder)])}
    with front(server, ca.issue_cert("localhost")) as tls:
        base = f"https://localhost:{tls.port}"
        result = run_cli("run_1", "--base-url", base, "-o", "jsonl", env=env)
        assert result.code == 0, result.stderr
        assert len(result.lines) == 3
        other = trustme.CA()  # a CA the folder does not hold: the hint names the folder
    with front(server, other.issue_cert("localhost")) as tls:
        result = run_cli("run_1", "--base-url", f"https://localhost:{tls.port}", env=env)
    assert result.code == 1
    assert "unknown issuer" in result.stderr
    hint = f"add its certificate to {tmp_path / 'first'} (named by SSL_CERT_DIR), then run"
    assert f"{hint} `openssl rehash {tmp_path / 'first'}`" in result.stderr


def test_ssl_cert_dir_that_is_not_a_folder_is_named(tmp_path: Path) -> None:
    result = run_cli(
        "run_1", "--base-url", "https://localhost:9", env={"SSL_CERT_DIR": str(tmp_path / "no")}
    )
    assert result.code == 1
    assert f"SSL_CERT_DIR names {tmp_path / 'no'}, which is not a folder" in result.stderr
    assert "openssl rehash" in result.stderr
    assert_plain(result)


def test_two_private_cas_from_two_variables_are_both_trusted(
    server: Simulator, ca: trustme.CA, bundle: str, tmp_path: Path
) -> None:
    """Named bundles add to what is trusted: each variable's CA works, neither hides the other."""
    other = trustme.CA()
    other_bundle = tmp_path / "other.pem"
    other.cert_pem.write_to_path(str(other_bundle))
    env = {**NO_CA_BUNDLE, "REQUESTS_CA_BUNDLE": bundle, "SSL_CERT_FILE": str(other_bundle)}
    with (
        front(server, ca.issue_cert("localhost")) as one,
        front(server, other.issue_cert("localhost")) as two,
    ):
        for port in (one.port, two.port):
            result = run_cli("run_1", "--base-url", f"https://localhost:{port}", env=env)
            assert result.code == 0, result.stderr


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("unknown-issuer", ["unknown issuer", "REQUESTS_CA_BUNDLE", "private CA"]),
        ("wrong-host", ["host name mismatch", "does not name localhost"]),
        ("expired", ["expired", "renew"]),
    ],
)
def test_certificate_failures_are_final_and_say_why(
    server: Simulator, ca: trustme.CA, bundle: str, case: str, needles: list[str]
) -> None:
    env = {"REQUESTS_CA_BUNDLE": bundle}
    if case == "unknown-issuer":
        cert, env = ca.issue_cert("localhost"), dict(NO_CA_BUNDLE)
    elif case == "wrong-host":
        cert = ca.issue_cert("api.example.com")
    else:
        cert = ca.issue_cert(
            "localhost", not_before=dt.datetime(2020, 1, 1), not_after=dt.datetime(2021, 1, 1)
        )
    with front(server, cert) as tls:
        result = run_cli("run_1", "--base-url", f"https://localhost:{tls.port}", env=env)
        attempts = len(tls.handshake_errors)
    assert result.code == 1
    assert f"the TLS certificate of localhost:{tls.port}" in result.stderr
    for needle in needles:
        assert needle in result.stderr
    assert attempts == 1  # final: no retry, no backoff
    assert server.requests == []
    assert_plain(result)


def test_https_to_a_plain_http_port_says_so(server: Simulator) -> None:
    address = server.base_url.removeprefix("http://")
    result = run_cli("run_1", "--base-url", f"https://{address}")
    assert result.code == 1
    assert f"TLS handshake with {address} failed: it answers in plain http" in result.stderr
    assert f"http://{address}" in result.stderr
    assert_plain(result)


def test_http_to_a_tls_port_says_to_try_https(server: Simulator, ca: trustme.CA) -> None:
    with front(server, ca.issue_cert("localhost")) as tls:
        result = run_cli("run_1", "--base-url", f"http://127.0.0.1:{tls.port}")
    assert result.code == 1
    assert f"127.0.0.1:{tls.port} closed the connection without answering" in result.stderr
    assert f"if that port serves https, use https://127.0.0.1:{tls.port}" in result.stderr
    assert_plain(result)


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_never_goes_through_a_proxy(server: Simulator, host: str) -> None:
    with RecordingProxy() as proxy:
        env = dict.fromkeys(PROXY_VARIABLES, proxy.url)
        port = server.base_url.rsplit(":", 1)[1]
        result = run_cli("run_1", "--base-url", f"http://{host}:{port}", "-o", "jsonl", env=env)
        assert result.code == 0, result.stderr
        assert len(result.lines) == 3
        assert proxy.log.request_lines == []
        assert KEY.encode() not in proxy.log.bytes_seen


def test_https_through_a_proxy_is_a_tunnel(server: Simulator, ca: trustme.CA, bundle: str) -> None:
    """A name that only the proxy can reach: the proxy is used, sees a CONNECT, and can read
    neither the key nor the events (they travel inside TLS)."""
    with front(server, ca.issue_cert("bctrl-api.test")) as tls, RecordingProxy() as proxy:
        env = {"HTTPS_PROXY": proxy.url, "REQUESTS_CA_BUNDLE": bundle}
        base = f"https://bctrl-api.test:{tls.port}"
        result = run_cli("run_1", "--base-url", base, "-o", "jsonl", env=env)
        assert result.code == 0, result.stderr
        assert len(result.lines) == 3
        assert len(proxy.log.request_lines) == 1
        assert proxy.log.request_lines[0].startswith(f"CONNECT bctrl-api.test:{tls.port} ")
        assert KEY.encode() not in proxy.log.bytes_seen
        assert b"navigation" not in proxy.log.bytes_seen
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_plain_http_through_a_proxy_with_allow_http(server: Simulator) -> None:
    """HTTP_PROXY is honoured for a host that is not loopback (plain http, so --allow-http)."""
    port = server.base_url.rsplit(":", 1)[1]
    with RecordingProxy() as proxy:
        env = {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": "", "ALL_PROXY": ""}
        base = f"http://bctrl-api.test:{port}"
        result = run_cli("run_1", "--base-url", base, "--allow-http", "-o", "jsonl", env=env)
        assert result.code == 0, result.stderr
        assert len(result.lines) == 3
        assert proxy.log.request_lines == [f"GET {base}/v2/runs/run_1/events/stream HTTP/1.1"]


def test_a_refusing_proxy_is_named(server: Simulator) -> None:
    from tests.netservers import free_port

    proxy_address = f"127.0.0.1:{free_port()}"
    env = {"HTTPS_PROXY": f"http://user:pw@{proxy_address}"}
    result = run_cli("run_1", "--base-url", "https://bctrl-api.test", env=env, timeout=30)
    assert result.code == 1
    assert (
        f"connection refused by {proxy_address} (the proxy for bctrl-api.test:443, "
        "from HTTPS_PROXY)"
    ) in result.stderr
    assert "check HTTPS_PROXY (and NO_PROXY), or that the proxy is up" in result.stderr
    assert "pw" not in result.stderr  # the proxy's credentials are never shown
    assert_plain(result)


def test_netrc_is_never_used(server: Simulator, tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password pw\ndefault login x password y\n")
    netrc.chmod(0o600)
    env = {"HOME": str(tmp_path), "NETRC": str(netrc)}
    result = run_cli("run_1", "--base-url", server.base_url, "-o", "jsonl", env=env)
    assert result.code == 0, result.stderr
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {KEY}"]


def test_netrc_credentials_never_follow_a_redirect(tmp_path: Path) -> None:
    """An entry for the host, and a redirect: every request carries the bearer key alone,
    and the host the cross-origin redirect names receives nothing."""
    netrc = tmp_path / ".netrc"
    netrc.write_text("default login someone password pw\n")
    netrc.chmod(0o600)
    env = {"HOME": str(tmp_path)}
    with Simulator() as sim, Simulator() as elsewhere:
        target = "/v2/runs/run_2/events/stream"
        sim.add_run(Run("run_1", [], responses=[Response(307, headers={"Location": target})]))
        sim.add_run(Run("run_2", EVENTS))
        result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl", env=env)
        assert result.code == 0, result.stderr
        assert [r.headers["authorization"] for r in sim.requests] == [f"Bearer {KEY}"] * 2
        away = f"{elsewhere.base_url}/v2/runs/run_1/events/stream"
        sim.add_run(Run("run_3", [], responses=[Response(302, headers={"Location": away})]))
        result = run_cli("run_3", "--base-url", sim.base_url, env=env)
        assert result.code == 1
        assert elsewhere.requests == []
