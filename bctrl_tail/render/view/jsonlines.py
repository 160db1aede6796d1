"""The detail screen's JSON: a ``ScrollView`` drawn line by line, like the event rows.

Only the lines on screen are highlighted and laid out, so a 1 MB event (200,000 lines) opens
at once and scrolls like a small one; one ``Static`` holding it all took seconds, during which
no key, not even Ctrl-C, was taken. A line longer than the width is folded onto the rows
below it, at a space where one fits (wide characters are kept whole).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import ClassVar

from rich.cells import cell_len, get_character_cell_size
from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

CACHE_LINES = 500  # laid-out lines kept (a screenful is a few dozen)


def breaks(line: str, width: int) -> list[int]:
    """Where the rows of ``line`` wrapped at ``width`` cells begin, after the first: after the
    last space that fits, or, in a word longer than the row, at the width."""
    narrow = line.isascii()  # one cell per character (controls arrive escaped): fast
    if width <= 0 or (narrow and len(line) <= width):
        return []
    out: list[int] = []
    start = 0
    indent = len(line) - len(line.lstrip(" "))  # never a row of indentation alone
    while True:
        end = start + width if narrow else _fit_cells(line, start, width)
        if end >= len(line):
            return out
        if line[end] != " ":
            space = line.rfind(" ", max(start, indent) + 1, end)
            if space > start:
                end = space + 1
        out.append(end)
        start = end


def _fit_cells(line: str, start: int, width: int) -> int:
    """The end of the longest ``line[start:end]`` that fits in ``width`` cells (at least one
    character, so a character wider than the row still moves on)."""
    used = 0
    for index in range(start, len(line)):
        used += get_character_cell_size(line[index])
        if used > width:
            return max(index, start + 1)
    return len(line)


class JsonLines(ScrollView, can_focus=True):
    """Read-only, highlighted lines; the arrows, j/k, PgUp/PgDn and Home/End (g/G) scroll."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_up", "up", show=False),
        Binding("down,j", "scroll_down", "down", show=False),
        Binding("home,g", "scroll_home", "top", show=False),
        Binding("end,G", "scroll_end", "end", show=False),
    ]

    DEFAULT_CSS = """
    JsonLines { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = text.split("\n")
        # each line's width in cells, measured once (most lines fit any width: no walk)
        self._sizes = [len(line) if line.isascii() else cell_len(line) for line in self.lines]
        self._width = -1
        self._starts: list[int] = []  # the row each line starts on, at ``_width``
        self._rows = 0
        self._cache: LRUCache[int, list[Strip]] = LRUCache(CACHE_LINES)
        self._highlighter = JSONHighlighter()

    # Every move is instant: an animated jump across 200,000 lines would lay out thousands of
    # lines on the way, and the rows of the list do not animate either.
    def action_scroll_up(self) -> None:
        self.scroll_up(animate=False)

    def action_scroll_down(self) -> None:
        self.scroll_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    @property
    def text(self) -> str:
        """Everything shown, as plain text (for tests and for what a reader searches)."""
        return "\n".join(self.lines)

    def _fit(self, width: int) -> None:
        """Count the rows each line takes at ``width``; nothing is drawn here."""
        if width == self._width:
            return
        counts = [
            1 if size <= width else len(breaks(line, width)) + 1
            for line, size in zip(self.lines, self._sizes, strict=True)
        ]
        starts = list(accumulate(counts, initial=0))
        self._width, self._starts, self._rows = width, starts[:-1], starts[-1]
        self._cache.clear()
        self.virtual_size = Size(width, self._rows)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(self.scrollable_content_region.width or event.size.width)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        self._fit(width)
        row = self.scroll_offset.y + y
        if row >= self._rows or width <= 0:
            return Strip.blank(width, self.rich_style)
        index = bisect_right(self._starts, row) - 1
        strips = self._cache.get(index)
        if strips is None:
            strips = self._layout(index, width)
            self._cache[index] = strips
        return strips[row - self._starts[index]]

    def _layout(self, index: int, width: int) -> list[Strip]:
        """One line, highlighted, cut into rows of exactly ``width`` cells."""
        line = self.lines[index]
        text = Text(line)
        self._highlighter.highlight(text)
        console = self.app.console
        strips = []
        for part in text.divide(breaks(line, width)):
            part.truncate(width, pad=True)
            part.stylize_before(self.rich_style)
            strips.append(Strip(list(part.render(console)), width))
        return strips
