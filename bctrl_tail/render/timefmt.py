"""Event times for the human modes, per ``--time-format``.

Formatting is hand-rolled (no ``strftime``) because it runs once per event in ``pretty``.
"""

from __future__ import annotations

import datetime as dt

from bctrl_tail.choices import TIME_FORMATS

__all__ = ["TIME_FORMATS", "TimeFormatter", "format_relative"]
MISSING = "--:--:--"


def _clock(t: dt.datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond // 1000:03d}"


def format_relative(seconds: float) -> str:
    """``+12.345s`` under a minute, ``+1m02.3s`` under an hour, ``+1h02m03s`` beyond."""
    sign = "-" if seconds < 0 else "+"
    ms = round(abs(seconds) * 1000)
    if ms < 60_000:
        return f"{sign}{ms // 1000}.{ms % 1000:03d}s"
    tenths = (ms + 50) // 100
    if tenths < 36_000:
        minutes, rest = divmod(tenths, 600)
        return f"{sign}{minutes}m{rest // 10:02d}.{rest % 10}s"
    hours, rest = divmod((ms + 500) // 1000, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}h{minutes:02d}m{secs:02d}s"


class TimeFormatter:
    """Turns an event's aware time (or None) into the text of one ``--time-format``.

    ``relative`` measures from the first time passed to ``observe`` (the first event shown);
    ``tz`` replaces the local zone, for tests.
    """

    def __init__(self, time_format: str, *, tz: dt.tzinfo | None = None) -> None:
        if time_format not in TIME_FORMATS:
            raise ValueError(f"unknown time format {time_format!r}; use one of {TIME_FORMATS}")
        self.time_format = time_format
        self.origin: dt.datetime | None = None
        self._tz = tz
        self._relative = time_format == "relative"

    @property
    def needs_origin(self) -> bool:
        """True until ``relative`` has its origin: callers can skip parsing times after that."""
        return self._relative and self.origin is None

    def observe(self, t: dt.datetime | None) -> None:
        """Anchor ``relative`` at the first known time; cheap once anchored."""
        if self.origin is None and self._relative and t is not None:
            self.origin = t

    def __call__(self, t: dt.datetime | None) -> str:
        if t is None:
            return MISSING
        try:
            return self._format(t)
        except (OverflowError, OSError, ValueError):
            # a time at the edge of the calendar with an offset that carries it past year 1
            # or 9999 (``9999-12-31T23:59:59-23:59``) has no UTC or local form (and a platform
            # may refuse a local time it cannot place): shown as unknown, not a crash
            return MISSING

    def _format(self, t: dt.datetime) -> str:
        fmt = self.time_format
        if fmt == "local":
            return _clock(t.astimezone(self._tz))
        if fmt == "utc":
            return _clock(t.astimezone(dt.timezone.utc)) + "Z"
        if fmt == "iso":
            text = t.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")
            return text.replace("+00:00", "Z")
        if self.origin is None:
            self.origin = t
        return format_relative((t - self.origin).total_seconds())
