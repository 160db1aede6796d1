"""Why a connection failed, in words a person can act on — never a library's exception text.

requests wraps the real cause three or four levels deep (``SSLError(MaxRetryError(SSLError(
SSLCertVerificationError)))``); we walk the chain, find the cause, and say what it means for
this URL: refused by HOST:PORT, unknown host, timed out, which certificate check failed, or
TLS spoken to a plain-http port. Each failure comes with the hint of what to do.
"""

from __future__ import annotations

import errno
import http.client
import re
import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from bctrl_tail.errors import (
    ConnectFailed,
    ProxyAuthFailure,
    RetryableError,
    TailError,
    TLSFailure,
)
from bctrl_tail.transport import Route

NETWORK_ERRORS = (
    OSError,
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
)
# what OpenSSL says when the other side answers a ClientHello in plain text
_PLAIN_HTTP_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG",
     "UNKNOWN_PROTOCOL", "UNEXPECTED_MESSAGE"}
)  # fmt: skip
_TUNNEL = re.compile(r"Tunnel connection failed: (\d{3})")
_UNKNOWN_ISSUER = frozenset({2, 18, 19, 20, 21, 27})  # X509_V_ERR_* for an untrusted chain
_EXPIRED, _NOT_YET_VALID = 10, 9
_NAME_MISMATCH = frozenset({62, 63, 64})  # host name, e-mail, IP address mismatch
CA_HINT = (
    "to trust a private CA, set REQUESTS_CA_BUNDLE (or SSL_CERT_FILE) to a PEM file "
    "holding it; never turn verification off"
)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: causes, contexts, urllib3's ``reason``, exceptions in
    ``args`` (requests keeps urllib3's there), each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None))
        todo += [e for e in (*linked, *current.args) if isinstance(e, BaseException)]


def _first(
    exc: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]
) -> BaseException | None:
    return next((e for e in causes(exc) if isinstance(e, kind)), None)


def address_of(url: str) -> str:
    """``host:port`` of a URL, the port made explicit ([::1]:8787 for IPv6)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def base_url_hint(url: str) -> str:
    parts = urlsplit(url)
    return f"check --base-url (or BCTRL_BASE_URL; now {parts.scheme}://{parts.netloc})"


def connect_error(exc: BaseException, url: str, route: Route) -> TailError:
    """The error for a request that got no HTTP answer at all."""
    address = address_of(url)
    tls = _tls_error(exc, url, route)
    if tls is not None:
        return tls
    if route.proxy is not None and _first(exc, urllib3.exceptions.ProxyError) is not None:
        return _proxy_failure(exc, address, route)
    hint = f"{base_url_hint(url)} and that the server is up"
    if _first(exc, (http.client.RemoteDisconnected, ConnectionResetError)) is not None:
        if urlsplit(url).scheme == "http":
            hint = f"if that port serves https, use https://{address}; else {hint}"
        return ConnectFailed(f"{address} closed the connection without answering", hint=hint)
    if _first(exc, http.client.HTTPException) is not None:
        return ConnectFailed(f"{address} did not answer in HTTP", hint=hint)
    reason, what_to_check = _reason(exc, address)
    return ConnectFailed(reason, hint=f"{base_url_hint(url)} {what_to_check}")


def _proxy_failure(exc: BaseException, address: str, route: Route) -> TailError:
    """The proxy could not be reached, or would not open a tunnel to ``address``. The proxy is
    named by its address and variable, never by its URL (which may hold a password)."""
    proxy, variable = route.proxy_address, route.proxy_variable
    hint = f"check {variable} (and NO_PROXY), or that the proxy is up"
    tunnel = next((_TUNNEL.search(str(e)) for e in causes(exc) if _TUNNEL.search(str(e))), None)
    if tunnel is None:
        reason, _ = _reason(exc, proxy)
        return ConnectFailed(f"{reason} (the proxy for {address}, from {variable})", hint=hint)
    status = int(tunnel.group(1))
    if status == 407:
        return proxy_wants_credentials(proxy, variable, route.proxy_has_credentials)
    return ConnectFailed(
        f"the proxy {proxy} would not open a connection to {address} (HTTP {status})",
        hint=f"the proxy could not reach {address} or does not allow it; {hint}",
    )


def proxy_wants_credentials(proxy: str, variable: str, had_credentials: bool) -> TailError:
    """HTTP 407: final, since the same request will get the same answer."""
    if had_credentials:
        return ProxyAuthFailure(
            f"the proxy {proxy} refused the credentials in {variable} "
            "(HTTP 407 Proxy Authentication Required)",
            hint=f"check the user name and password in {variable} "
            "(special characters in them must be percent-encoded, e.g. @ as %40)",
        )
    return ProxyAuthFailure(
        f"the proxy {proxy} wants credentials (HTTP 407 Proxy Authentication Required)",
        hint=f"put them in the proxy URL: {variable}=http://USER:PASSWORD@{proxy}",
    )


def _reason(exc: BaseException, address: str) -> tuple[str, str]:
    """Why a connection to ``address`` failed, and what to check besides --base-url."""
    host = address.rsplit(":", 1)[0].strip("[]")
    if _first(exc, ConnectionRefusedError) is not None:
        return f"connection refused by {address}", "and that the server is up"
    if _first(exc, (socket.gaierror, urllib3.exceptions.NameResolutionError)) is not None:
        return (
            f"unknown host {address} (the name {host} does not resolve)",
            "for a typo in the host name; else DNS, or a VPN this name needs",
        )
    unreachable = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL)
    if any(isinstance(e, OSError) and e.errno in unreachable for e in causes(exc)):
        return (
            f"{address} is unreachable from this machine",
            "and this machine's network: no route there (a VPN down?)",
        )
    if _first(exc, urllib3.exceptions.ReadTimeoutError) is not None:
        return (
            f"{address} accepted the connection but did not answer in time",
            "and that the server is up; --idle-timeout sets how long to wait",
        )
    # NewConnectionError subclasses ConnectTimeoutError: only the exact class is a timeout
    if any(type(e) is urllib3.exceptions.ConnectTimeoutError for e in causes(exc)) or _first(
        exc, TimeoutError
    ):
        return (
            f"timed out connecting to {address}",
            "and the network: a firewall may be dropping the connection",
        )
    if _first(exc, ssl.SSLError) is not None:
        return f"TLS handshake with {address} failed", "and that the server is up"
    return f"cannot connect to {address}", "and that the server is up"


def _tls_error(exc: BaseException, url: str, route: Route) -> TailError | None:
    """A certificate failure or a TLS/plain-http mix-up: final, since retrying cannot help."""
    address = address_of(url)
    cert = _first(exc, ssl.SSLCertVerificationError)
    if isinstance(cert, ssl.SSLCertVerificationError):
        return _certificate_failure(cert, address, route)
    bad = _first(exc, ssl.SSLError)
    if isinstance(bad, ssl.SSLError) and bad.reason in _PLAIN_HTTP_REASONS:
        return TLSFailure(
            f"TLS handshake with {address} failed: it answers in plain http, not https",
            hint=f"use --base-url http://{address} if that is right (plain http to a host "
            "that is not loopback also needs --allow-http), or the https port",
        )
    status_line = _first(exc, http.client.BadStatusLine)
    first_line = status_line.args[0] if status_line is not None and status_line.args else ""
    if isinstance(first_line, str) and first_line.startswith("\x15\x03"):  # a TLS alert
        return TLSFailure(
            f"{address} answered in TLS to a plain http request",
            hint=f"use --base-url https://{address}",
        )
    return None


def _certificate_failure(
    cert: ssl.SSLCertVerificationError, address: str, route: Route
) -> TLSFailure:
    code = cert.verify_code
    host = address.rsplit(":", 1)[0]
    hint = CA_HINT
    if route.ca_bundles:
        variable, path = route.ca_bundles[0]
        hint = f"to trust a private CA, add its certificate to {path} (named by {variable})"
        if variable == "SSL_CERT_DIR":
            hint += f", then run `openssl rehash {path}`"
    if code in _UNKNOWN_ISSUER:
        why = "signed by an unknown issuer (self-signed, or a private CA not trusted here)"
    elif code in _NAME_MISMATCH:
        why = f"for another host name (host name mismatch: it does not name {host})"
        hint = "use the host name the certificate was issued for in --base-url"
    elif code == _EXPIRED:
        why = "expired"
        hint = "the server must renew its certificate (or this machine's clock is wrong)"
    elif code == _NOT_YET_VALID:
        why = "not valid yet"
        hint = "check this machine's clock"
    else:
        why = f"refused ({cert.verify_message or 'verification failed'})"
    return TLSFailure(f"the TLS certificate of {address} is {why}", hint=hint)


def stream_error(exc: BaseException) -> RetryableError:
    """The error for a stream that broke after its answer had begun: always worth resuming."""
    if _first(exc, (urllib3.exceptions.ReadTimeoutError, TimeoutError)) is not None:
        return RetryableError("no data from the server in time (read timeout)")
    if _first(exc, ConnectionResetError) is not None:
        return RetryableError("the connection was reset mid-stream")
    if _first(exc, ssl.SSLError) is not None:
        return RetryableError("a TLS error cut the stream")
    return RetryableError("the connection was cut mid-stream")
