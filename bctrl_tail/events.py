"""RunEvent: one run event, with defensive field access across API generations."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

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


# ISO-8601 / RFC 3339 date-times, parsed here rather than by datetime.fromisoformat: before
# Python 3.11 that refuses "Z", "+0000" and fractions of other than 3 or 6 digits, and from 3.11
# it accepts forms (week dates, compact dates) that 3.10 does not, so the same event would show
# a time on one version and none on another.
_ISO_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>[Zz]|(?P<sign>[+-])(?P<zh>\d{2})(?::?(?P<zm>[0-5]\d))?)?)?",
    re.ASCII,
)


def parse_time(value: Any, *, local: bool = False) -> dt.datetime | None:
    """An aware datetime from an ISO-8601 string or epoch seconds/milliseconds, else None.

    Strings: ``YYYY-MM-DD``, optionally ``T`` (or a space) and ``HH:MM[:SS[.fraction]]``, with
    1-9 fractional digits (cut, not rounded, to microseconds) and an offset of ``Z``,
    ``+HH:MM``, ``+HHMM`` or ``+HH``; no offset means UTC (a server's time), or with ``local``
    this machine's local time (what a person typing a time means, as `date -d` does). The same
    answer on every Python.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    match = _ISO_TIME.fullmatch(value.strip())
    if match is None:
        return None
    part = match.groupdict()
    try:
        tz: dt.tzinfo | None = None if local else dt.timezone.utc
        if part["zone"] in ("Z", "z"):
            tz = dt.timezone.utc
        elif part["sign"]:
            offset = dt.timedelta(hours=int(part["zh"]), minutes=int(part["zm"] or 0))
            tz = dt.timezone(-offset if part["sign"] == "-" else offset)
        year, month, day = (int(n) for n in part["date"].split("-"))
        when = dt.datetime(
            year,
            month,
            day,
            int(part["hour"] or 0),
            int(part["minute"] or 0),
            int(part["second"] or 0),
            int((part["fraction"] or "0").ljust(6, "0")[:6]),
            tzinfo=tz,
        )
        return when if tz is not None else when.astimezone()  # local time, made aware
    # a field out of range (month 13, hour 24, an offset of a day or more), or a local time
    # this platform cannot place
    except (ValueError, OverflowError, OSError):
        return None


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
        if text is None:
            try:  # compact_line's fast path, inlined: this runs once per event in jsonl
                return orjson.dumps(self.data, option=orjson.OPT_APPEND_NEWLINE)
            except orjson.JSONEncodeError:
                return compact_line(self.data)
        return text_line(text, self.data)

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
