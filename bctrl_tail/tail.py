"""The tail loop: connect, decode, dedupe, select, render; reconnect and resume on failure.

Typed exceptions travel up from here; the CLI turns them into exit codes and messages.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bctrl_tail.connection import Connection, EndOfStream, NoContent
from bctrl_tail.cursorfile import CursorFile
from bctrl_tail.errors import (
    FIRST_CONTACT_RETRIES,
    ConnectFailed,
    ExitCode,
    GaveUpError,
    ResponseError,
    RetryableError,
    TimedOut,
)
from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.render import ConnState, Renderer
from bctrl_tail.request import request_headers, request_url
from bctrl_tail.select import reached_until, selected
from bctrl_tail.sse import BlockTooLarge, Frame, SSEDecoder
from bctrl_tail.transport import new_session

if TYPE_CHECKING:
    import requests

    from bctrl_tail.config import Config
    from bctrl_tail.reporter import Reporter

EVENT_NAMES = frozenset({"run.event", "message"})
DEDUPE_WINDOW = 10_000
MAX_DELAY = 30.0
MIN_BASE = 0.05
MAX_RETRY_AFTER = 3600.0  # a server's Retry-After is a floor, but not a year-long one
# built once, not per event; NaN and Infinity are not JSON, and jq would refuse the line
COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_MAX_DOUBLINGS = 64  # 2**64 s outgrows any cap; 2.0**1024 would overflow


def backoff_delay(
    failures: int, base: float, retry_after: float | None, rand: Callable[[], float]
) -> float:
    """base·2^(failures-1), capped at 30 s, ±20 % jitter (never above the cap);
    Retry-After is a floor, even above the cap: the server said when to come back."""
    doublings = min(max(0, failures - 1), _MAX_DOUBLINGS)
    delay = min(MAX_DELAY, base * 2.0**doublings)
    delay = min(MAX_DELAY, delay * (0.8 + 0.4 * rand()))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """Strict JSON: NaN/Infinity refused, and hostile nesting is an error, not a crash."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None


def make_event(frame: Frame) -> tuple[RunEvent, bool]:
    """The RunEvent for a frame, and False when its data was not a JSON object."""
    obj = parse_json(frame.data)
    if isinstance(obj, dict):
        try:
            text = COMPACT.encode(obj)  # refuses 1e999, which parses to inf
        except (ValueError, RecursionError):
            obj = None
        else:
            return RunEvent(frame.id, obj, text, frame.event, frame.raw), True
    wrapped = {"event": frame.event, "id": frame.id, "data": frame.data}
    return RunEvent(frame.id, wrapped, COMPACT.encode(wrapped), frame.event, frame.raw), False


@dataclass
class Stats:
    shown: int = 0
    reconnects: int = 0
    last_id: str | None = None  # the id of the last event output


class Tail:
    """Follows one run until it ends, a stop condition is met, or an error ends it."""

    def __init__(
        self,
        config: Config,
        renderer: Renderer,
        reporter: Reporter,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.renderer = renderer
        self.reporter = reporter
        self.session = session or new_session()
        self.clock = clock
        self.rand = rand
        self.stats = Stats()
        self.cursor_file = CursorFile(config.cursor_file)
        self.ended: RunEnded | None = None
        self._resume_id: str | None = config.cursor
        self._retry_ms: int | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        if config.cursor:  # "start after": a server that includes the cursor event shows it not
            self._seen[config.cursor] = None
        self._deadline = clock() + config.timeout if config.timeout else None
        self._delivered = False
        self._answered = False  # some HTTP answer has arrived (see FIRST_CONTACT_RETRIES)
        self._pause = threading.Event()
        self._cursor_warned = False

    def run(self) -> ExitCode:
        """Attempt, and on a retryable failure back off and attempt again, resuming.

        ``failures`` counts consecutive failed attempts; an attempt that delivered a frame
        (see ``_handle``) starts the count again, so a long tail survives any number of
        drops while a server that never gets as far as a frame is given up on.
        """
        failures = 0
        attempt = 1
        while True:
            self._state(
                ConnState("connecting" if attempt == 1 else "reconnecting", attempt=attempt)
            )
            self._delivered = False
            retry_after: float | None = None
            detail: str | None = None
            hint: str | None = None
            max_retries = self.config.max_retries
            try:
                return self._attempt(attempt)
            except EndOfStream:
                reason = "the server closed the stream"
            except RetryableError as exc:
                reason, detail, hint = exc.message, exc.detail, exc.hint
                retry_after = exc.retry_after
                if isinstance(exc, ConnectFailed) and not self._answered:
                    max_retries = min(max_retries, FIRST_CONTACT_RETRIES)
            failures = 1 if self._delivered else failures + 1
            if failures > max_retries:
                tries = "" if max_retries == 0 else f" after {failures} attempts"
                raise GaveUpError(f"gave up{tries}: {reason}", detail=detail, hint=hint)
            # a server's retry: sets the base, but never below MIN_BASE: retry: 0 plus a server
            # that closes after each comment would otherwise be hammered in a tight loop
            base = 1.0 if self._retry_ms is None else max(MIN_BASE, self._retry_ms / 1000)
            delay = backoff_delay(failures, base, retry_after, self.rand)
            attempt += 1
            self.stats.reconnects += 1
            self.reporter.progress(
                f"reconnecting in {delay:.1f}s (attempt {failures + 1}): {reason}"
            )
            self._wait(delay, failures + 1, reason)

    def _attempt(self, attempt: int) -> ExitCode:
        """One connection. The first sends the starting cursor; a reconnect sends the last id
        seen as both ``cursor`` and ``Last-Event-ID`` (the API honours either)."""
        cursor = self._resume_id
        last_event_id = None if attempt == 1 else self._resume_id
        config = self.config
        conn = Connection(
            self.session,
            request_url(config, config.run_id, cursor),
            request_headers(last_event_id),
            key=config.api_key,
            read_timeout=config.idle_timeout + 1.0,
            log=self.reporter.debug,
        )
        self.reporter.debug(f"connection {attempt}: GET {conn.url}")
        try:
            while not conn.wait_open(self._slice(None)):
                self._tick()
            self.reporter.debug(f"HTTP {conn.status}: streaming")
            self._state(ConnState("live"))
            return self._stream(conn)
        except NoContent:
            self.reporter.info("the server has no events to stream (HTTP 204)")
            return ExitCode.OK
        finally:
            self._answered = self._answered or conn.status is not None
            conn.close()

    def _stream(self, conn: Connection) -> ExitCode:
        decoder = SSEDecoder(self._resume_id or "")
        idle = self.config.idle_timeout
        last_bytes = self.clock()
        try:
            while True:
                chunk = conn.next_chunk(self._slice(last_bytes + idle))
                now = self.clock()
                if chunk is None:
                    self._tick()
                    if now - last_bytes >= idle:
                        raise RetryableError(f"no data for {idle:g}s (idle timeout)")
                    continue
                last_bytes = now
                try:
                    frames = decoder.feed(chunk)
                except BlockTooLarge as exc:
                    raise ResponseError(str(exc), detail="the server never ended it") from None
                for frame in frames:
                    code = self._handle(frame)
                    if code is not None:
                        self.renderer.flush()
                        return code
                self._tick()
        finally:
            decoder.close()  # a complete retry line in the cut-off block still counts
            if decoder.retry_ms is not None:
                self._retry_ms = decoder.retry_ms

    def _handle(self, frame: Frame) -> ExitCode | None:
        if frame.retry is not None:
            self._retry_ms = frame.retry
        if frame.id:
            self._resume_id = frame.id
        if not frame.dispatch:
            # A comment is liveness; a block with only retry/id is what a failing server
            # sends first: it must not reset the failure count, or that server is retried
            # forever.
            if frame.raw.startswith(b":"):
                self._delivered = True
            self.renderer.on_frame(frame)
            return None
        self._delivered = True
        name = frame.event
        if name in EVENT_NAMES:
            return self._on_event(frame)
        self.renderer.on_frame(frame)
        if name == "run.ended":
            return self._on_ended(frame)
        if name != "heartbeat":
            self.reporter.debug(f"skipping unknown event {name!r}")
        return None

    def _on_event(self, frame: Frame) -> ExitCode | None:
        if frame.has_id and frame.id:  # an empty id line resets the id: it names no event
            seen = self._seen
            if frame.id in seen:
                self.reporter.debug(f"skipping duplicate event {frame.id!r}")
                return None
            seen[frame.id] = None
            if len(seen) > DEDUPE_WINDOW:
                seen.popitem(last=False)
        event, is_object = make_event(frame)
        if not is_object:
            self.reporter.warn(f"event {frame.id or '(no id)'} has data that is not a JSON object")
        config = self.config
        if not selected(config, event):
            return None
        self.renderer.on_event(event)
        stats = self.stats
        stats.shown += 1
        if event.id:
            stats.last_id = event.id
            self.cursor_file.update(event.id)
        if config.max_events is not None and stats.shown >= config.max_events:
            noun = "event" if stats.shown == 1 else "events"
            self.reporter.info(f"stopping after {stats.shown} {noun} (--max-events)")
            return ExitCode.OK
        if config.until and reached_until(config, event):
            self.reporter.info(f"stopping at {event.type!r} (--until)")
            return ExitCode.OK
        return None

    def _on_ended(self, frame: Frame) -> ExitCode:
        ended = RunEnded.from_data(parse_json(frame.data))
        self.ended = ended
        self._state(ConnState("ended", ended_status=ended.status))
        run_id = ended.run_id or self.config.run_id
        line = f"run {run_id} ended: {ended.status}"
        if ended.failure_code or ended.failure_message:
            line += f" ({': '.join(p for p in (ended.failure_code, ended.failure_message) if p)})"
        shown, reconnects = self.stats.shown, self.stats.reconnects
        line += f", {shown} event{'' if shown == 1 else 's'} shown"
        if reconnects:
            line += f", {reconnects} reconnect{'' if reconnects == 1 else 's'}"
        self.reporter.info(line)
        if self.config.exit_status and not ended.success:
            return ExitCode.RUN_FAILED
        return ExitCode.OK

    def _state(self, state: ConnState) -> None:
        self.renderer.on_state(state)

    def _slice(self, until: float | None) -> float:
        """How long one wait may block: to the nearest of `until`, --timeout and a redraw."""
        now = self.clock()
        ends = [now + 1.0]
        if until is not None:
            ends.append(until)
        if self._deadline is not None:
            ends.append(self._deadline)
        due = self.renderer.due()
        if due is not None:
            ends.append(now + due)
        return max(0.0, min(ends) - now)

    def _check_deadline(self) -> None:
        if self._deadline is not None and self.clock() >= self._deadline:
            raise TimedOut(f"--timeout {self.config.timeout:g}s elapsed")

    def _tick(self) -> None:
        """Housekeeping at every wake-up (at least once a second, see ``_slice``): write
        what was rendered, save the cursor file when due, honour --timeout."""
        self.renderer.flush()
        self._save_cursor(self.clock())
        self._check_deadline()

    def _save_cursor(self, now: float) -> None:
        """Save the cursor file when due. A failed write is reported once and retried each
        second; the save at exit (``finish``) reports it as an error (exit 1)."""
        try:
            self.cursor_file.maybe_save(now)
        except OSError as exc:
            if not self._cursor_warned:
                self._cursor_warned = True
                self.reporter.warn(
                    f"cannot write --cursor-file {self.cursor_file.path}: {exc.strerror or exc}"
                )

    def _wait(self, delay: float, attempt: int, reason: str) -> None:
        """Back off for `delay`, keeping the countdown (and why) drawn and --timeout honoured."""
        until = self.clock() + delay
        while True:
            self._tick()
            remaining = until - self.clock()
            if remaining <= 0:
                return
            self._state(
                ConnState("reconnecting", retry_in=remaining, attempt=attempt, reason=reason)
            )
            self._pause.wait(self._slice(until))

    def finish(self) -> None:
        """Save the resume point and let go of pooled connections; called on every way out."""
        try:
            self.cursor_file.save()
        finally:
            self.session.close()
