"""``/``: the filter line. The rows follow what is typed; Enter keeps it, Esc clears it.

The line says what it is (``filter:`` before the text, and which keys leave it); once kept,
the header names the filter (``filter "text"``) while the line itself is hidden again.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

MAX_FILTER = 500  # characters: a filter is a word or two, not a payload
LABEL = "filter: "


class FilterBar(Input):
    """The text typed; posts ``Changed`` as the text changes and ``Done`` when left."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "keep filter"),
        Binding("escape", "clear_filter", "clear filter"),
    ]

    DEFAULT_CSS = """
    FilterBar { border: none; height: 1; padding: 0; width: 1fr; }
    FilterBar:focus { border: none; }
    """

    class Done(Message):
        """The filter line was left: ``keep`` with Enter, cleared with Esc."""

        def __init__(self, keep: bool) -> None:
            super().__init__()
            self.keep = keep

    def __init__(self) -> None:
        super().__init__(
            placeholder="text in the event JSON (Enter keeps, Esc clears)", max_length=MAX_FILTER
        )

    def action_clear_filter(self) -> None:
        self.post_message(self.Done(keep=False))

    async def action_submit(self) -> None:
        self.post_message(self.Done(keep=True))


class FilterLine(Horizontal):
    """Hidden until ``/``: the label and the ``FilterBar``."""

    DEFAULT_CSS = """
    FilterLine { display: none; height: 1; padding: 0 1; }
    FilterLine.-open { display: block; }
    FilterLine > #filter-label { width: auto; text-style: bold; color: $accent; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text(LABEL), id="filter-label")
        yield FilterBar()

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, text: str) -> None:
        bar = self.query_one(FilterBar)
        bar.value = text
        self.add_class("-open")
        bar.focus()

    def close(self) -> None:
        """The viewer closes it when it is left (``FilterBar.Done``) and clears the text."""
        self.remove_class("-open")
