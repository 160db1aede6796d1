"""The event core of one followed run: frames in, decisions out, no I/O.

``Flow.feed`` takes the frames a network read completed and returns a ``Step``: the run events
to render, the raw blocks to write (raw output only), the lines to report, and whether to stop.
It owns what lives as long as the run (the duplicate window, the resume id, the retry time, the
count shown), so a tail following several runs keeps one ``Flow`` per run and merges the steps.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bctrl_tail import jsontext
from bctrl_tail.errors import ExitCode
from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.select import reached_until, selected

if TYPE_CHECKING:
    from bctrl_tail.config import Config
    from bctrl_tail.sse import Frame

EVENT_NAMES = frozenset({"run.event", "message"})
DEDUPE_WINDOW = 10_000  # ids remembered to drop events a server sends again after a resume
MAX_KEPT_ID = 1024  # longer ids are not remembered: the window's memory stays bounded


@dataclass(slots=True)
class Step:
    """What one batch of frames decided, in order."""

    events: list[RunEvent] = field(default_factory=list)  # selected, for the renderer
    raw: list[bytes] = field(default_factory=list)  # blocks for raw output, when it is on
    # per event: how many of ``raw`` go up to and including its block (raw output only), so
    # a stop decided at an event (-n across runs) writes no block after it
    raw_upto: list[int] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (reporter method, line)
    delivered: bool = False  # a dispatched frame or a comment: the server is streaming
    stop: ExitCode | None = None  # stop following this run, with this code
    ended: RunEnded | None = None  # the run.ended frame, when this batch had it


def make_event(frame: Frame, run_id: str = "") -> tuple[RunEvent, bool]:
    """The RunEvent for a frame, and False when its data was not a JSON object."""
    return event_of(frame, jsontext.parse(frame.data), run_id)


def event_of(frame: Frame, obj: object, run_id: str) -> tuple[RunEvent, bool]:
    """``make_event`` for data already parsed to ``obj``."""
    if isinstance(obj, dict):
        return RunEvent(frame.id, obj, run_id), True
    wrapped = {"event": frame.event, "id": frame.id, "data": frame.data}
    return RunEvent(frame.id, wrapped, run_id), False


def end_line(
    run_id: str,
    ended: RunEnded | None,
    *,
    shown: int,
    reconnects: int,
    stopped: str = "",
    last_id: str | None = None,
) -> str:
    """The line that says how a run's tail ended: by ``run.ended``, or ``stopped`` (a word
    such as "interrupted") with the last id shown, for resuming."""
    if ended is None:
        return (
            f"{stopped}: {counted(shown, 'event')} shown, {counted(reconnects, 'reconnect')}, "
            f"last id {last_id or '(none)'}"
        )
    line = f"run {run_id or ended.run_id} ended: {ended.status}"  # the id the user gave
    if ended.failure_code or ended.failure_message:
        line += f" ({': '.join(p for p in (ended.failure_code, ended.failure_message) if p)})"
    line += f", {counted(shown, 'event')} shown"
    if reconnects:
        line += f", {counted(reconnects, 'reconnect')}"
    return line


def counted(n: int, noun: str) -> str:
    """``1 event``, ``2 events``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


class Flow:
    """One run's frames turned into decisions: make the event, drop duplicates, select, count,
    stop (--max-events, --until, run.ended). ``raw`` keeps every frame's block for raw output."""

    def __init__(self, config: Config, run_id: str, *, raw: bool = False) -> None:
        self.config = config
        self.run_id = run_id
        self.raw = raw
        self.shown = 0
        self.last_id: str | None = None  # the id of the last event output
        cursor = config.cursors.get(run_id)  # this run's own start: never another run's
        self.resume_id: str | None = cursor  # where a new connection starts
        self.retry_ms: int | None = None  # the server's last valid retry
        self.ended: RunEnded | None = None
        self._filtered = bool(config.grep or config.exclude or config.since is not None)
        self._stops = config.max_events is not None or bool(config.until)
        self._seen: OrderedDict[str, None] = OrderedDict()
        if cursor:  # "start after": a server that includes the cursor event shows it not
            self._seen[cursor] = None

    def feed(self, frames: Iterable[Frame]) -> Step:
        """Decide on ``frames`` in order; after a stop, the rest are not looked at."""
        step = Step()
        raw = self.raw
        for frame in frames:
            name, _, frame_id, _, retry, dispatch, text = frame  # unpacked once: a tuple
            if retry is not None:
                self.retry_ms = retry
            if frame_id:
                self.resume_id = frame_id
            if not dispatch:
                # A comment is liveness; a block with only retry/id is what a failing server
                # sends first: it must not count as delivery, or that server is retried forever.
                if text.startswith(":"):
                    step.delivered = True
                if raw:
                    step.raw.append(frame.raw)
                continue
            step.delivered = True
            if name in EVENT_NAMES:
                step.stop = self._on_event(frame, step)
            else:
                if raw:
                    step.raw.append(frame.raw)
                if name == "run.ended":
                    step.stop = self._on_ended(frame, step)
                elif name != "heartbeat":
                    step.notes.append(("debug", f"skipping unknown event {name!r}"))
            if step.stop is not None:
                break
        return step

    def stream_closed(self, retry_ms: int | None) -> None:
        """A connection ended; a retry from its cut-off last block still counts."""
        if retry_ms is not None:
            self.retry_ms = retry_ms

    def _on_event(self, frame: Frame, step: Step) -> ExitCode | None:
        _, data, event_id, has_id, _, _, _ = frame
        if has_id and event_id:  # an empty id line resets the id: it names no event
            seen = self._seen
            if event_id in seen:
                step.notes.append(("debug", f"skipping duplicate event {event_id!r}"))
                return None
            if len(event_id) <= MAX_KEPT_ID:
                seen[event_id] = None
                if len(seen) > DEDUPE_WINDOW:
                    seen.popitem(last=False)
        obj = jsontext.parse(data)
        if isinstance(obj, dict):
            event, wrapped = RunEvent(event_id, obj, self.run_id), False
        else:
            event, wrapped = event_of(frame, obj, self.run_id)[0], True
        if self._filtered and not selected(self.config, event):
            return None  # filtered out: not worth a warning either
        if wrapped and not self.raw:  # raw writes the frame as it came: nothing was wrapped
            step.notes.append(
                ("warn", f"event {event_id or '(no id)'} has data that is not a JSON object")
            )
        if self.raw:
            step.raw.append(frame.raw)
            step.raw_upto.append(len(step.raw))
        step.events.append(event)
        self.shown += 1
        if event_id:
            self.last_id = event_id
        if self._stops:
            return self._stop_at(event, step)
        return None

    def _stop_at(self, event: RunEvent, step: Step) -> ExitCode | None:
        """--max-events and --until, checked only when one was given."""
        config = self.config
        if config.max_events is not None and self.shown >= config.max_events:
            return ExitCode.OK  # the tail counts -n across runs and says so, once
        if config.until and reached_until(config, event):
            step.notes.append(("info", f"stopping at {event.type!r} (--until)"))
            return ExitCode.OK
        return None

    def _on_ended(self, frame: Frame, step: Step) -> ExitCode:
        ended = RunEnded.from_data(jsontext.parse(frame.data))
        self.ended = step.ended = ended
        if self.config.exit_status and not ended.success:
            return ExitCode.RUN_FAILED
        return ExitCode.OK
