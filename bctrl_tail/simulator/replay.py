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


def _run_key(event: JSONObject) -> str | None:
    run_id = event.get("runId")
    return run_id if isinstance(run_id, str) and run_id else None


def split_runs(
    events: list[JSONObject], default_id: str, run_id: str | None = None
) -> dict[str, list[JSONObject]]:
    """The events of each run, in file order, keyed by run id in order of first appearance.

    A recording of one run (at most one distinct ``runId``) is one run: named ``run_id``, else
    its ``runId``, else ``default_id``. A recording of several runs (what ``bctrl-tail A B -o
    jsonl`` writes) is one run per ``runId``; events without one form a run named ``run_id``,
    else ``default_id``.
    """
    ids = list(dict.fromkeys(key for key in map(_run_key, events) if key is not None))
    if len(ids) <= 1:
        return {run_id or (ids[0] if ids else default_id): events}
    runs: dict[str, list[JSONObject]] = {}
    for event in events:
        runs.setdefault(_run_key(event) or run_id or default_id, []).append(event)
    return runs


def load_replays(
    path: str | Path,
    run_id: str | None = None,
    *,
    rate: float | None = None,
    end_status: str | None = "completed",
) -> list[Run]:
    """The runs that replay the JSONL recording at ``path``, one per ``runId`` (see
    :func:`split_runs`; the file stem names events without one).

    Each run is paced by its own events' recorded times (each gap capped at 5 s) unless
    ``rate`` (events per second) is given. Events are served exactly as recorded: one without
    a time gets none added. Raises :class:`ReplayError` (a ValueError) naming the file and
    line of a malformed line, or when ``run_id`` would name nothing.
    """
    if rate is not None and rate <= 0:
        raise ReplayError(f"rate must be positive, got {rate}")
    events = read_events(path)
    groups = split_runs(events, Path(path).stem, run_id)
    if run_id is not None and run_id not in groups:
        raise ReplayError(
            f"{path}: --run-id names the events without a runId, and this recording of "
            f"{len(groups)} runs has none (its runs: {', '.join(groups)})"
        )
    if rate is not None:
        return [
            Run(name, own, end_status=end_status, interval=1.0 / rate, stamp_times=False)
            for name, own in groups.items()
        ]
    return [
        Run(name, own, end_status=end_status, delays=paced_delays(own), stamp_times=False)
        for name, own in groups.items()
    ]


def load_replay(
    path: str | Path,
    run_id: str | None = None,
    *,
    rate: float | None = None,
    end_status: str | None = "completed",
) -> Run:
    """The one run a recording of one run replays (see :func:`load_replays`); a recording of
    several runs is a :class:`ReplayError` rather than a silent merge."""
    runs = load_replays(path, run_id, rate=rate, end_status=end_status)
    if len(runs) != 1:
        names = ", ".join(run.run_id for run in runs)
        raise ReplayError(f"{path}: holds {len(runs)} runs ({names}); use load_replays")
    return runs[0]
