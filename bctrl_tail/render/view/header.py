"""The viewer's two header lines: what the runs are doing, then what the rows show.

The first line is the table's (``title_text``: the run or runs and their states) plus how many
events arrived. The second starts with what changes the rows — paused, the filter, failures
only, one run, a selection away from the newest row — and then the counts by category, so a
narrow terminal cuts the counts, never the reason the rows look the way they do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from bctrl_tail.render import ConnState
from bctrl_tail.render.table import counts_text, title_text
from bctrl_tail.render.view.store import Store
from bctrl_tail.sanitize import clean

DIM = Style(dim=True)
NOTE = Style(color="yellow", bold=True)


@dataclass(frozen=True, slots=True)
class Display:
    """What the screen is doing besides the data: pause, and where the selection is."""

    paused: bool = False
    held: int = 0  # events that arrived while paused
    following: bool = True
    cursor: int = -1


def header_text(
    title: str, state: ConnState, states: Mapping[str, ConnState], store: Store, display: Display
) -> Text:
    line = title_text(clean(title[:200]), state, states)
    total = store.received
    line.append(f"  {total} event{'' if total == 1 else 's'}", style=DIM)
    if store.let_go:
        line.append(f" ({store.let_go} older let go)", style=DIM)
    return Text("\n").join([line, notes_text(store, display)])


def notes_text(store: Store, display: Display) -> Text:
    """``PAUSED: 3 new  12 shown  filter "x"  failures only  row 4/12 (End: follow)``, then
    the counts by category."""
    notes = Text()
    if display.paused:
        notes.append(f"PAUSED: {display.held} new  ", style=NOTE)
    filters = store.filters
    if filters:
        notes.append(f"{len(store)} shown  ", style=DIM)
    if filters.text:
        notes.append("filter ", style=DIM)
        notes.append(f'"{clean(filters.text[:200])}"', style=NOTE)  # as typed, not a repr
        notes.append("  ")
    if filters.failures:
        notes.append("failures only  ", style=NOTE)
    if filters.run_id:
        notes.append("only run ", style=DIM)
        notes.append(clean(filters.run_id[:100]), style=NOTE)
        notes.append("  ")
    if not display.following and len(store):
        notes.append(f"row {display.cursor + 1}/{len(store)} (End: follow)  ", style=DIM)
    if notes:
        notes.append("│ ", style=DIM)
    notes.append_text(counts_text(store.counts))
    return notes
