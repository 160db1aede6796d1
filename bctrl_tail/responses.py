"""Reading a server's answer: which statuses are retried, what an error body says, what to do
about it, and where a redirect may lead. No I/O beyond the body of a failed response.

Every piece of server text passes through ``shorten`` (key removed, then cut) before it can
reach a message.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.utils import requote_uri

from bctrl_tail.errors import (
    AuthError,
    NotFoundError,
    ProxyAuthFailure,
    ResponseError,
    RetryableError,
    TailError,
)
from bctrl_tail.netfail import address_of, base_url_hint, proxy_wants_credentials
from bctrl_tail.reporter import redact, shorten
from bctrl_tail.transport import Route

RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
GATEWAY = frozenset({502, 503, 504})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
BODY_LIMIT = 65536
_TITLE = re.compile(r"<title[^>]*>([^<]*)</title>", re.IGNORECASE)
_HINTS = {
    400: "the server refused the request: check --type, --category, --connection-id, "
    "--cursor and --limit",
    401: "check BCTRL_API_KEY (or --api-key): it is missing, mistyped or revoked",
    403: "this key may not see this run: check the run id and the key's project",
    404: "check the run id, and that --base-url points at the right API",
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds (ASCII digits only: '²'.isdigit()
    is true) or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def describe_body(body: bytes, secret: str = "", *, cut: bool = False) -> tuple[str, str | None]:
    """The server's `error` text, and a detail line from `code`, `requestId` and `hint`, each
    with the key removed before it is shortened. ``cut``: the body was read up to a limit."""
    text = redact(body.decode("utf-8", errors="replace"), secret, cut=cut)
    try:
        obj: Any = json.loads(text) if text else None
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        lines = text.strip().splitlines()
        return (shorten(lines[0], 200, secret) if lines else ""), None
    error = obj.get("error") or obj.get("message") or ""
    if isinstance(error, dict):
        error = error.get("message", "")
    parts = []
    for key, label in (("code", "code"), ("requestId", "request id"), ("hint", "hint")):
        if obj.get(key):
            parts.append(f"{label}: {shorten(str(obj[key]), 120, secret)}")
    return shorten(str(error), 300, secret), ("; ".join(parts) or None)


def is_html(body: bytes, content_type: str) -> bool:
    return "html" in content_type.lower() or body.lstrip()[:1] == b"<"


def check_response(response: requests.Response, *, secret: str, route: Route | None = None) -> None:
    """Raise the typed error a non-stream answer deserves; return for a usable stream.
    ``route``: how the request went (through which proxy, if any)."""
    status = response.status_code
    url = response.url
    proxy = route.proxy_address if route is not None else ""
    if status == 200:
        ctype = response.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "text/event-stream":
            raise ResponseError(
                f"unexpected content type {shorten(ctype, 80, secret) or '(none)'!r} "
                "(expected text/event-stream)",
                hint=f"is this the bctrl API? {base_url_hint(url)}",
            )
        return
    body, cut = _read_body(response)
    if status == 407:
        if route is not None and route.proxy is not None:
            raise proxy_wants_credentials(proxy, route.proxy_variable, route.proxy_has_credentials)
        raise ProxyAuthFailure(
            f"HTTP 407: a proxy on the way to {address_of(url)} wants credentials",
            hint="if this network needs a proxy, name it with its credentials: "
            "HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT",
        )
    ctype = response.headers.get("Content-Type", "")
    if status in GATEWAY and not ctype.lower().startswith("application/json"):
        raise _gateway_error(status, body, ctype, url, proxy, response, secret)
    error, detail = describe_body(body, secret, cut=cut)
    if is_html(body, ctype):
        error = "not a bctrl API response (an HTML page)"
    message = f"HTTP {status}" + (f": {error}" if error else "")
    if status in RETRYABLE:
        raise RetryableError(message, detail=detail, retry_after=_retry_after(response))
    hint = _HINTS.get(status, f"an answer bctrl-tail cannot use; {base_url_hint(url)}")
    if status == 400 and "https port" in body.decode("latin-1").lower():
        hint = f"that port serves https: use --base-url https://{address_of(url)}"
    kind: type[TailError] = ResponseError
    if status in (401, 403):
        kind = AuthError
    elif status == 404:
        kind = NotFoundError
    raise kind(message, detail=detail, hint=hint)


def _gateway_error(
    status: int,
    body: bytes,
    ctype: str,
    url: str,
    proxy: str,
    response: requests.Response,
    secret: str,
) -> RetryableError:
    """A 502/503/504 page from a proxy or load balancer, not an answer of the API: say whose
    it is, so nobody goes looking for a wrong --base-url."""
    text = body.decode("utf-8", errors="replace")
    match = _TITLE.search(text)
    if match:
        what = match.group(1).strip()
    elif not is_html(body, ctype):
        lines = text.strip().splitlines()
        what = lines[0] if lines else ""
    else:
        what = ""
    source = f"the proxy {proxy}" if proxy else address_of(url)
    server = response.headers.get("Server", "")
    message = f"HTTP {status}: gateway error from {source}"
    if what or server:
        label = ", ".join(p for p in (what, f"server: {server}" if server else "") if p)
        message += f" ({shorten(label, 120, secret)})"
    return RetryableError(
        message,
        hint="the API or something in between is unavailable; retrying",
        retry_after=_retry_after(response),
    )


def _retry_after(response: requests.Response) -> float | None:
    if response.status_code in (429, 503):
        return parse_retry_after(response.headers.get("Retry-After"))
    return None


def redirect_target(response: requests.Response, url: str, hops: int, secret: str) -> str:
    """Where a redirect leads, when it may be followed: the same scheme, host and port, at most
    MAX_REDIRECTS times. Anywhere else the key would go with it: not followed, exit 1."""
    location = response.headers.get("Location", "")
    _read_body(response)
    if not location:
        raise ResponseError(
            f"HTTP {response.status_code} redirect without a Location", hint=base_url_hint(url)
        )
    target = requote_uri(urljoin(url, location))
    shown = shorten(target, 200, secret)
    if _origin(target) != _origin(url):
        raise ResponseError(
            f"HTTP {response.status_code} redirect to {shown} not followed",
            hint=f"it leaves {_origin(url)}, and the API key is only ever sent to --base-url's "
            "scheme, host and port; if the API moved there, pass that as --base-url",
        )
    if hops >= MAX_REDIRECTS:
        raise ResponseError(
            f"too many redirects (more than {MAX_REDIRECTS}), the last to {shown}",
            hint=base_url_hint(url),
        )
    return target


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{address_of(url)}"


def _read_body(response: requests.Response) -> tuple[bytes, bool]:
    """Up to BODY_LIMIT bytes of an error body, and whether it was cut there."""
    try:
        body = response.raw.read(BODY_LIMIT + 1, decode_content=True) or b""
    except Exception:
        return b"", False
    finally:
        response.close()
    return body[:BODY_LIMIT], len(body) > BODY_LIMIT
