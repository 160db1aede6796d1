"""``table``: a live view of the latest events that fit the terminal, redrawn at a capped rate.

``build_view`` is a pure function of a bounded window of events plus connection state;
``TableRenderer`` only collects events and calls it when a redraw is due.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.style import Style
from rich.text import Text

from bctrl_tail import interrupts
from bctrl_tail.events import CATEGORIES, SUCCESS_STATUSES, RunEnded, RunEvent
from bctrl_tail.render import ConnState
from bctrl_tail.render.columns import cells, heading, layout, row_line, run_of
from bctrl_tail.render.pretty import (
    DIM,
    FAILED_STATUS,
    SUCCEEDED,
    RunColours,
    category_style,
    clip,
)
from bctrl_tail.render.timefmt import TimeFormatter
from bctrl_tail.sanitize import clean

WINDOW = 500  # events kept for display: more than any terminal is tall
MAX_COUNTED_CATEGORIES = 24  # distinct names counted; the rest fold into "other"
CATEGORY_WIDTH = 40  # characters of a category name kept
CHROME_LINES = 5  # header (2), heading and rule (2), the empty line the cursor rests on (1)
SIZE_POLL = 0.1  # seconds between terminal size checks while nothing else asks for a redraw
WAITING = Style(color="yellow")
LIVE = Style(color="green", bold=True)
BOLD = Style(bold=True)
FINAL_PHASES = ("ended", "interrupted", "terminated", "error", "timed out")  # nothing follows
RUN_ID_SHOWN = 64  # characters of a run id named in the header

TimeFormat = Callable[[datetime | None], str]


def state_text(state: ConnState) -> Text:
    """``connecting`` / ``live`` / ``reconnecting in 4s`` / ``ended: completed`` /
    ``error: …`` (the tail stopped on an error, maybe before any response), coloured.

    A reconnect attempt under way (no delay left) is plain ``reconnecting``.
    """
    phase = state.phase
    if phase == "live":
        return Text("live", style=LIVE)
    if phase == "reconnecting":
        wait = math.ceil(state.retry_in)
        text = f"reconnecting in {wait}s" if wait > 0 else "reconnecting"
        if state.reason:
            text += f" ({clean(state.reason)})"
        return Text(text, style=WAITING)
    if phase == "ended":
        status = ended_text(state.ended_status)
        return Text(f"ended: {status.plain}", style=status.style)
    if phase == "error":
        reason = clean(state.reason[:200])
        return Text(f"error: {reason}" if reason else "error", style=FAILED_STATUS)
    return Text(clean(phase), style=WAITING)


def succeeded(status: str) -> bool:
    return clean(status).lower() in SUCCESS_STATUSES


def ended_text(status: str) -> Text:
    """A run's status, green when it succeeded, else red."""
    shown = clean(status) or "unknown"
    return Text(shown, style=SUCCEEDED if succeeded(status) else FAILED_STATUS)


def runs_state_text(states: Mapping[str, ConnState]) -> Text:
    """Several runs' states on one line, each run counted once.

    While some run is still followed: ``1 live, 1 ended: failed`` (runs in the same state
    counted together, a reconnect's reason left to stderr). Once every run has ended:
    ``ended: run_b failed, run_a completed``, each id in the run's colour, failures in red
    and first: a line cut at the terminal's width shows them before any success.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    if all_ended(states):
        colours = RunColours(states)  # the runs in the order given
        text.append("ended: ", style=DIM)
        ok = {run_id: succeeded(state.ended_status) for run_id, state in states.items()}
        for n, run_id in enumerate(sorted(states, key=ok.__getitem__)):  # stable: failed first
            state = states[run_id]
            if n:
                text.append(", ")
            text.append(clean(clip(run_id, RUN_ID_SHOWN)) + " ", style=colours(run_id))
            text.append_text(ended_text(state.ended_status))
        return text
    groups: dict[str, tuple[int, Text]] = {}
    for state in states.values():
        label = state_text(replace(state, reason="") if state.phase == "reconnecting" else state)
        count, _ = groups.get(label.plain, (0, label))
        groups[label.plain] = (count + 1, label)
    for n, (count, label) in enumerate(groups.values()):
        if n:
            text.append(", ")
        text.append(f"{count} ")
        text.append_text(label)
    return text


def all_ended(states: Mapping[str, ConnState]) -> bool:
    return bool(states) and all(state.phase == "ended" for state in states.values())


def runs_shown(states: Mapping[str, ConnState], whole: ConnState) -> dict[str, ConnState]:
    """Each run's state as the header shows it: ``whole``, when it is what stopped the
    whole tail (Ctrl-C, an error, ``-n``: no ``run_id``), stands for every run not ended."""
    if whole.run_id or whole.phase not in (*FINAL_PHASES, "stopped"):
        return dict(states)
    return {r: s if s.phase == "ended" else whole for r, s in states.items()}


def counts_text(counts: Mapping[str, int]) -> Text:
    """``network 12  console 3``: counts by category, each in its colour."""
    known = [c for c in CATEGORIES if counts.get(c)]
    others = sorted(c for c in counts if c not in CATEGORIES and counts[c])
    text = Text(no_wrap=True, overflow="ellipsis")
    for category in known + others:
        name = clean(category)
        if text:
            text.append("  ")
        text.append(name, style=category_style(name))
        text.append(f" {counts[category]}")
    return text if text else Text("no events yet", style=DIM)


def title_text(run_id: str, state: ConnState, runs: Mapping[str, ConnState] | None = None) -> Text:
    """The header's first words, the same in ``table`` and ``view``: ``run run_1  live``, or
    with several runs ``runs run_a, run_b  2 live`` and, once all ended, ``runs ended:
    run_b failed, run_a completed`` (``runs_state_text``)."""
    title = Text(no_wrap=True, overflow="ellipsis")
    if runs is not None and len(runs) > 1:
        states = runs_shown(runs, state)
        title.append("runs ", style=DIM)
        if not all_ended(states):  # else the states name every run
            title.append(clean(run_id), style=BOLD)
            title.append("  ")
        title.append_text(runs_state_text(states))
    else:
        title.append("run ", style=DIM)
        title.append(clean(run_id), style=BOLD)
        title.append("  ")
        title.append_text(state_text(state))
    return title


def _header(
    run_id: str,
    state: ConnState,
    counts: Mapping[str, int],
    shown: int,
    runs: Mapping[str, ConnState] | None,
) -> Group:
    title = title_text(run_id, state, runs)
    title.append(f"  {shown} event{'' if shown == 1 else 's'} shown", style=DIM)
    return Group(title, counts_text(counts))


def build_view(
    rows: Sequence[RunEvent],
    *,
    run_id: str,
    state: ConnState,
    counts: Mapping[str, int],
    shown: int,
    time_format: TimeFormat,
    height: int,
    width: int,
    runs: Mapping[str, ConnState] | None = None,
) -> RenderableType:
    """Header plus the newest ``rows`` that fit in ``height`` lines, newest at the bottom.

    ``runs`` is each followed run's latest state; with several, the header sums them up
    (``runs_state_text``) and ``state`` counts only when it is about the whole tail (no
    ``run_id``: interrupted, an error, stopped), standing for every run not ended."""
    fit = max(height - CHROME_LINES, 0)
    start = max(len(rows) - fit, 0)
    window = [rows[i] for i in range(start, len(rows))]
    run_colours = RunColours(runs or ())  # the runs in the order given
    colours: dict[str, Style] = {}
    for event in window:
        rid = run_of(event)
        if rid and rid not in colours:
            colours[rid] = run_colours(rid)
    # The run column belongs to the tail, not to the rows that happen to be on screen: with
    # several runs followed it stays even when every visible row is from one run.
    several = (runs is not None and len(runs) > 1) or len(colours) > 1
    time_style = getattr(time_format, "time_format", "local")
    longest = max(map(len, [*(runs or ()), *colours]), default=0)
    lay = layout(width, time_format=time_style, runs=several, run_chars=longest)
    lines: list[RenderableType] = [heading(lay), Text("─" * width, style=DIM)]
    for event in window:
        rid = run_of(event) if several else ""
        c = cells(event, time_format(event.time), rid)
        lines.append(row_line(c, lay, colours.get(rid)))
    return Group(_header(run_id, state, counts, shown, runs), *lines)


class TableRenderer:
    """Live table for a terminal: ingestion is cheap, drawing happens at most ``max_fps`` a second.

    ``on_event`` only appends to a bounded window and counts. ``flush`` and ``on_state`` redraw
    when the view changed and ``1 / max_fps`` seconds have passed since the last draw (per
    ``clock``); otherwise the view stays pending. ``due()`` says how many seconds until a pending
    redraw may happen (None when nothing is pending), so the tail loop should call ``flush()``
    again by then, even when the network is quiet. ``close`` draws the final view, ignoring the
    cap, and stops the live display so that the last screen stays on the terminal (on a pipe,
    that final view is the only output). ``max_fps <= 0`` lifts the cap.
    """

    def __init__(
        self,
        console: Console,
        *,
        run_id: str,
        time_format: str,
        max_fps: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        run_ids: Sequence[str] = (),
    ) -> None:
        self._console = console
        self._run_id = run_id  # the header's title: the run, or the runs followed
        # each run's latest state, in the order given (states name the run they are about)
        self._runs: dict[str, ConnState] = {r: ConnState("connecting", run_id=r) for r in run_ids}
        self._format = TimeFormatter(time_format)
        self._interval = 1.0 / max_fps if max_fps > 0 else 0.0
        self._clock = clock
        self._rows: deque[RunEvent] = deque(maxlen=WINDOW)
        self._counts: dict[str, int] = {}
        self._shown = 0
        self._state = ConnState("connecting")
        self._dirty = True
        self._next_draw = -math.inf
        self._drawn_size: tuple[int, int] | None = None  # (width, height) of the last view
        self._next_size_poll = -math.inf
        self._closed = False
        self._live = Live(
            console=console,
            auto_refresh=False,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
            screen=False,
        )

    @property
    def rows(self) -> Sequence[RunEvent]:
        """The bounded window of recent events."""
        return self._rows

    @property
    def counts(self) -> Mapping[str, int]:
        return self._counts

    def on_state(self, state: ConnState) -> None:
        if state.run_id:
            self._runs[state.run_id] = state
        self._state = state
        self._dirty = True
        self._draw_if_due()

    def on_event(self, event: RunEvent) -> None:
        if self._format.needs_origin:
            self._format.observe(event.time)
        self._rows.append(event)
        self._count(event.category)
        self._shown += 1
        self._dirty = True

    def flush(self) -> None:
        if not self._dirty:
            self._poll_size()
        self._draw_if_due()

    def due(self) -> float | None:
        """Seconds until a pending redraw may happen (0.0: now); None when nothing is pending."""
        if not self._dirty:
            return None
        return max(self._next_draw - self._clock(), 0.0)

    def close(self, ended: Mapping[str, RunEnded]) -> None:
        """Draw the final view and stop the live display, leaving the last screen in place."""
        if self._closed:
            return
        self._closed = True
        if len(self._runs) > 1:
            self._close_runs(ended)
        else:
            final = ended.get(self._run_id) or next(iter(ended.values()), None)
            if final is not None:
                self._state = ConnState("ended", ended_status=final.status)
            elif self._state.phase not in FINAL_PHASES:
                self._state = ConnState("stopped")
        with interrupts.held():
            try:
                self._live.update(self._view(final=True))
                self._live.start()  # no-op when started; stop() draws the final screen
            finally:
                self._live.stop()
                if not self._console.is_terminal:  # rich ends the last line on terminals only:
                    self._console.line()  # in a log, stderr's end-of-run line must not join it

    def _close_runs(self, ended: Mapping[str, RunEnded]) -> None:
        """Several runs: each run that ended shows its own ending; the others, what stopped
        the tail (``interrupted``, ``error: …``), else ``stopped`` (``-n``, ``--until``)."""
        for run_id, final in ended.items():
            self._runs[run_id] = ConnState("ended", ended_status=final.status, run_id=run_id)
        if self._state.run_id or self._state.phase not in FINAL_PHASES:
            self._state = ConnState("stopped")

    def _count(self, category: str) -> None:
        key = category[:CATEGORY_WIDTH]
        if key not in self._counts and len(self._counts) >= MAX_COUNTED_CATEGORIES:
            key = "other"
        self._counts[key] = self._counts.get(key, 0) + 1

    def _poll_size(self) -> None:
        """Mark the view dirty when the terminal size changed since it was drawn (throttled)."""
        if self._drawn_size is None or self._closed:
            return
        now = self._clock()
        if now < self._next_size_poll:
            return
        self._next_size_poll = now + SIZE_POLL
        size = self._console.size
        if (size.width, size.height) != self._drawn_size:
            self._dirty = True

    def _draw_if_due(self) -> None:
        if self._dirty and not self._closed and self._clock() >= self._next_draw:
            self._draw()

    def _view(self, *, final: bool = False) -> RenderableType:
        """The view at the terminal's current size.

        While live, it ends with an empty line (the spare line of ``CHROME_LINES``) so that the
        cursor rests at the start of a line of its own, not after a full-width row: what the
        terminal echoes there (``^C`` on Ctrl-C, a typed key) then neither wraps nor scrolls,
        and the next redraw, which erases upwards from the cursor, still covers the whole view.
        The final view leaves that line out: the end-of-run line goes right below the table.
        """
        size = self._console.size
        self._drawn_size = (size.width, size.height)
        view = build_view(
            self._rows,
            run_id=self._run_id,
            state=self._state,
            counts=self._counts,
            shown=self._shown,
            time_format=self._format,
            height=size.height,
            width=size.width,
            runs=self._runs,
        )
        return view if final else Group(view, Text())

    def _draw(self) -> None:
        with interrupts.held():
            self._live.update(self._view())
            self._live.start()
            self._live.refresh()
        self._next_draw = self._clock() + self._interval
        self._dirty = False
