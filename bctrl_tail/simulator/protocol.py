"""The API's conventions: error bodies, the key check and the stream's query parameters."""

from __future__ import annotations

import hmac
import http
import re
import uuid
from typing import Any

from bctrl_tail.events import CATEGORIES
from bctrl_tail.simulator.stream import Filters, StreamRequest

ROUTE = re.compile(r"/v2/runs/([^/?#]+)/events/stream")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("request.invalid", "invalid request"),
    401: ("auth.required", "a valid API key is required (Authorization: Bearer <key>)"),
    403: ("auth.forbidden", "this API key may not access this run"),
    404: ("run.not_found", "run not found or not visible to actor"),
    405: ("method.not_allowed", "method not allowed"),
    408: ("request.timeout", "request timed out"),
    429: ("rate_limited", "rate limit exceeded, retry later"),
    500: ("internal", "internal server error"),
    502: ("upstream.bad_gateway", "bad gateway"),
    503: ("service.unavailable", "service temporarily unavailable"),
    504: ("upstream.timeout", "gateway timeout"),
}


def request_id() -> str:
    return "req_" + uuid.uuid4().hex[:20]


def error_body(status: int, message: str | None = None, code: str | None = None) -> dict[str, Any]:
    """A bctrl-style error body ``{"error", "code", "requestId"}`` for ``status``."""
    default_code, default_message = _ERRORS.get(status, (f"http.{status}", _phrase(status)))
    return {
        "error": message or default_message,
        "code": code or default_code,
        "requestId": request_id(),
    }


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase.lower()
    except ValueError:
        return f"http {status}"


def bearer_token(header: str | None) -> str | None:
    """The key of an ``Authorization: Bearer KEY`` header; None when missing or malformed."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def same_key(token: str, key: str) -> bool:
    """Compared in constant time: the simulator must not teach a key by its timing."""
    return hmac.compare_digest(token.encode(), key.encode())


def missing_key() -> dict[str, Any]:
    return error_body(401)


def invalid_key() -> dict[str, Any]:
    """bctrl's answer to a key it does not know: 401, not 403 (which means "not yours")."""
    return error_body(401, "invalid API key", "auth.invalid_key")


def _last(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[-1] if values else None


def stream_request(query: dict[str, list[str]], last_event_id: str | None) -> StreamRequest | str:
    """The stream parameters of a request, or the message of a 400 answer.

    ``type`` and ``category`` may repeat (comma lists are accepted too); ``cursor`` wins over
    the ``Last-Event-ID`` header.
    """
    types = [t for value in query.get("type", []) for t in value.split(",") if t]
    categories = {c for value in query.get("category", []) for c in value.split(",") if c}
    unknown = sorted(categories - set(CATEGORIES))
    if unknown:
        return f"invalid category {unknown[0]!r}: expected one of {', '.join(CATEGORIES)}"
    connection_id = _last(query, "connectionId")
    if connection_id is not None and not _UUID.fullmatch(connection_id):
        return "connectionId must be a UUID"
    limit: int | None = None
    limit_text = _last(query, "limit")
    if limit_text is not None:
        try:
            limit = int(limit_text)
        except ValueError:
            limit = 0
        if limit < 1:
            return "limit must be a positive integer"
    cursor = _last(query, "cursor") or last_event_id or None
    return StreamRequest(Filters(types, categories, connection_id), cursor, limit)
