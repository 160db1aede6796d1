"""Replay a run recorded with ``bctrl-tail -o jsonl``."""

from __future__ import annotations

import json
from pathlib import Path

from bctrl_tail.events import parse_time
from bctrl_tail.simulator.model import JSONObject, Run

MAX_GAP_SECONDS = 5.0
_TIME_KEYS = ("time", "timestamp", "createdAt")


class ReplayError(ValueError):
    """A recording that cannot be replayed; the message names the file and the line."""


def _event_time(event: JSONObject) -> float | None:
    for key in _TIME_KEYS:
        if key in event:
            parsed = parse_time(event[key])
            if parsed is not None:
                return parsed.timestamp()
    return None


def read_events(path: str | Path) -> list[JSONObject]:
    """The JSON objects of a JSONL file, one per non-blank line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReplayError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    events: list[JSONObject] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            value = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ReplayError(f"{path}:{number}: not valid UTF-8") from exc
        except json.JSONDecodeError as exc:
            raise ReplayError(f"{path}:{number}: invalid JSON: {exc.msg}") from exc
        if not isinstance(value, dict):
            raise ReplayError(f"{path}:{number}: expected a JSON object per line")
        event_id = value.get("id")
        if isinstance(event_id, str) and any(c in event_id for c in "\r\n\x00"):
            raise ReplayError(
                f"{path}:{number}: an id with a line break or NUL cannot be an SSE id"
            )
        events.append(value)
    return events


def paced_delays(events: list[JSONObject], max_gap: float = MAX_GAP_SECONDS) -> list[float]:
    """The delay before each event, from the differences of the events' times (capped)."""
    delays: list[float] = []
    previous: float | None = None
    for event in events:
        current = _event_time(event)
        if previous is None or current is None:
            delays.append(0.0)
        else:
            delays.append(min(max(current - previous, 0.0), max_gap))
        if current is not None:
            previous = current
    return delays


def load_replay(
    path: str | Path,
    run_id: str | None = None,
    *,
    rate: float | None = None,
    end_status: str | None = "completed",
) -> Run:
    """A Run that replays the JSONL recording at ``path``.

    The run id is ``run_id``, else the first ``runId`` in the events, else the file stem. The
    pace follows the recorded times (each gap capped at 5 s) unless ``rate`` (events per second)
    is given. Events are served as recorded (``time`` is only added to events without any time).
    Raises :class:`ReplayError` (a ValueError) naming the file and line of a malformed line.
    """
    if rate is not None and rate <= 0:
        raise ReplayError(f"rate must be positive, got {rate}")
    events = read_events(path)
    if run_id is None:
        ids = (e.get("runId") for e in events)
        run_id = next((i for i in ids if isinstance(i, str) and i), None) or Path(path).stem
    if rate is not None:
        return Run(run_id, events, end_status=end_status, interval=1.0 / rate)
    return Run(run_id, events, end_status=end_status, delays=paced_delays(events))
