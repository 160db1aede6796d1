"""The tail loop: connect, decode, hand frames to the event core (flow.py), carry out what it
decides; reconnect and resume on failure.

Typed exceptions travel up from here; the CLI turns them into exit codes and messages.
"""

from __future__ import annotations

import contextlib
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

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
from bctrl_tail.events import RunEnded
from bctrl_tail.flow import Flow, Step, end_line
from bctrl_tail.render import ConnState, Renderer
from bctrl_tail.request import request_headers, request_url
from bctrl_tail.sse import BlockTooLarge, SSEDecoder
from bctrl_tail.transport import new_session

if TYPE_CHECKING:
    import requests

    from bctrl_tail.config import Config
    from bctrl_tail.reporter import Reporter

MAX_DELAY = 30.0
MIN_BASE = 0.05
MAX_RETRY_AFTER = 3600.0  # a server's Retry-After is a floor, but not a year-long one
_MAX_DOUBLINGS = 64  # 2**64 s outgrows any cap; 2.0**1024 would overflow


HEAP_KEPT = 16 * 2**20  # bytes of freed heap the allocator may keep instead of returning


def keep_freed_heap() -> None:
    """Let glibc's malloc keep up to HEAP_KEPT of freed memory instead of handing it back.

    Every batch of events allocates and frees a few buffers of ~64 KiB (the bytes read, their
    text, the output); by default glibc returns the top of the heap to the system as soon as
    128 KiB are free there, and the next batch takes the pages back, zeroed: about one page
    fault per event, a quarter of the CPU time on a close-delimited backlog. Elsewhere (macOS,
    musl, Windows) there is no ``mallopt`` and nothing is done.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(-1, HEAP_KEPT)  # M_TRIM_THRESHOLD; musl's is a no-op


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


class RawSink(Protocol):
    """Where raw output goes: the blocks of one batch, in order."""

    def write_raw(self, blocks: list[bytes]) -> None: ...


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
        raw: RawSink | None = None,
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
        self.raw = raw
        self.flow = Flow(config, config.run_id, raw=raw is not None)
        self._deadline = clock() + config.timeout if config.timeout else None
        self._delivered = False
        self._answered = False  # some HTTP answer has arrived (see FIRST_CONTACT_RETRIES)
        self._pause = threading.Event()
        self._cursor_warned = False

    def run(self) -> ExitCode:
        """Attempt, and on a retryable failure back off and attempt again, resuming.

        ``failures`` counts consecutive failed attempts; an attempt that delivered a frame
        (``Step.delivered``) starts the count again, so a long tail survives any number of
        drops while a server that never gets as far as a frame is given up on.
        """
        keep_freed_heap()
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
            retry_ms = self.flow.retry_ms
            base = 1.0 if retry_ms is None else max(MIN_BASE, retry_ms / 1000)
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
        cursor = self.flow.resume_id
        last_event_id = None if attempt == 1 else cursor
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
        decoder = SSEDecoder(self.flow.resume_id or "")
        flow = self.flow
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
                if frames:
                    code = self._apply(flow.feed(frames))
                    if code is not None:
                        self.renderer.flush()
                        return code
                self._tick()
        finally:
            decoder.close()  # a complete retry line in the cut-off block still counts
            flow.stream_closed(decoder.retry_ms)

    def _apply(self, step: Step) -> ExitCode | None:
        """Carry out what the event core decided for one batch of frames."""
        if step.delivered:
            self._delivered = True
        reporter = self.reporter
        for level, line in step.notes:
            getattr(reporter, level)(line)
        if step.events:
            # counted and saved one by one: a closed stdout can stop this loop half-way
            on_event, stats, cursor_file = self.renderer.on_event, self.stats, self.cursor_file
            for event in step.events:
                on_event(event)
                stats.shown += 1
                if event.id:
                    stats.last_id = event.id
                    cursor_file.update(event.id)
        if step.raw and self.raw is not None:
            self.raw.write_raw(step.raw)
        if step.ended is not None:
            self.ended = step.ended
            self._state(ConnState("ended", ended_status=step.ended.status))
            reporter.info(
                end_line(
                    self.config.run_id,
                    step.ended,
                    shown=self.flow.shown,
                    reconnects=self.stats.reconnects,
                )
            )
        return step.stop

    @property
    def ended_runs(self) -> dict[str, RunEnded]:
        """Every followed run that ended, by run id (what ``Renderer.close`` takes)."""
        return {} if self.ended is None else {self.config.run_id: self.ended}

    def _state(self, state: ConnState) -> None:
        self.renderer.on_state(replace(state, run_id=self.config.run_id))

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
