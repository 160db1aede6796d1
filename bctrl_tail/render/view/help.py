"""``?``: the keys, on a screen of their own (Esc or ``?`` closes it; ``q`` still quits).

The list scrolls (arrows, ``j`` ``k``, PgUp PgDn, Home End) when the terminal is too small to
show it whole, so every key stays reachable on a 40x10 terminal; how to close and scroll it is
written on its border, so it stays in view.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

KEYS: tuple[tuple[str, str], ...] = (
    ("q", "quit (exit 0, or the run's exit code once it ended)"),
    ("Ctrl-C", "interrupt (exit 130)"),
    ("↑ ↓  k j", "move the selection (off the newest row stops following, onto it follows)"),
    ("PgUp PgDn", "a page up or down"),
    ("Home g", "the oldest row kept"),
    ("End G", "follow the newest event again"),
    ("Enter", "the selected event's whole JSON (j k g G scroll it, Esc goes back, c copies it)"),
    ("/", "filter: events whose JSON contains the text (Enter keeps, Esc clears)"),
    ("f", "only failures (the red rows), on/off"),
    ("r", "several runs: show one run, the next, then all again"),
    ("space", "pause / resume the display (events keep arriving and are counted)"),
    ("?", "this list"),
    ("Ctrl-Z", "suspend (fg brings it back)"),
)

CLOSE = "Esc closes · ↑ ↓ j k PgUp PgDn scroll"


def keys_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, action in KEYS:
        table.add_row(Text(key), Text(action))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "app.pop_screen", "close"),
        Binding("q", "app.quit_viewer", "quit"),  # a modal screen cuts off the app's keys
        Binding("j", "scroll_keys(1)", "down", show=False),  # as on the rows
        Binding("k", "scroll_keys(-1)", "up", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 92; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; border-title-style: bold; border-subtitle-color: $text-muted;
        padding: 0 1; background: $surface; scrollbar-size-vertical: 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-keys") as keys:
            keys.border_title = "keys"
            keys.border_subtitle = CLOSE  # on the border: in view however far it is scrolled
            yield Static(keys_table())
        yield Footer(compact=True)  # this screen's keys, not those of the rows behind it

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()  # so that the arrows scroll the list

    def action_scroll_keys(self, step: int) -> None:
        self.query_one("#help-keys", VerticalScroll).scroll_relative(
            y=step, animate=False, immediate=True
        )
