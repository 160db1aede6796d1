"""``/``: the filter line. The rows follow what is typed; Enter keeps it, Esc clears it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

MAX_FILTER = 500  # characters: a filter is a word or two, not a payload


class FilterBar(Input):
    """Hidden until ``/``; posts ``Changed`` as the text changes and ``Done`` when left."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear_filter", "clear")]

    DEFAULT_CSS = """
    FilterBar { display: none; border: none; height: 1; padding: 0 1; }
    FilterBar:focus { border: none; }
    FilterBar.-open { display: block; }
    """

    class Done(Message):
        """The filter line was left: ``keep`` with Enter, cleared with Esc."""

        def __init__(self, keep: bool) -> None:
            super().__init__()
            self.keep = keep

    def __init__(self) -> None:
        super().__init__(placeholder="filter: text in the event JSON", max_length=MAX_FILTER)

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def action_clear_filter(self) -> None:
        self.value = ""
        self.close()
        self.post_message(self.Done(keep=False))

    async def action_submit(self) -> None:
        self.close()
        self.post_message(self.Done(keep=True))
