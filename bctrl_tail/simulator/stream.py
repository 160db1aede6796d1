"""One streaming response: pacing, heartbeats, filters, resume and the stream faults."""

from __future__ import annotations

import datetime as dt
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bctrl_tail.events import category_of_type
from bctrl_tail.simulator.model import JSONObject, Response, Run

_TIME_KEYS = ("time", "timestamp", "createdAt")


def iso_time(seconds: float) -> str:
    """A POSIX time as UTC ISO-8601 with milliseconds and ``Z``."""
    when = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    return when.isoformat(timespec="milliseconds")[:-6] + "Z"


def now_iso() -> str:
    """The current UTC time as ISO-8601 with milliseconds and ``Z``."""
    return iso_time(time.time())


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Stopped(Exception):
    """The simulator is shutting down: drop the connection."""


class Cut(Exception):
    """A fault switch asks for the connection to be closed abruptly."""


class ClientGone(Exception):
    """Writing to the client failed: it has gone."""


class RunState:
    """What a run remembers across connections: its timeline, frames, consumed responses and
    faults.

    A run has one timeline, started by the first stream request: event ``i`` is due at the
    start plus the delays before it, whoever asks and however often. A new connection to a
    live run catches up at once with what is already due and continues at the run's pace; a
    run whose last event is due is served whole at once. Times stamped on events that carry
    none (unless ``Run.stamp_times`` is off, as for replays) are the times they were due, so
    they never go backwards between connections.

    A frame is built once so that a re-sent event is byte for byte the same and
    ``drop_at_bytes`` offsets stay meaningful.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.lock = threading.Lock()
        self._frames: dict[int, bytes] = {}
        self._end: bytes | None = None
        self._next_cut = 0
        self.stall_used = False
        self._started: float | None = None  # time.monotonic() of the timeline's start
        self._started_wall = 0.0  # time.time() at the same moment
        self._offsets: list[float] = []  # seconds from the start to each event, speed applied

    def start(self) -> None:
        """Start the timeline if nothing started it yet (the run's pace is read now)."""
        with self.lock:
            if self._started is not None:
                return
            offsets, total = [], 0.0
            for index in range(len(self.run.events)):
                total += self.run.delay_before(index)
                offsets.append(total)
            self._offsets = offsets
            self._started = time.monotonic()
            self._started_wall = time.time()

    def due(self, index: int) -> float:
        """The monotonic time event ``index`` is due (``len(events)``: the run's end)."""
        if self._started is None:
            self.start()
        offsets = self._offsets
        offset = offsets[min(index, len(offsets) - 1)] if offsets else 0.0
        return (self._started or 0.0) + offset

    def _stamp(self, index: int) -> str:
        offset = self.due(index) - (self._started or 0.0)
        return iso_time(self._started_wall + offset)

    def frame(self, index: int) -> bytes:
        cached = self._frames.get(index)
        if cached is not None:
            return cached
        event = self.run.events[index]
        if self.run.stamp_times and not any(key in event for key in _TIME_KEYS):
            event = {**event, "time": self._stamp(index)}
        head = b"event: run.event\n"
        if event.get("id") is not None:
            head += f"id: {event['id']}\n".encode()
        cached = head + f"data: {compact(event)}\n\n".encode()
        with self.lock:
            return self._frames.setdefault(index, cached)

    def end_frame(self) -> bytes:
        if self._end is None:
            data = {
                "runId": self.run.run_id,
                "status": self.run.end_status,
                "finishedAt": self._stamp(len(self.run.events)),
                "failure": self.run.failure,
            }
            end = f"event: run.ended\ndata: {compact(data)}\n\n".encode()
            with self.lock:
                self._end = self._end or end
        return self._end

    def take_response(self) -> Response | None:
        with self.lock:
            return self.run.responses.pop(0) if self.run.responses else None

    def take_cut(self, start: int, end: int) -> int | None:
        """The next unused ``drop_at_bytes`` offset in ``[start, end)``, consumed; else None."""
        offsets = self.run.drop_at_bytes or []
        with self.lock:
            while self._next_cut < len(offsets) and offsets[self._next_cut] < start:
                self._next_cut += 1  # already behind this response: it can never apply
            if self._next_cut < len(offsets) and offsets[self._next_cut] < end:
                self._next_cut += 1
                return offsets[self._next_cut - 1]
            return None

    def take_stall(self, sent: int) -> float | None:
        stall = self.run.stall
        with self.lock:
            if stall is None or self.stall_used or sent != stall[0]:
                return None
            self.stall_used = True
            return stall[1]


@dataclass
class Filters:
    """The server-side filters of the real API."""

    types: list[str] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    connection_id: str | None = None

    def match(self, event: JSONObject) -> bool:
        event_type = str(event.get("type") or "")
        if self.types and not any(_type_matches(event_type, t) for t in self.types):
            return False
        if self.categories:
            category = event.get("category")
            if not isinstance(category, str) or not category:
                category = category_of_type(event_type)
            if category not in self.categories:
                return False
        if self.connection_id is not None:
            value = event.get("connectionId")
            data = event.get("data")
            if value is None and isinstance(data, dict):
                value = data.get("connectionId")
            if str(value or "").lower() != self.connection_id.lower():
                return False
        return True


def _type_matches(event_type: str, wanted: str) -> bool:
    if wanted in ("*", event_type):
        return True
    return wanted.endswith(".*") and event_type.startswith(wanted[:-1])


@dataclass
class StreamRequest:
    filters: Filters
    cursor: str | None
    limit: int | None


class Output:
    """Writes one response body, chunked or close-delimited, applying the byte cuts."""

    def __init__(
        self, write: Callable[[bytes], object], sock: socket.socket, chunked: bool, state: RunState
    ) -> None:
        self._write = write
        self.sock = sock
        self.chunked = chunked
        self.state = state
        self.position = 0  # offset in the full uncut stream body
        self.last_write = time.monotonic()

    def send(self, data: bytes, counted: bool = True) -> None:
        if counted:
            cut = self.state.take_cut(self.position, self.position + len(data))
            if cut is not None:
                if cut > self.position:
                    self._raw(data[: cut - self.position])
                raise Cut
            self.position += len(data)
        self._raw(data)

    def finish(self) -> None:
        if self.chunked:
            self._send_bytes(b"0\r\n\r\n")

    def _raw(self, data: bytes) -> None:
        if not data:  # a chunk of length 0 is the chunked body's end: nothing to write instead
            return
        self._send_bytes(b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data)
        self.last_write = time.monotonic()

    def _send_bytes(self, data: bytes) -> None:
        try:
            self._write(data)
        except OSError as exc:
            raise ClientGone from exc

    def client_gone(self) -> bool:
        """True when the client has closed its side (checked without blocking)."""
        dontwait = getattr(socket, "MSG_DONTWAIT", 0)
        try:
            if dontwait:
                return self.sock.recv(1, socket.MSG_PEEK | dontwait) == b""
            readable, _, _ = select.select([self.sock], [], [], 0)
            return bool(readable) and self.sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        except (OSError, ValueError):
            return True


class Streamer:
    """Serves the stream of one run on one response."""

    def __init__(self, out: Output, run: Run, shutdown: threading.Event) -> None:
        self.out = out
        self.run = run
        self.shutdown = shutdown
        self.heartbeat_every = run.heartbeat_every

    def heartbeat(self) -> None:
        if self.run.heartbeat_style == "comment":
            self.out.send(b": keep-alive\n\n", counted=False)
        else:
            frame = f"event: heartbeat\ndata: {compact({'time': now_iso()})}\n\n"
            self.out.send(frame.encode(), counted=False)

    def _step(self, limit: float) -> float:
        """Send a due heartbeat; return how long to wait at most before the next check."""
        if self.heartbeat_every is None:
            return limit
        due = self.out.last_write + self.heartbeat_every - time.monotonic()
        if due <= 0:
            self.heartbeat()
            due = self.heartbeat_every
        return min(limit, due)

    def pause(self, seconds: float, heartbeats: bool = True) -> None:
        """Wait ``seconds`` (heartbeats going), or raise Stopped at shutdown."""
        self.wait_until(time.monotonic() + seconds, heartbeats)

    def wait_until(self, deadline: float, heartbeats: bool = True) -> None:
        """Wait until the monotonic ``deadline`` (heartbeats going), or raise Stopped."""
        while True:
            if self.shutdown.is_set():
                raise Stopped
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            step = self._step(remaining) if heartbeats else remaining
            if self.shutdown.wait(max(step, 0.0)):
                raise Stopped

    def wait_gate(self, gate: threading.Event) -> None:
        while not gate.is_set():
            if self.shutdown.is_set():
                raise Stopped
            gate.wait(self._step(0.05))

    def hold(self) -> None:
        """Keep the response open until shutdown or until the client goes."""
        while not self.out.client_gone():
            self.pause(min(self.heartbeat_every or 0.5, 0.5))

    def serve(self, state: RunState, request: StreamRequest) -> None:
        run = self.run
        events = run.events
        state.start()
        start = 0
        if request.cursor is not None:
            for index, event in enumerate(events):
                if str(event.get("id")) == request.cursor:
                    start = index if run.inclusive_cursor else index + 1
                    break
        if run.drop_at_bytes:
            self.out.position = sum(
                len(state.frame(i)) for i in range(start) if request.filters.match(events[i])
            )
        if run.retry_ms is not None:
            self.out.send(f"retry: {run.retry_ms}\n\n".encode(), counted=False)
        sent = 0
        self._maybe_stall(state, sent)
        for index in range(start, len(events)):
            self.wait_until(state.due(index))
            if not request.filters.match(events[index]):
                continue
            self.out.send(state.frame(index))
            sent += 1
            if run.drop_every and sent % run.drop_every == 0:
                raise Cut
            if request.limit is not None and sent >= request.limit:
                self.out.finish()
                return
            self._maybe_stall(state, sent)
            if sent == 1 and run.gate is not None:
                self.wait_gate(run.gate)
        if run.end_status is None:
            if run.hold_open:
                self.hold()
        else:
            self.wait_until(state.due(len(events)))
            self.out.send(state.end_frame())
        self.out.finish()

    def _maybe_stall(self, state: RunState, sent: int) -> None:
        seconds = state.take_stall(sent)
        if seconds is not None:
            self.pause(seconds, heartbeats=False)
