"""The viewer app: header, column names, rows, filter line, footer; and the keys of the contract.

The tail runs on a thread of its own (``worker.TailThread``). It hands events over through
``ViewRenderer``, which wakes this app with ``Wake`` at most 20 times a second; the app takes
the whole batch on its own thread. When the tail stops, the thread posts ``TailStopped``: after
the run ended the viewer stays open until ``q``; any other stop (``-n``, ``--until``,
``--timeout``, an error) closes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import deque
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.filter import Monochrome, NoColor
from textual.message import Message
from textual.widgets import Footer, Input, Static

from bctrl_tail.errors import ExitCode
from bctrl_tail.render import ConnState
from bctrl_tail.render.view.bridge import ViewerClosed, ViewRenderer
from bctrl_tail.render.view.detail import DetailScreen
from bctrl_tail.render.view.filter import FilterBar, FilterLine
from bctrl_tail.render.view.header import Display, header_text
from bctrl_tail.render.view.help import HelpScreen
from bctrl_tail.render.view.keys import after_escape
from bctrl_tail.render.view.rows import EventRows
from bctrl_tail.render.view.store import KEEP, Entry, Filters, Store
from bctrl_tail.render.view.worker import Outcome, TailThread

SIGNAL_CODES = {
    "interrupted": ExitCode.INTERRUPTED,
    "terminated": ExitCode.TERMINATED,
    "hung up": ExitCode.HANGUP,
}


class Wake(Message):
    """A batch is waiting in the renderer (posted from the tail thread)."""


class TailStopped(Message):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class ViewerApp(App[int]):
    """``q`` quits with the run's exit code once it ended; Ctrl-C is 130; SIGTERM 143;
    SIGHUP 129."""

    TITLE = "bctrl-tail"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_viewer", "quit"),
        Binding("question_mark", "help", "keys"),  # early: a narrow footer still shows it
        Binding("ctrl+c", "interrupt", "interrupt", show=False, priority=True),
        Binding("ctrl+z", "suspend_process", show=False),
        Binding("slash", "open_filter", "filter"),
        Binding("f", "failures", "failures"),
        Binding("space", "pause", "pause"),
        Binding("space", "resume", "resume"),  # the footer says what space does now
        Binding("r", "next_run", "run"),
    ]
    CSS = """
    #header { height: 2; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    #heading { height: 1; padding: 0 1; }
    EventRows { padding: 0 1; }
    """

    def __init__(
        self,
        renderer: ViewRenderer,
        *,
        title: str,
        color: bool,
        tail: TailThread | None = None,
        handle_signals: bool = True,
        driver_class: type[Driver] | None = None,
        keep: int = KEEP,
        ready: Callable[[], object] | None = None,
        run_ids: Sequence[str] = (),
    ) -> None:
        super().__init__(driver_class=driver_class)
        self.renderer = renderer
        self.run_title = title
        self.store = Store(keep)
        self.tail = tail
        self.handle_signals = handle_signals
        # each run's latest state, in the order given (states name the run they are about)
        self.states: dict[str, ConnState] = {r: ConnState("connecting", run_id=r) for r in run_ids}
        self.state = ConnState("connecting")  # the latest, whichever run it is about
        self.paused = False
        self.held: deque[Entry] = deque(maxlen=keep)
        self.held_count = 0
        self.outcome: Outcome | None = None  # set when the tail stopped
        self.reason = ""  # "interrupted" / "terminated" when a signal or Ctrl-C closed it
        self.ended_code: int | None = None
        self.internal_error: Exception | None = None
        self.ready = ready  # called once the screen is up (the session freezes the collector)
        self._heading = ""
        self.color = color
        self._filters = [f for f in self._filters if not isinstance(f, (NoColor, Monochrome))]
        if not color:
            self._filters.append(NoColor())

    def compose(self) -> ComposeResult:
        self.rows = EventRows(
            self.store,
            self.renderer.formatter,
            color=self.color,
            run_ids=list(self.states),
            id="rows",
        )
        yield Static(id="header")
        yield Static(id="heading")
        yield self.rows
        yield FilterLine()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.rows.focus()
        self.renderer.attach(lambda: self.post_message(Wake()))
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, self._signalled, "terminated")
            loop.add_signal_handler(signal.SIGINT, self._signalled, "interrupted")
            if hasattr(signal, "SIGHUP"):  # the terminal was closed
                loop.add_signal_handler(signal.SIGHUP, self._signalled, "hung up")
        self.app_resume_signal.subscribe(self, self._resumed)
        if self.tail is not None:
            self.tail.on_done(self._tail_done)
        self.take()
        if self.ready is not None:
            self.ready()

    def _resumed(self, _: App[int]) -> None:
        """Back from Ctrl-Z (``fg``): the terminal shows a blank screen and Textual only
        redraws what changes, so the column names and the footer (which never change) would
        stay blank, and an ended run's whole screen: draw all of it again."""
        self.refresh(layout=True)

    def _tail_done(self, outcome: Outcome) -> None:
        """On the tail thread (or here, when it ended before the screen came up)."""
        if not isinstance(outcome.error, ViewerClosed):
            self.post_message(TailStopped(outcome))

    def join_tail(self, timeout: float) -> None:
        """After exit: let the tail thread see that the viewer closed, and wait for it."""
        self.renderer.viewer_closed()
        if self.tail is not None:
            self.tail.join(timeout)

    # --- batches ---

    def on_wake(self, _: Wake) -> None:
        self.take()

    def take(self) -> None:
        """Take what the tail produced since the last batch."""
        batch = self.renderer.take()
        for state in batch.states.values():
            if state.run_id:
                self.states[state.run_id] = state
            self.state = state
        runs = len(self.store.runs)
        self.store.absorb(batch.dropped)
        if self.paused:  # counted now: what a long pause holds beyond KEEP is let go
            self.store.count(batch.entries)
            held = self.held
            self.store.lost += max(len(held) + len(batch.entries) - self.store.keep, 0)
            held.extend(batch.entries)
            self.held_count += len(batch.entries) + batch.dropped.arrived
        elif batch.entries:
            self.store.add(batch.entries)
            self.rows.rows_changed()
        if len(self.store.runs) != runs:
            self.refresh_bindings()
        self.refresh_header()

    def refresh_header(self) -> None:
        """Header and column names; their heights are fixed, so no layout pass is needed
        (a layout pass per batch would cost the tail thread time during a flood)."""
        self.query_one("#header", Static).update(self.header_text(), layout=False)
        heading = self.rows.heading()
        if heading.plain != self._heading:
            self._heading = heading.plain
            self.query_one("#heading", Static).update(heading, layout=False)

    def header_text(self) -> Text:
        display = Display(self.paused, self.held_count, self.rows.following, self.rows.cursor)
        return header_text(self.run_title, self.state, self.states, self.store, display)

    # --- keys ---

    async def on_event(self, event: events.Event) -> None:
        """Esc and a letter in one burst (a paste, a slow link, ``tmux send-keys``) reach
        Textual as Alt and the letter; the viewer binds no Alt key, so it takes them as the
        two keys that were typed: Esc leaves the detail or the filter, then ``q`` quits."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            key = after_escape(event.key)
            if key is not None:
                self.escape()
                self.post_message(events.Key(key, key))
                return
        await super().on_event(event)

    def escape(self) -> None:
        """What Esc does wherever it is pressed, done at once (not queued like a key) so that
        a key read with it goes where Esc led: leave the filter line (clearing it), the
        detail or the help; on the rows Esc does nothing."""
        if isinstance(self.focused, FilterBar):
            self.close_filter(keep=False)
        elif len(self.screen_stack) > 1:
            self.pop_screen()

    def on_event_rows_moved(self, _: EventRows.Moved) -> None:
        self.refresh_header()

    def on_event_rows_opened(self, message: EventRows.Opened) -> None:
        self.push_screen(DetailScreen(message.entry))

    MAIN_SCREEN_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"open_filter", "failures", "next_run", "pause", "resume", "help"}
    )

    NOT_WHILE_TYPED: ClassVar[frozenset[str]] = MAIN_SCREEN_ONLY | {"quit_viewer"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The row keys act on the main screen only, and not while the filter is typed (the
        footer then shows the filter's own keys); ``r`` only when there are runs to cycle."""
        if action in self.MAIN_SCREEN_ONLY and len(self.screen_stack) > 1:
            return False
        if action in self.NOT_WHILE_TYPED and isinstance(self.focused, FilterBar):
            return False
        if action in ("pause", "resume"):
            return self.paused == (action == "resume")
        return not (action == "next_run" and len(self.store.runs) < 2)

    def action_open_filter(self) -> None:
        self.query_one(FilterLine).open(self.store.filters.text)

    def on_input_changed(self, message: Input.Changed) -> None:
        if self.query_one(FilterLine).is_open:  # not a change that came after it was left
            self._set_filters(text=message.value)

    def on_filter_bar_done(self, message: FilterBar.Done) -> None:
        self.close_filter(keep=message.keep)

    def close_filter(self, *, keep: bool) -> None:
        """Hide the filter line, keeping the filter (Enter) or clearing it (Esc)."""
        self.query_one(FilterLine).close()
        if not keep:
            self._set_filters(text="")
        self.screen.set_focus(self.rows)  # at once: a key that follows goes to the rows

    def action_failures(self) -> None:
        self._set_filters(failures=not self.store.filters.failures)

    def action_next_run(self) -> None:
        runs = list(self.store.runs)
        if len(runs) < 2:
            self.notify("only one run is followed", timeout=2)
            return
        current = self.store.filters.run_id
        after = runs.index(current) + 1 if current in runs else 0
        self._set_filters(run_id=runs[after] if after < len(runs) else "")

    def _set_filters(
        self, *, text: str | None = None, failures: bool | None = None, run_id: str | None = None
    ) -> None:
        old = self.store.filters
        new = Filters(
            text=old.text if text is None else text,
            failures=old.failures if failures is None else failures,
            run_id=old.run_id if run_id is None else run_id,
        )
        if new != old:
            self.store.set_filters(new)
            self.rows.rows_changed(reset=True)
            self.refresh_header()

    def action_resume(self) -> None:
        self.action_pause()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.refresh_bindings()
        if not self.paused:
            held, self.held = list(self.held), deque(maxlen=self.store.keep)
            self.held_count = 0
            self.store.add(held, counted=True)
            self.rows.rows_changed()
        self.refresh_header()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Textual's own Ctrl-Q quits as ``q`` does."""
        self.action_quit_viewer()

    def action_quit_viewer(self) -> None:
        self.leave(self.ended_code if self.ended_code is not None else ExitCode.OK)

    def action_interrupt(self) -> None:
        self._signalled("interrupted")

    def _signalled(self, reason: str) -> None:
        self.reason = reason
        code = SIGNAL_CODES[reason]
        self.leave(code)

    def leave(self, code: int) -> None:
        self.exit(int(code), return_code=int(code))

    def _handle_exception(self, error: Exception) -> None:
        """A bug in the viewer: exit and let the caller print one line. Textual's own report
        is a traceback with local variables, which could show the API key: never printed."""
        self._return_code = 1
        if self.internal_error is None:
            self.internal_error = error
        if self._exception is None:  # the test pilot re-raises it
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()

    # --- the end of the tail ---

    def on_tail_stopped(self, message: TailStopped) -> None:
        self.outcome = outcome = message.outcome
        self.take()
        if outcome.stays_open and outcome.error is None:
            self.ended_code = outcome.code
            self.refresh_header()
            return
        code = outcome.code if outcome.error is None else ExitCode.FAILURE
        with contextlib.suppress(Exception):
            self.leave(code)
