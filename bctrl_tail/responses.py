"""Reading a server's answer: which statuses are retried, what an error body says, and a
short human reason for a network failure. No I/O beyond the body of a failed response."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import requests

from bctrl_tail.errors import (
    AuthError,
    NotFoundError,
    ResponseError,
    RetryableError,
    TailError,
)

RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def describe_body(body: bytes) -> tuple[str, str | None]:
    """The server's `error` text, and a detail line from `code`, `requestId` and `hint`."""
    try:
        obj: Any = json.loads(body.decode("utf-8", errors="replace")) if body else None
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        text = body.decode("utf-8", errors="replace").strip()
        if text.startswith("<"):
            return "not a bctrl API response (an HTML page)", "check --base-url"
        lines = text.splitlines()
        return (lines[0][:200] if lines else ""), None
    error = obj.get("error") or obj.get("message") or ""
    if isinstance(error, dict):
        error = error.get("message", "")
    parts = []
    for key, label in (("code", "code"), ("requestId", "request id"), ("hint", "hint")):
        if obj.get(key):
            parts.append(f"{label}: {obj[key]}")
    return str(error)[:300], ("; ".join(parts) or None)


def check_response(response: requests.Response) -> None:
    """Raise the typed error a non-stream answer deserves; return for a usable stream."""
    status = response.status_code
    if status == 200:
        ctype = response.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "text/event-stream":
            raise ResponseError(
                f"unexpected content type {ctype or '(none)'!r} (expected text/event-stream)",
                detail=f"from {response.url}",
            )
        return
    body = _read_body(response)
    error, detail = describe_body(body)
    message = f"HTTP {status}" + (f": {error}" if error else "")
    if status in RETRYABLE:
        retry_after = None
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise RetryableError(message, detail=detail, retry_after=retry_after)
    if status in (401, 403):
        hint = "check BCTRL_API_KEY" if status == 401 else "this key may not see this run"
        raise AuthError(message, detail=detail or hint)
    if status == 404:
        raise NotFoundError(message or "run not found", detail=detail)
    raise ResponseError(message, detail=detail)


def _read_body(response: requests.Response) -> bytes:
    try:
        return response.raw.read(65536, decode_content=True) or b""
    except Exception:
        return b""
    finally:
        response.close()


def describe_network_error(exc: BaseException) -> str:
    """A short human reason, e.g. 'connection refused' or 'connection reset by peer'."""
    text = str(exc)
    lowered = text.lower()
    for needle, reason in (
        ("connection refused", "connection refused"),
        ("reset by peer", "connection reset by peer"),
        ("name or service not known", "host not found"),
        ("nodename nor servname", "host not found"),
        ("temporary failure in name resolution", "host not found (DNS)"),
        ("timed out", "timed out"),
        ("certificate verify failed", "TLS certificate verification failed"),
        ("incompleteread", "connection closed mid-response"),
        ("prematurely", "connection closed mid-response"),
        ("broken pipe", "connection closed"),
    ):
        if needle in lowered:
            return reason
    if isinstance(exc, TailError):
        return exc.message
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name
