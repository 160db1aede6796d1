"""The viewer's renderer: the tail thread's side of the hand-over to the screen.

The tail calls ``on_event`` and friends on its own thread. Nothing here waits for the screen:
an event becomes a compact ``Entry`` in a list only the tail thread touches, ``flush`` (once
per network chunk) moves that list to the pending batch under a lock and wakes the screen (a
message posted to the app, which is thread-safe) at most 20 times a second, 2 during a flood;
the screen takes the whole batch when it gets to it. When the viewer
has been closed (``q``, Ctrl-C), the next ``flush`` raises ``ViewerClosed`` so the tail thread
stops; ``due`` keeps that next ``flush`` at most a tenth of a second away.

The interface is the renderer interface of ``bctrl_tail.render``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from sys import intern

from rich.console import Console
from rich.text import Text

from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.render import ConnState
from bctrl_tail.render.columns import run_of
from bctrl_tail.render.pretty import (
    DIM,
    FAILURE_STATUSES,
    FAILURE_TYPES,
    PrettyRenderer,
    is_failure,
)
from bctrl_tail.render.table import CATEGORY_WIDTH
from bctrl_tail.render.timefmt import TimeFormatter
from bctrl_tail.render.view.store import KEEP, Entry, Store, Tally, parse_entry

MAX_FPS = 20.0
FLOOD_BATCH = 1000  # a batch this large means a flood: the screen then takes 2 a second
FLOOD_INTERVAL = 0.5
IDLE_POLL = 0.1  # seconds: how soon the tail notices that the viewer has closed


def failed(event: RunEvent) -> bool:
    """``is_failure``, with a fast answer for the common event that is not a console message
    (the console level is the only part that needs more than two lookups)."""
    data = event.data
    kind = data.get("type")
    category = data.get("category")
    if not isinstance(kind, str) or kind.startswith("console.") or category == "console":
        return is_failure(event)
    if kind in FAILURE_TYPES:
        return True
    status = data.get("status")
    if status is None or status == "":
        status = data.get("outcome")
    if status is None or status == "":
        return False
    if isinstance(status, str):
        return status.lower() in FAILURE_STATUSES
    return is_failure(event)


class ViewerClosed(BaseException):
    """Raised in the tail thread once the viewer is gone: the tail has no one to feed."""


class Batch:
    """What the screen takes in one go: new entries, the latest state of each run, and the
    tally of entries dropped because the screen was not taking them (never in practice)."""

    __slots__ = ("dropped", "entries", "states")

    def __init__(self, entries: list[Entry], states: dict[str, ConnState], dropped: Tally) -> None:
        self.entries = entries
        self.states = states
        self.dropped = dropped


class ViewRenderer:
    """Collects what the tail produces and hands it to the screen in batches."""

    def __init__(
        self,
        *,
        time_format: str,
        console: Console | None = None,
        run_ids: Sequence[str] = (),
        max_fps: float = MAX_FPS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.formatter = TimeFormatter(time_format)
        self.run_ids = tuple(run_ids)  # the runs followed, in the order given (their colours)
        self._needs_origin = self.formatter.needs_origin
        self._console = console
        self._store: Store | None = None
        self._interval = self._base_interval = 1.0 / max_fps if max_fps > 0 else 0.0
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: deque[Entry] = deque(maxlen=KEEP)
        self._local: list[Entry] = []
        self._dropped = Tally()
        self._states: dict[str, ConnState] = {}
        self._dirty = False
        self._next_wake = 0.0
        self._notify: Callable[[], object] | None = None
        self._closed = threading.Event()

    def attach(self, notify: Callable[[], object]) -> None:
        """Called by the app once it runs: how to wake it (thread-safe)."""
        self._notify = notify

    def viewer_closed(self) -> None:
        """Called on the UI side when the viewer exits: the tail thread stops at its next flush."""
        self._closed.set()

    # --- the renderer interface, called on the tail thread ---

    def on_state(self, state: ConnState) -> None:
        with self._lock:
            self._states[state.run_id] = state
            self._dirty = True

    def on_event(self, event: RunEvent) -> None:
        """Only the tail thread touches ``_local``: no lock per event; ``flush`` hands the
        chunk's events over under the lock once."""
        if self._needs_origin:
            self.formatter.observe(event.time)
            self._needs_origin = self.formatter.needs_origin
        category = intern(event.category[:CATEGORY_WIDTH])  # one string per name, not per event
        self._local.append(Entry(0, event.text, run_of(event), category, failed(event)))

    def flush(self) -> None:
        if self._closed.is_set():
            raise ViewerClosed
        if self._local:
            local, self._local = self._local, []
            with self._lock:
                pending = self._pending
                overflow = len(pending) + len(local) - KEEP
                if overflow > 0:  # counted before they go: the counts and failures stay whole
                    gone = [pending.popleft() for _ in range(min(overflow, len(pending)))]
                    gone += local[: overflow - len(gone)]
                    self._dropped.count(gone)
                pending.extend(local)
                self._dirty = True
        if not self._dirty or self._notify is None:
            return
        now = self._clock()
        if now >= self._next_wake:
            self._next_wake = now + self._interval
            self._notify()

    def due(self) -> float | None:
        if self._closed.is_set():
            return 0.0
        if self._dirty and self._notify is not None:
            return max(0.0, min(self._next_wake - self._clock(), IDLE_POLL))
        return IDLE_POLL

    def close(self, ended: Mapping[str, RunEnded]) -> None:
        """After the viewer has gone: leave the failures seen on the normal screen, as
        ``pretty`` lines (the end-of-run line follows on stderr)."""
        store, self._store = self._store, None
        if store is None or self._console is None or not store.failures:
            return
        console = self._console
        kept = len(store.failures)
        seen = store.failure_count
        note = f"{seen} failure{'' if seen == 1 else 's'} seen"
        if seen > kept:
            note += f", the last {kept}"
        console.print(Text(note + ":", style=DIM))
        pretty = PrettyRenderer(  # with several runs, each line names its run
            console,
            time_format=self.formatter.time_format,
            formatter=self.formatter,
            run_ids=list(dict.fromkeys([*self.run_ids, *store.runs])),
        )
        for entry in store.failures:
            console.print(pretty.line(parse_entry(entry)), soft_wrap=True)
        console.file.flush()

    def finished(self, store: Store) -> None:
        """The viewer closed: ``close`` prints from its store."""
        self._store = store

    # --- the screen's side ---

    def take(self) -> Batch:
        """Everything pending, at once (UI thread)."""
        with self._lock:
            entries = list(self._pending)
            self._pending.clear()
            states, self._states = self._states, {}
            dropped, self._dropped = self._dropped, Tally()
            self._dirty = False
        # in a flood, every frame shows rows that are gone a frame later: draw half as often,
        # and leave the time to the tail
        flood = len(entries) >= FLOOD_BATCH
        self._interval = max(self._base_interval, FLOOD_INTERVAL) if flood else self._base_interval
        return Batch(entries, states, dropped)
