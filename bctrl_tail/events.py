"""RunEvent: one run event, with defensive field access across API generations."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from bctrl_tail.choices import CATEGORIES
from bctrl_tail.jsontext import compact, compact_line, text_line

__all__ = [
    "CATEGORIES",
    "SUCCESS_STATUSES",
    "RunEnded",
    "RunEvent",
    "category_of_type",
    "parse_time",
    "summarize_payload",
]

SUCCESS_STATUSES = frozenset({"stopped", "completed", "finished", "succeeded", "success"})

_PREFIXES: tuple[tuple[str, str], ...] = (
    ("network.", "network"),
    ("console.", "console"),
    ("captcha.", "captcha"),
    ("runtime.", "runtime"),
    ("connection.command.", "command"),
    ("command.", "command"),
    ("tool.", "tool"),
    ("file.", "file"),
    ("page.", "browser"),
    ("browser.", "browser"),
)
_EXACT = {"download": "file", "navigation": "browser", "dialog": "browser"}


def category_of_type(event_type: str) -> str:
    """The category a type implies when the event does not carry one."""
    exact = _EXACT.get(event_type)
    if exact:
        return exact
    for prefix, category in _PREFIXES:
        if event_type.startswith(prefix):
            return category
    return "event"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_time(value: Any) -> dt.datetime | None:
    """An aware datetime from an ISO-8601 string or epoch seconds/milliseconds, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


@dataclass(slots=True)
class RunEvent:
    """One run event as output: its cursor, its JSON object, and the run it came from.

    The compact JSON text is made on first use: only jsonl and --grep/--exclude need it.
    """

    id: str
    data: dict[str, Any]
    run_id: str = ""  # the followed run this event came from
    _text: str | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The event's JSON object as compact text (computed once)."""
        text = self._text
        if text is None:
            text = self._text = compact(self.data)
        return text

    def line(self) -> bytes:
        """The compact text and a newline, as UTF-8: the event's jsonl line."""
        text = self._text
        return compact_line(self.data) if text is None else text_line(text, self.data)

    @property
    def type(self) -> str:
        return _text(self.data.get("type")) or "run.event"

    @property
    def category(self) -> str:
        value = self.data.get("category")
        if isinstance(value, str) and value:
            return value
        return category_of_type(self.type)

    @property
    def time(self) -> dt.datetime | None:
        for key in ("time", "timestamp", "createdAt"):
            if key in self.data:
                parsed = parse_time(self.data[key])
                if parsed is not None:
                    return parsed
        return None

    @property
    def status(self) -> str:
        for key in ("status", "outcome"):
            value = self.data.get(key)
            if value not in (None, ""):
                return _text(value)
        return ""

    @property
    def summary(self) -> str:
        """A short human line: name, title or message, else a short rendering of data."""
        for key in ("name", "title", "message"):
            value = self.data.get(key)
            if value not in (None, ""):
                return _text(value)
        payload = self.data.get("data")
        if isinstance(payload, dict):
            return summarize_payload(payload)
        return _text(payload)


def summarize_payload(payload: dict[str, Any]) -> str:
    """`GET 404 https://…` for network-like payloads; else `key=value` pairs."""
    method = payload.get("method")
    url = payload.get("url")
    status = payload.get("status", payload.get("statusCode"))
    if url is not None:
        parts = [_text(p) for p in (method, status, url) if p not in (None, "")]
        error = payload.get("error", payload.get("errorText"))
        if error not in (None, ""):
            parts.append(_text(error))
        return " ".join(parts)
    return " ".join(f"{k}={_text(v)}" for k, v in list(payload.items())[:6])


@dataclass(frozen=True, slots=True)
class RunEnded:
    """The terminal `run.ended` frame."""

    run_id: str
    status: str
    finished_at: str
    failure_code: str
    failure_message: str

    @property
    def success(self) -> bool:
        return self.status.lower() in SUCCESS_STATUSES

    @classmethod
    def from_data(cls, data: Any) -> RunEnded:
        obj = data if isinstance(data, dict) else {}
        failure = obj.get("failure")
        failure = failure if isinstance(failure, dict) else {}
        return cls(
            run_id=_text(obj.get("runId")),
            status=_text(obj.get("status")) or "unknown",
            finished_at=_text(obj.get("finishedAt")),
            failure_code=_text(failure.get("code")),
            failure_message=_text(failure.get("message")),
        )
