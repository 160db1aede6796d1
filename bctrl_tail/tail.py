"""The tail loop: one connection per followed run, one event core (flow.py) per run, and one
merge point that feeds the renderer in order of arrival; each run reconnects and resumes on
its own.

Every connection's reader thread buffers what it reads and puts its connection in one shared
inbox (connection.py). This thread alone takes the connections out in the order they came in,
decodes each one's bytes with the run's decoder (followed.py), asks the run's event core what
the frames mean and carries that out, so the renderer, the counters and the cursor file are
only ever touched from here. A quiet run costs a reader thread blocked on its socket, and one
wake-up per heartbeat.

Typed exceptions travel up from here; the CLI turns them into exit codes and messages.
"""

from __future__ import annotations

import contextlib
import queue
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from bctrl_tail.connection import Connection, Item, NoContent, as_tail_error, new_inbox
from bctrl_tail.cursorfile import CursorFile
from bctrl_tail.errors import (
    ConnectFailed,
    ExitCode,
    NotFoundError,
    RetryableError,
    TailError,
    TimedOut,
)
from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.flow import Flow, Step, end_line
from bctrl_tail.followed import Followed
from bctrl_tail.render import ConnState, Renderer
from bctrl_tail.transport import new_session, prepare_https

if TYPE_CHECKING:
    import requests

    from bctrl_tail.config import Config
    from bctrl_tail.reporter import Reporter

HEAP_KEPT = 16 * 2**20  # bytes of freed heap the allocator may keep instead of returning
MAX_BATCH = 64  # connections taken from the inbox per wake-up before the renderer is flushed
COUNTDOWN_EVERY = 0.25  # seconds between the "reconnecting in Ns" updates of a waiting run


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


class RawSink(Protocol):
    """Where raw output goes: the blocks of one batch, in order."""

    def write_raw(self, blocks: list[bytes]) -> None: ...


@dataclass
class Stats:
    shown: int = 0  # across every run
    reconnects: int = 0  # across every run
    last_id: str | None = None  # the id of the last event output, whichever run it came from


class Tail:
    """Follows every run of the config until all have ended, a stop condition is met, or an
    error ends it."""

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
        self.raw = raw
        self.stats = Stats()
        self.several = len(config.run_ids) > 1
        self.cursor_file = CursorFile(config.cursor_file, config.saved.base_url, config.saved.runs)
        self.ended: dict[str, RunEnded] = {}
        self.runs = {
            run_id: Followed(run_id, Flow(config, run_id, raw=raw is not None))
            for run_id in config.run_ids
        }
        self.inbox = new_inbox()
        self._deadline = clock() + config.timeout if config.timeout else None
        self._cursor_warned = False
        self._raw_run: str | None = None  # the run the last raw blocks came from

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> ExitCode:
        """Connect every run, then take what the readers hand over, in order, until every run
        has ended (or a stop condition, a fatal answer or --timeout ends it all)."""
        keep_freed_heap()
        try:
            if self.config.base_url.startswith("https:"):
                prepare_https(self.session)  # here, before the readers share the session
            for run in self.runs.values():
                self._connect(run)
            while True:
                code = self._all_ended()
                if code is not None:
                    self._flush()
                    return code
                batch = self._take(self._slice())
                if batch:
                    code = self._handle(batch)
                    if code is not None:
                        self._flush()
                        return self._failed_first(code)
                self._housekeeping()
                self._tick()
        finally:
            self._close_all()

    def _take(self, timeout: float) -> list[Connection]:
        """The connections with something to take: wait up to ``timeout`` for the first, then
        those already waiting, so a backlog is handled (and flushed) per batch."""
        try:
            batch = [self.inbox.get(timeout=timeout)]
        except queue.Empty:
            return []
        get = self.inbox.get_nowait
        while len(batch) < MAX_BATCH:
            try:
                batch.append(get())
            except queue.Empty:
                break
        return batch

    def _handle(self, batch: list[Connection]) -> ExitCode | None:
        """Carry out what each connection handed over, in the order the connections came in;
        a connection's bytes are decoded together."""
        for conn in batch:
            run = self.runs[conn.run_id]
            items = conn.take()
            if run.conn is not conn:
                continue  # left over from an attempt already given up
            code = self._items(run, items)
            if code is not None:
                return code
            self._flush()  # per connection: what one take produced is bounded
        return None

    def _items(self, run: Followed, items: list[Item]) -> ExitCode | None:
        chunks: list[bytes] = []
        for item in items:
            if isinstance(item, bytes) and item:
                chunks.append(item)
                continue
            if chunks:
                code = self._on_bytes(run, chunks[0] if len(chunks) == 1 else b"".join(chunks))
                chunks = []
                if code is not None or run.conn is None:
                    return code
            if item is None:
                self._on_open(run)
            elif isinstance(item, bytes):
                self._on_failure(run, "the server closed the stream")
                return None
            else:
                self._on_error(run, item)
                return None
        if chunks:
            return self._on_bytes(run, chunks[0] if len(chunks) == 1 else b"".join(chunks))
        return None

    # -- one run's connection ----------------------------------------------------------------

    def _connect(self, run: Followed) -> None:
        conn = run.connect(self.session, self.config, self.inbox, self.reporter.debug)
        self.reporter.debug(f"connection {run.attempts}: GET {conn.url}")
        phase = "connecting" if run.attempts == 1 else "reconnecting"
        self._state(run, ConnState(phase, attempt=run.attempts))

    def _on_open(self, run: Followed) -> None:
        assert run.conn is not None
        self.reporter.debug(self._about(run, f"HTTP {run.conn.status}: streaming"))
        run.opened(self.clock())
        self._state(run, ConnState("live"))

    def _on_bytes(self, run: Followed, chunk: bytes) -> ExitCode | None:
        try:
            frames = run.decode(chunk, self.clock())
        except TailError as exc:
            raise self._named(exc, run) from None
        if not frames:
            return None
        return self._apply(run, run.flow.feed(frames))

    def _on_error(self, run: Followed, exc: BaseException) -> None:
        error = as_tail_error(exc)
        if isinstance(error, NoContent):
            self.reporter.info(self._about(run, "the server has no events to stream (HTTP 204)"))
            run.drop()
            run.done = True
        elif isinstance(error, RetryableError):
            first_contact = isinstance(error, ConnectFailed)
            self._on_failure(run, error.message, error, first_contact=first_contact)
        elif isinstance(error, TailError):
            raise self._named(error, run)
        else:  # pragma: no cover - as_tail_error only returns the kinds above
            raise error

    def _on_failure(
        self,
        run: Followed,
        reason: str,
        error: RetryableError | None = None,
        *,
        first_contact: bool = False,
    ) -> None:
        """The attempt failed: back off and try again, resuming; or give up, naming the run."""
        now = self.clock()
        try:
            delay = run.failed(
                reason,
                detail=error.detail if error is not None else None,
                hint=error.hint if error is not None else None,
                retry_after=error.retry_after if error is not None else None,
                first_contact=first_contact,
                max_retries=self.config.max_retries,
                rand=self.rand,
                now=now,
            )
        except TailError as exc:
            raise self._named(exc, run) from None
        self.stats.reconnects += 1
        self.reporter.progress(
            self._about(run, f"reconnecting in {delay:.1f}s (attempt {run.failures + 1}): {reason}")
        )
        self._countdown(run, now, force=True)

    # -- what the event core decided ---------------------------------------------------------

    def _apply(self, run: Followed, step: Step) -> ExitCode | None:
        """Carry out what a run's event core decided for one batch of frames; the counts and
        stop conditions that span runs (-n) are decided here."""
        if step.delivered:
            run.delivered = True
        code = self._output(run, step) if step.events else None
        if code is None and step.raw:
            self._write_raw(run, step.raw)
        self._say(run, step.notes)
        if code is not None:
            return code
        if step.ended is not None:
            self._end(run, step.ended, step.stop or ExitCode.OK)
            return None
        return step.stop  # --until: every run stops

    def _say(self, run: Followed, notes: list[tuple[str, str]]) -> None:
        """A step's notes on stderr, after what they speak of is written: on a terminal
        "stopping at 'page.error'" then shows below that event, not above it."""
        if not notes:
            return
        self._flush()  # in raw mode the raw sink is the renderer
        reporter = self.reporter
        for level, line in notes:
            getattr(reporter, level)(self._about(run, line))

    def _output(self, run: Followed, step: Step) -> ExitCode | None:
        on_event = self.renderer.on_event
        stats = self.stats
        limit = self.config.max_events
        events = step.events
        if limit is None or stats.shown + len(events) < limit:  # no stop in this batch
            done = 0
            try:
                for event in events:
                    on_event(event)
                    done += 1
            finally:  # counted once per batch, and exactly even if Ctrl-C cut it short
                self._count(run, events[:done] if done < len(events) else events)
            return None
        hold = self.cursor_file.hold
        run_id = run.run_id
        for n, event in enumerate(events):
            on_event(event)
            stats.shown += 1
            event_id = event.id
            if event_id:
                run.last_id = stats.last_id = event_id
                hold(run_id, event_id)
            if limit is not None and stats.shown >= limit:
                # With several runs a batch may hold more than -n allows: the rest is not
                # shown, and raw output stops at this event's block too.
                if step.raw:
                    self._write_raw(run, step.raw[: step.raw_upto[n]])
                noun = "event" if stats.shown == 1 else "events"
                self._flush()  # the events before the line that says why they end
                self.reporter.info(f"stopping after {stats.shown} {noun} (--max-events)")
                return ExitCode.OK
        return None

    def _count(self, run: Followed, shown: list[RunEvent]) -> None:
        """Events rendered: the counts, and the last id for the summary and the cursor file
        (only the last of a batch matters to them)."""
        self.stats.shown += len(shown)
        last = next((event.id for event in reversed(shown) if event.id), None)
        if last:
            run.last_id = self.stats.last_id = last
            self.cursor_file.hold(run.run_id, last)

    def _write_raw(self, run: Followed, blocks: list[bytes]) -> None:
        """Raw output: the blocks as received; with several runs, an SSE comment line
        ``: run RUN_ID`` first whenever they come from another run than the blocks before
        (a comment: any SSE parser ignores it, and the frames stay as they were)."""
        if self.raw is None or not blocks:
            return
        if self.several and run.run_id != self._raw_run:
            self._raw_run = run.run_id
            name = run.run_id.replace("\r", "\\r").replace("\n", "\\n")  # stays one line
            blocks = [f": run {name}\n".encode("utf-8", "surrogateescape"), *blocks]
        self.raw.write_raw(blocks)

    def _end(self, run: Followed, ended: RunEnded, code: ExitCode) -> None:
        """The run sent run.ended: its tail is over; the others go on."""
        run.drop()
        run.done, run.code = True, code
        self.ended[run.run_id] = ended
        self._state(run, ConnState("ended", ended_status=ended.status))
        line = end_line(run.run_id, ended, shown=run.flow.shown, reconnects=run.reconnects)
        self.reporter.info(line)

    def _all_ended(self) -> ExitCode | None:
        """Once every run has ended: 3 when one failed (with --exit-status), 6 when --until
        was given and never met, else 0."""
        runs = self.runs.values()
        if not all(run.done for run in runs):
            return None
        if any(run.code == ExitCode.RUN_FAILED for run in runs):
            return ExitCode.RUN_FAILED
        if self.config.until:
            which = "the run" if len(self.runs) == 1 else "every run"
            self.reporter.info(f"no event matched --until before {which} ended")
            return ExitCode.UNTIL_UNMET
        return ExitCode.OK

    @property
    def ended_runs(self) -> dict[str, RunEnded]:
        """Every followed run that ended, by run id (what ``Renderer.close`` takes)."""
        return dict(self.ended)

    def last_ids(self) -> dict[str, str | None]:
        """Each run's last event id output (None: nothing shown yet), for the summary."""
        return {run_id: run.last_id for run_id, run in self.runs.items()}

    # -- time --------------------------------------------------------------------------------

    def _slice(self) -> float:
        """How long one wait may block: to the nearest idle deadline, reconnect, --timeout or
        redraw, and at most a second."""
        now = self.clock()
        end = now + 1.0
        if self._deadline is not None:
            end = min(end, self._deadline)
        due = self.renderer.due()
        if due is not None:
            end = min(end, now + due)
        idle = self.config.idle_timeout
        for run in self.runs.values():
            if run.decoder is not None:
                end = min(end, run.last_bytes + idle)
            elif run.retry_at is not None:
                end = min(end, run.retry_at, now + COUNTDOWN_EVERY)
        return max(0.0, end - now)

    def _housekeeping(self) -> None:
        """Per run: drop a stream silent past --idle-timeout; reconnect when the wait is over,
        keeping its countdown drawn."""
        now = self.clock()
        idle = self.config.idle_timeout
        for run in self.runs.values():
            if run.done:
                continue
            if run.decoder is not None:
                if now - run.last_bytes >= idle:
                    self._on_failure(run, f"no data for {idle:g}s (idle timeout)")
            elif run.retry_at is not None:
                if now >= run.retry_at:
                    self._connect(run)
                else:
                    self._countdown(run, now)

    def _countdown(self, run: Followed, now: float, *, force: bool = False) -> None:
        if run.retry_at is None or (not force and now - run.shown_state_at < COUNTDOWN_EVERY):
            return
        run.shown_state_at = now
        state = ConnState(
            "reconnecting",
            retry_in=max(0.0, run.retry_at - now),
            attempt=run.failures + 1,
            reason=run.reason,
        )
        self._state(run, state)

    def _check_deadline(self) -> None:
        if self._deadline is not None and self.clock() >= self._deadline:
            raise TimedOut(f"--timeout {self.config.timeout:g}s elapsed")

    def _flush(self) -> None:
        """Write what was rendered; once it is written, the cursor file may move past it."""
        self.renderer.flush()
        self.cursor_file.commit()

    def _failed_first(self, code: ExitCode) -> ExitCode:
        """-n or --until stopped the tail: with --exit-status, a run that had already ended
        without success still makes it 3 (a CI job must not go green on it)."""
        if code == ExitCode.OK and any(r.code == ExitCode.RUN_FAILED for r in self.runs.values()):
            return ExitCode.RUN_FAILED
        return code

    def _tick(self) -> None:
        """Housekeeping at every wake-up (at least once a second, see ``_slice``): write
        what was rendered, save the cursor file when due, honour --timeout."""
        self._flush()
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

    # -- naming and closing ------------------------------------------------------------------

    def _state(self, run: Followed, state: ConnState) -> None:
        self.renderer.on_state(replace(state, run_id=run.run_id))

    def _about(self, run: Followed, line: str) -> str:
        """A line about one run, which says which when several are followed."""
        return f"{run.run_id}: {line}" if self.several else line

    def _named(self, error: TailError, run: Followed) -> TailError:
        """The error that ends everything names the run it came from, when there are several,
        and always when the run was not found (the id is what to check)."""
        if self.several or isinstance(error, NotFoundError):
            error.message = f"run {run.run_id}: {error.message}"
        return error

    def _close_all(self) -> None:
        """Stop every connection at once, then wait for their readers (a few ms each)."""
        conns = [run.conn for run in self.runs.values() if run.conn is not None]
        for conn in conns:
            conn.stop()
        for run in self.runs.values():
            run.drop()

    def finish(self) -> None:
        """Save the resume points and let go of pooled connections; called on every way out."""
        try:
            self._close_all()
            self.cursor_file.save()
        finally:
            self.session.close()
