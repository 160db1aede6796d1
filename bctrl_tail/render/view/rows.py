"""The event rows: a ``ScrollView`` drawn line by line (Textual's Line API), as Toolong does.

Only the rows on screen are ever rendered, so 100,000 kept events scroll like 100. A row is
built from the entry's JSON text when it first comes into view (parsed again, sanitised,
laid out by ``columns``) and cached by (event, width, selected).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bctrl_tail.render.columns import Layout, cells, heading, layout, row_line
from bctrl_tail.render.pretty import RunColours
from bctrl_tail.render.timefmt import TimeFormatter
from bctrl_tail.render.view.store import Entry, Store, parse_entry

CURSOR = Style(bgcolor="grey35", bold=True)
CURSOR_MONO = Style(reverse=True)  # without colour, a background would not show
MATCH = Style(color="black", bgcolor="yellow")
MATCH_MONO = Style(underline=True, bold=True)
CACHE_ROWS = 2000


class EventRows(ScrollView, can_focus=True):
    """The rows of the current view with a selection; follows the newest row until moved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "up", show=False),
        Binding("down,j", "move(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home,g", "first", "first", show=False),
        Binding("end,G", "follow", "follow", show=False),
        Binding("enter", "open", "detail"),
    ]

    DEFAULT_CSS = """
    EventRows {
        height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; background: $background;
    }
    """

    class Opened(Message):
        """Enter on a row: show this entry's whole JSON."""

        def __init__(self, entry: Entry) -> None:
            super().__init__()
            self.entry = entry

    class Moved(Message):
        """The selection moved or following changed: the header says so."""

    def __init__(
        self,
        store: Store,
        formatter: TimeFormatter,
        *,
        color: bool = True,
        run_ids: Sequence[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.colours = RunColours(run_ids)  # as the header and pretty colour them
        self._runs_placed = 0
        self.cursor_style = CURSOR if color else CURSOR_MONO
        self.match_style = MATCH if color else MATCH_MONO
        self.store = store
        self.formatter = formatter
        self.following = True
        self.wheeled = False  # the wheel moved the view since the last key: new rows leave it
        self.cursor = -1  # row index in the current view; -1 when empty
        self._selected_seq = -1
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(CACHE_ROWS)
        self._layout_key: tuple[int, int, int] = (-1, -1, -1)
        self._layout: Layout = layout(80)

    # --- layout ---

    def current_layout(self) -> Layout:
        """The table's layout for the terminal's width (the columns it chooses), fitted to
        the room the rows have inside the padding and the scrollbar."""
        room = self.scrollable_content_region.width or self.size.width
        width = max(self.app.size.width, room)
        runs = self.store.runs
        several = len(runs) > 1
        longest = max(map(len, runs), default=0) if several else 0
        if (width, room, longest) != self._layout_key:
            self._layout_key = (width, room, longest)
            self._layout = layout(
                width,
                time_format=self.formatter.time_format,
                runs=several,
                room=room,
                run_chars=longest,
            )
            self._cache.clear()
        return self._layout

    def heading(self) -> Text:
        return heading(self.current_layout())

    # --- data ---

    def rows_changed(self, *, reset: bool = False) -> None:
        """New rows arrived, or the filter changed (``reset``: drop cached rows too)."""
        if reset:
            self._cache.clear()
        count = len(self.store)
        self.virtual_size = Size(self.size.width, count)
        if count == 0:
            self.cursor = -1
        elif self.following or self.cursor < 0:
            self.cursor = count - 1
        else:
            self.cursor = self.store.index_of(self._selected_seq)
        self._remember()
        if not self.wheeled:
            self._show_cursor()
        self.refresh()

    def selected(self) -> Entry | None:
        return self.store.row(self.cursor) if 0 <= self.cursor < len(self.store) else None

    def _remember(self) -> None:
        entry = self.selected()
        self._selected_seq = entry.seq if entry is not None else -1

    def _show_cursor(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if self.following:
            self.scroll_to(
                y=max(len(self.store) - height, 0), animate=False, immediate=True, force=True
            )
            return
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True, force=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True, force=True)

    # --- actions ---

    def _select(self, index: int, *, follow: bool = False) -> None:
        """Select row ``index`` (clamped): only leaving the newest row stops following, and
        coming back onto it (``j``, ``↓``, PgDn) follows again."""
        count = len(self.store)
        if count == 0:
            return
        self.cursor = max(0, min(index, count - 1))
        self.following = follow or self.cursor == count - 1
        self.wheeled = False
        self._remember()
        self._show_cursor()
        self.refresh()
        self.post_message(self.Moved())

    def action_move(self, step: int) -> None:
        self._select(self.cursor + step)

    def action_page(self, direction: int) -> None:
        page = max((self.scrollable_content_region.height or 1) - 1, 1)
        self._select(self.cursor + direction * page)

    def action_first(self) -> None:
        self._select(0)

    def action_follow(self) -> None:
        self._select(len(self.store) - 1, follow=True)
        if not self.store:
            self.following = True

    def action_open(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.post_message(self.Opened(entry))

    def on_mouse_scroll_up(self, _: events.MouseScrollUp) -> None:
        """Scrolling back with the wheel stops following, as leaving the newest row does:
        new rows no longer pull the view down (End or G follows again). When every row fits
        on screen (or there is none yet) the wheel moves nothing, and changes nothing."""
        if self.max_scroll_y <= 0:
            return
        self.wheeled = True
        if self.following:
            self.following = False
            self.post_message(self.Moved())

    def on_mouse_scroll_down(self, _: events.MouseScrollDown) -> None:
        if not self.following and self.max_scroll_y > 0:
            self.wheeled = True

    def on_click(self, event: events.Click) -> None:
        self._select(self.scroll_offset.y + event.y)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.store))
        self._show_cursor()
        self.post_message(self.Moved())  # the column names follow the new width

    # --- drawing ---

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width or self.size.width
        if index >= len(self.store):
            if index == 0:
                return self._empty_line(width)
            return Strip.blank(width, self.rich_style)
        entry = self.store.row(index)
        lay = self.current_layout()
        selected = index == self.cursor
        key = (entry.seq, width, selected)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(entry, lay, width, selected)
            self._cache[key] = strip
        return strip

    def run_colour(self, run_id: str) -> Style:
        """A run's colour; runs not given on the command line are placed in the order they
        arrived (not the order their rows happen to be drawn)."""
        runs = self.store.runs
        if len(runs) != self._runs_placed:
            self._runs_placed = len(runs)
            for other in runs:
                self.colours(other)
        return self.colours(run_id)

    def _empty_line(self, width: int) -> Strip:
        """Why there are no rows: nothing arrived yet, or the filters hide every event."""
        store = self.store
        filters = store.filters
        if filters:
            hints = [
                hint
                for on, hint in (
                    (filters.text, "/ then Esc clears the filter"),
                    (filters.failures, "f shows all events"),
                    (filters.run_id, "r shows the next run"),
                )
                if on
            ]
            note = "no event matches (" + ", ".join(hints) + ")"
        elif store.received:
            note = ""
        else:
            note = "waiting for events…"
        text = Text(note, style=Style(dim=True), no_wrap=True, overflow="ellipsis")
        text.truncate(width, pad=True)
        text.stylize_before(self.rich_style)
        return Strip(list(text.render(self.app.console)), width)

    def _render_row(self, entry: Entry, lay: Layout, width: int, selected: bool) -> Strip:
        event = parse_entry(entry)
        several = len(self.store.runs) > 1
        colour = self.run_colour(entry.run_id) if several else None
        text = row_line(cells(event, self.formatter(event.time), entry.run_id), lay, colour)
        text.truncate(width, pad=True)  # exactly the width: the strip's length is known
        text.stylize_before(self.rich_style)
        if selected:
            text.stylize(self.cursor_style)
        needle = self.store.filters.text
        if needle:  # where the filter matched, when it is in what the row shows
            text.highlight_words([needle], self.match_style, case_sensitive=False)
        return Strip(list(text.render(self.app.console)), width)
