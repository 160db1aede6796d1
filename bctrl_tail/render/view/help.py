"""``?``: the keys, on a screen of their own (Esc or ``?`` closes it; ``q`` still quits)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("q", "quit (exit 0, or the run's exit code once it ended)"),
    ("Ctrl-C", "interrupt (exit 130)"),
    ("↑ ↓  k j", "move the selection (leaving the newest row stops following)"),
    ("PgUp PgDn", "a page up or down"),
    ("Home g", "the oldest row kept"),
    ("End G", "follow the newest event again"),
    ("Enter", "the selected event's whole JSON (Esc goes back, c copies it)"),
    ("/", "filter: events whose JSON contains the text (Enter keeps, Esc clears)"),
    ("f", "only failures (the red rows), on/off"),
    ("r", "several runs: show one run, the next, then all again"),
    ("space", "pause / resume the display (events keep arriving and are counted)"),
    ("?", "this list"),
    ("Ctrl-Z", "suspend (fg brings it back)"),
)


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
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 92; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 1 2; background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("keys", style="bold"))
            yield Static(keys_table())
            yield Static(Text("Esc or ? closes this", style="dim"))
