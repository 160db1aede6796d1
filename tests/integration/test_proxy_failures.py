"""A proxy that says no: it wants credentials (407), refuses the ones it got, or cannot reach
the target (502) — each named plainly, with the variable to fix, and the proxy's password
never shown, not even with -v.

The proxy is tests/netservers.py's RecordingProxy, a real HTTP proxy on loopback that sends
every host name to 127.0.0.1, so a made-up API host is reachable only through it.
"""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Iterator

import pytest
import trustme

from bctrl_tail.simulator import Run, Simulator
from tests.netservers import RecordingProxy, TLSFront
from tests.support import KEY, Result, run_cli

EVENTS = [{"id": f"e{i}", "type": "navigation", "seq": i} for i in range(3)]
PASSWORD = "Pr0xyPassw0rd"
CREDENTIALS = f"alice:{PASSWORD}"
NO_PROXY_ELSEWHERE = {"HTTP_PROXY": "", "HTTPS_PROXY": "", "ALL_PROXY": ""}
LIBRARY_TEXT = ("Traceback", "ConnectionPool", "Max retries", "ProxyError", "Tunnel", "urllib3")


@pytest.fixture
def server(sim: Simulator) -> Simulator:
    """The API, with one short run."""
    sim.add_run(Run("run_1", EVENTS))
    return sim


@pytest.fixture
def tls(server: Simulator, ca: trustme.CA) -> Iterator[TLSFront]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("bctrl-api.test").configure_cert(context)
    with TLSFront(context, int(server.base_url.rsplit(":", 1)[1])) as front:
        yield front


def assert_plain(result: Result) -> None:
    """No library text, no key, no proxy password; the error in at most two lines."""
    for text in (*LIBRARY_TEXT, KEY, PASSWORD):
        assert text not in result.stderr + result.stdout, result.stderr
    error = result.stderr[result.stderr.index("bctrl-tail: error: ") :]
    assert len(error.strip().splitlines()) <= 2, result.stderr


def proxy_authorizations(proxy: RecordingProxy) -> list[str]:
    found = []
    for head in proxy.log.heads:
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "proxy-authorization":
                found.append(value.strip())
    return found


def test_https_proxy_wanting_credentials_says_where_to_put_them(
    server: Simulator, tls: TLSFront, bundle: str
) -> None:
    with RecordingProxy(credentials=CREDENTIALS) as proxy:
        env = {"HTTPS_PROXY": proxy.url, "REQUESTS_CA_BUNDLE": bundle}
        result = run_cli("run_1", "--base-url", f"https://bctrl-api.test:{tls.port}", env=env)
        asked = list(proxy.log.request_lines)
    assert result.code == 1
    address = proxy.url.removeprefix("http://")
    assert f"error: the proxy {address} wants credentials (HTTP 407" in result.stderr
    assert f"put them in the proxy URL: HTTPS_PROXY=http://USER:PASSWORD@{address}" in (
        result.stderr
    )
    assert len(asked) == 1  # final: the same request would get the same answer
    assert "reconnecting" not in result.stderr
    assert server.requests == []
    assert_plain(result)


def test_credentials_in_the_proxy_url_reach_the_proxy_only(
    server: Simulator, tls: TLSFront, bundle: str
) -> None:
    """What the 407 hint says works: the proxy gets Basic credentials, the API does not,
    and -v shows the proxy without its password."""
    with RecordingProxy(credentials=CREDENTIALS) as proxy:
        port = proxy.url.rsplit(":", 1)[1]
        env = {
            "https_proxy": f"http://{CREDENTIALS}@127.0.0.1:{port}",
            "REQUESTS_CA_BUNDLE": bundle,
        }
        base = f"https://bctrl-api.test:{tls.port}"
        result = run_cli("run_1", "--base-url", base, "-o", "jsonl", "-v", env=env)
        sent = proxy_authorizations(proxy)
    assert result.code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.lines] == ["e0", "e1", "e2"]
    assert sent == ["Basic " + base64.b64encode(CREDENTIALS.encode()).decode()]
    assert "proxy-authorization" not in server.requests[0].headers
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    for text in (KEY, PASSWORD):
        assert text not in result.stderr + result.stdout


def test_wrong_proxy_credentials_are_named_without_showing_them(
    server: Simulator, tls: TLSFront, bundle: str
) -> None:
    with RecordingProxy(credentials=CREDENTIALS) as proxy:
        port = proxy.url.rsplit(":", 1)[1]
        wrong = f"http://alice:{PASSWORD}x@127.0.0.1:{port}"
        env = {"https_proxy": wrong, "REQUESTS_CA_BUNDLE": bundle}
        result = run_cli("run_1", "--base-url", f"https://bctrl-api.test:{tls.port}", "-v", env=env)
    assert result.code == 1
    assert f"the proxy 127.0.0.1:{port} refused the credentials in https_proxy" in result.stderr
    assert "check the user name and password in https_proxy" in result.stderr
    assert_plain(result)


def test_plain_http_proxy_wanting_credentials(server: Simulator) -> None:
    """Through a plain-http proxy the 407 is an HTTP answer, not a failed tunnel: it was
    reported as "not a bctrl API response (an HTML page)"."""
    port = server.base_url.rsplit(":", 1)[1]
    with RecordingProxy(credentials=CREDENTIALS) as proxy:
        env = {**NO_PROXY_ELSEWHERE, "HTTP_PROXY": proxy.url}
        base = f"http://bctrl-api.test:{port}"
        result = run_cli("run_1", "--base-url", base, "--allow-http", env=env)
    assert result.code == 1
    address = proxy.url.removeprefix("http://")
    assert f"the proxy {address} wants credentials" in result.stderr
    assert f"HTTP_PROXY=http://USER:PASSWORD@{address}" in result.stderr
    assert "not a bctrl API response" not in result.stderr
    assert server.requests == []
    assert_plain(result)


def test_a_407_without_a_proxy_set_says_a_proxy_wants_credentials(sim: Simulator) -> None:
    """A transparent proxy nobody configured answers 407 for the API."""
    from bctrl_tail.simulator import Response

    sim.add_run(Run("run_1", EVENTS, responses=[Response(407, "<html>auth</html>")]))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == 1
    address = sim.base_url.removeprefix("http://")
    assert f"HTTP 407: a proxy on the way to {address} wants credentials" in result.stderr
    assert "HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT" in result.stderr


def test_proxy_that_cannot_reach_the_target_is_named(tls: TLSFront, bundle: str) -> None:
    with RecordingProxy(status=502) as proxy:
        env = {"ALL_PROXY": proxy.url, "REQUESTS_CA_BUNDLE": bundle}
        result = run_cli("run_1", "--base-url", f"https://bctrl-api.test:{tls.port}", env=env)
        asked = len(proxy.log.request_lines)
    assert result.code == 1
    address = proxy.url.removeprefix("http://")
    assert (
        f"gave up after 3 attempts: the proxy {address} would not open a connection to "
        f"bctrl-api.test:{tls.port} (HTTP 502)"
    ) in result.stderr
    assert "check ALL_PROXY (and NO_PROXY)" in result.stderr
    assert asked == 3  # first contact: retried twice
    assert_plain(result)


def test_plain_http_proxy_gateway_page_is_the_proxys(server: Simulator) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    with RecordingProxy(status=502) as proxy:
        env = {**NO_PROXY_ELSEWHERE, "http_proxy": proxy.url}
        base = f"http://bctrl-api.test:{port}"
        result = run_cli("run_1", "--base-url", base, "--allow-http", "--max-retries", "1", env=env)
    assert result.code == 1
    address = proxy.url.removeprefix("http://")
    assert f"HTTP 502: gateway error from the proxy {address} (502 Proxy Error)" in (result.stderr)
    assert_plain(result)
