"""A first connection that cannot be made, for each reason the contract names — unknown host,
unreachable, timed out (refused is in test_network_messages) — produced for real on this
machine, without a packet leaving it: retried twice, then exit 1 naming HOST:PORT and
--base-url, in plain words.

Each failure is made by the kernel or the resolver, not mocked; where this machine cannot make
one (a resolver that answers for ``.invalid``, a kernel that does not drop SYNs), the test
says so and skips, rather than waiting for minutes.
"""

from __future__ import annotations

import errno
import socket
import threading
import time

import pytest

from tests.netservers import FullBacklog, free_port
from tests.support import KEY, Result, run_cli

# RFC 6761: resolvers answer NXDOMAIN for .invalid names, and never ask the root for them
UNRESOLVABLE = "bctrl-tail-test.invalid"
# the broadcast address of 127.0.0.0/8: loopback by address, and Linux refuses a TCP connect
# to any broadcast address with ENETUNREACH before a packet is sent
LOOPBACK_BROADCAST = "127.255.255.255"
LIBRARY_TEXT = ("Traceback", "ConnectionPool", "Max retries", "Errno", "urllib3", "gaierror")


def resolution_fails(host: str, within: float = 3.0) -> str | None:
    """None when looking ``host`` up fails promptly here; else why this machine cannot show it."""
    outcome: list[BaseException | object] = []

    def look_up() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, 443))
        except OSError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=look_up, daemon=True)
    thread.start()
    thread.join(within)
    if not outcome:
        return f"looking up {host} did not fail within {within:g}s on this machine"
    if not isinstance(outcome[0], socket.gaierror):
        return f"this machine's resolver answers for {host}"
    return None


def connect_errno(host: str, port: int) -> int | None:
    with socket.socket() as sock:
        sock.settimeout(2)
        try:
            sock.connect((host, port))
        except OSError as exc:
            return exc.errno
    return None


def assert_first_contact_failure(result: Result, reason: str, address: str, base: str) -> None:
    assert result.code == 1, result.stderr
    assert f"error: gave up after 3 attempts: {reason}" in result.stderr
    assert address in result.stderr.splitlines()[-2]  # the error line names HOST:PORT
    assert f"--base-url (or BCTRL_BASE_URL; now {base})" in result.stderr
    assert result.stderr.count("reconnecting in") == 2  # twice, not --max-retries' ten
    for text in LIBRARY_TEXT:
        assert text not in result.stderr, result.stderr
    assert KEY not in result.stderr + result.stdout
    assert result.stdout == ""


def test_unknown_host_fails_fast_naming_host_port_and_base_url() -> None:
    why_not = resolution_fails(UNRESOLVABLE)
    if why_not:
        pytest.skip(why_not)
    base = f"https://{UNRESOLVABLE}:8443"
    started = time.monotonic()
    result = run_cli("run_1", "--base-url", base)
    elapsed = time.monotonic() - started
    assert_first_contact_failure(result, "unknown host", f"{UNRESOLVABLE}:8443", base)
    assert f"the name {UNRESOLVABLE} does not resolve" in result.stderr
    assert "DNS" in result.stderr.splitlines()[-1]  # the hint fits the reason
    assert elapsed < 15  # about 3 s of backoff


def test_unreachable_address_fails_fast() -> None:
    port = free_port()
    if connect_errno(LOOPBACK_BROADCAST, port) not in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        pytest.skip(f"a connect to {LOOPBACK_BROADCAST} is not refused as unreachable here")
    base = f"http://{LOOPBACK_BROADCAST}:{port}"
    result = run_cli("run_1", "--base-url", base)
    address = f"{LOOPBACK_BROADCAST}:{port}"
    assert_first_contact_failure(result, f"{address} is unreachable", address, base)
    assert "network" in result.stderr.splitlines()[-1]


def test_connect_timeout_fails_fast_and_follows_idle_timeout() -> None:
    """A port whose SYNs are dropped: each attempt gives up after --idle-timeout (the
    connect budget is min(10 s, --idle-timeout)), then the first-contact limit applies."""
    with FullBacklog() as port:
        if not port.drops_connections():
            pytest.skip("this kernel does not drop connections to a full listen queue")
        base = f"http://127.0.0.1:{port.port}"
        started = time.monotonic()
        result = run_cli("run_1", "--base-url", base, "--idle-timeout", "0.5")
        elapsed = time.monotonic() - started
    address = f"127.0.0.1:{port.port}"
    assert_first_contact_failure(result, f"timed out connecting to {address}", address, base)
    assert elapsed < 15  # three 0.5 s attempts and about 3 s of backoff; it was 30 s + backoff
