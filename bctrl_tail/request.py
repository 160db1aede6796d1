"""What one stream request carries: its URL (built only here) and its headers.

Event ids are opaque Unicode text. They go back to the server as ``cursor=`` (percent-encoded
UTF-8) and as ``Last-Event-ID`` (UTF-8 bytes: http.client would encode a str as Latin-1 and
fail on ``事件``). The key is not here: it travels in the session's auth object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from bctrl_tail import __version__

if TYPE_CHECKING:
    from bctrl_tail.config import Config

Headers = dict[str, "str | bytes"]


def stream_url(base_url: str, run_id: str) -> str:
    """``{base}/v2/runs/{id}/events/stream`` with the run id kept in one path segment."""
    segment = quote(run_id, safe="")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return f"{base_url}/v2/runs/{segment}/events/stream"


def query_params(config: Config, cursor: str | None) -> list[tuple[str, str]]:
    params = [("type", t) for t in config.types]
    params += [("category", c) for c in config.categories]
    if config.connection_id:
        params.append(("connectionId", config.connection_id))
    if cursor:
        params.append(("cursor", cursor))
    if config.limit is not None:
        params.append(("limit", str(config.limit)))
    return params


def request_url(config: Config, run_id: str, cursor: str | None) -> str:
    """The full URL of one attempt: the run's stream and its query (cursor included)."""
    params = query_params(config, cursor)
    return stream_url(config.base_url, run_id) + ("?" + urlencode(params) if params else "")


def header_value(text: str) -> bytes | None:
    """``text`` as the UTF-8 bytes of a header value, or None when no header can carry it
    (control characters, or spaces at either end, which HTTP would strip)."""
    if not text or text != text.strip(" \t") or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return None
    return text.encode("utf-8", errors="surrogatepass")


def request_headers(last_event_id: str | None) -> Headers:
    """The stream request's headers; ``Last-Event-ID`` only when the id can be a header (the
    same id always goes as ``cursor=`` too, so the resume point is never lost)."""
    headers: Headers = {
        "Accept": "text/event-stream",
        "Cache-Control": "no-cache",
        "Accept-Encoding": "identity",
        "User-Agent": f"bctrl-tail/{__version__}",
    }
    value = header_value(last_event_id) if last_event_id else None
    if value is not None:
        headers["Last-Event-ID"] = value
    return headers
