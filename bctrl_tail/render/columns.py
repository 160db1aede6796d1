"""The columns of one event row, shared by ``table`` and ``view``: what to keep when space is short.

A row is time, category, type, status, summary (and the run, when several runs are followed).
On a narrow terminal the category goes first (the type still names it), then the run column
shrinks to a short tag (the end of its id: runs differ without colour too), then the status
goes; time, type and summary always stay. A type that
repeats its category (``network`` / ``network.failed``) is shortened to ``.failed`` while the
category column is there, and a URL in a summary that does not fit is shortened in the middle,
keeping its host and the end of its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text

from bctrl_tail.events import RunEvent
from bctrl_tail.render.pretty import (
    DIM,
    FAILED,
    FIELD_LIMIT,
    PLAIN,
    category_style,
    clip,
    is_failure,
    shown_status,
    status_style,
)
from bctrl_tail.sanitize import clean

SUMMARY_KEEP = 1024  # characters of summary kept for a row: more than any terminal is wide
WIDE = 80  # from this many columns, the category has a column of its own
RUN_MIN = 64  # from this many, the run has one too (when several runs are followed)
RUN_TAG_WIDTH = 5  # below RUN_MIN: the end of the run id, so runs differ without colour
STATUS_MIN = 46  # below this, the status gives way
CATEGORY_WIDTH = 8
RUN_WIDTH = 12
RUN_WIDTH_ROOMY = 26  # from ROOMY columns the run column grows to the longest id, up to this
STATUS_WIDTH = 9
TYPE_WIDTH = 16  # shortened types (category shown)
TYPE_WIDTH_FULL = 16  # full types (no category column): the summary needs the room more
ROOMY = 120  # from this many columns, types get more room
TYPE_WIDTH_ROOMY = 24
TIME_WIDTHS = {"local": 12, "utc": 13, "iso": 24, "relative": 10}
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/]+(/\S*)?")
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Cells:
    """One event's row text, sanitised: each field already free of escapes and controls."""

    run: str
    time: str
    category: str
    type: str
    status: str
    summary: str
    failed: bool


@dataclass(frozen=True, slots=True)
class Layout:
    """Which columns a width has room for, and how wide each is (summary takes the rest)."""

    run: int
    time: int
    category: int
    type: int
    status: int
    summary: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(
            name
            for name in ("run", "time", "category", "type", "status", "summary")
            if getattr(self, name) > 0
        )


def layout(
    width: int,
    *,
    time_format: str = "local",
    runs: bool = False,
    room: int | None = None,
    run_chars: int = RUN_WIDTH,
) -> Layout:
    """Column widths for a terminal ``width`` cells wide, one space between columns.

    ``room``: the cells a row really has when it is narrower than the terminal (the viewer's
    padding and scrollbar); the summary gets what is left of it. The columns are chosen by
    the terminal's width alone, so ``table`` and ``view`` show the same ones side by side.
    ``run_chars``: the longest run id followed, which a wide terminal shows whole (a ULID's
    26 characters at most)."""
    time_width = TIME_WIDTHS.get(time_format, 12)
    category = CATEGORY_WIDTH if width >= WIDE else 0
    run = 0
    if runs:
        run = RUN_WIDTH if width >= RUN_MIN else RUN_TAG_WIDTH
        if width >= ROOMY:
            run = max(RUN_WIDTH, min(run_chars, RUN_WIDTH_ROOMY))
    status = STATUS_WIDTH if width >= STATUS_MIN else 0
    type_width = TYPE_WIDTH if category else TYPE_WIDTH_FULL
    if width >= ROOMY:
        type_width = TYPE_WIDTH_ROOMY
    type_width = max(min(type_width, (width - time_width - 2) // 2), 6)
    room = width if room is None else room
    used = sum(w + 1 for w in (run, time_width, category, type_width, status) if w)
    short = min(8 - (room - used), type_width - 6)  # a narrower room: the type gives way first
    if short > 0:
        type_width -= short
        used -= short
    return Layout(run, time_width, category, type_width, status, max(room - used, 8))


def cells(event: RunEvent, time_text: str, run_id: str = "") -> Cells:
    """The sanitised text of each field of ``event`` (``time_text`` already formatted)."""
    return Cells(
        run=clean(clip(run_id, FIELD_LIMIT)),
        time=time_text,
        category=clean(clip(event.category, FIELD_LIMIT)),
        type=clean(clip(event.type, FIELD_LIMIT)),
        status=clean(clip(shown_status(event), FIELD_LIMIT)),
        summary=clean(clip(event.summary, SUMMARY_KEEP)),
        failed=is_failure(event),
    )


def run_of(event: RunEvent) -> str:
    """The run an event came from: the followed run the tail names, else the event's ``runId``."""
    run_id: Any = event.run_id or event.data.get("runId", "")
    return run_id if isinstance(run_id, str) else ""


def short_type(event_type: str, category: str) -> str:
    """The part of a type the category column does not already say: ``network.failed``
    under ``network`` is ``.failed``, and ``connection.command.sent`` under ``command`` is
    ``.sent``."""
    if not category:
        return event_type
    segment = category + "."
    if event_type.startswith(segment):
        cut = len(category)
    else:
        at = event_type.find("." + segment)
        if at < 0:
            return event_type
        cut = at + 1 + len(category)
    return event_type[cut:] if len(event_type) > cut + 1 else event_type


def short_run(run_id: str, width: int) -> str:
    """The end of a run id, where ids differ (``…9f3a2c``)."""
    if len(run_id) <= width:
        return run_id
    return ELLIPSIS + run_id[-(width - 1) :] if width > 1 else run_id[:width]


def shorten_url(url: str, excess: int) -> str:
    """``url`` made at least ``excess`` characters shorter by cutting the middle of its path:
    the scheme and host stay, then as much of the end of the path as there is room for,
    from the start of a segment where one fits (``…/cart``, not ``…i/cart``)."""
    match = _URL.match(url)
    if excess <= 0 or match is None or not match.group(1):
        return url
    path_start = match.start(1) + 1  # keep the first "/"
    path = url[path_start:]
    keep = len(path) - excess - 1  # the ellipsis takes one
    if keep <= 0:
        return url[:path_start] + ELLIPSIS
    tail = path[-keep:]
    if path[-keep - 1] != "/":
        slash = tail.find("/")
        if slash >= 0:
            tail = tail[slash:]
    return url[:path_start] + ELLIPSIS + tail


def fit_summary(summary: str, width: int) -> str:
    """``summary`` shortened to ``width`` by shortening its URLs in the middle, longest first;
    what still does not fit is left for the caller to cut at the end."""
    excess = len(summary) - width
    if excess <= 0 or "://" not in summary:
        return summary
    urls = sorted(_URL.finditer(summary), key=lambda m: len(m.group(0)), reverse=True)
    for match in urls:
        if excess <= 0:
            break
        url = match.group(0)
        short = shorten_url(url, excess)
        if short != url:
            summary = summary.replace(url, short, 1)
            excess -= len(url) - len(short)
    return summary


def _cell(line: Text, text: str, width: int, style: Style | str, *, last: bool = False) -> None:
    """Append ``text`` cut or padded to ``width`` cells (an ellipsis marks a cut)."""
    cell = Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")
    cell.truncate(width, overflow="ellipsis", pad=not last)
    line.append_text(cell)
    if not last:
        line.append(" ")


def heading(lay: Layout) -> Text:
    """The column names, in the widths of ``lay``."""
    line = Text(no_wrap=True)
    names = lay.names
    for name in names:
        _cell(line, name, getattr(lay, name), Style(bold=True), last=name == names[-1])
    return line


def row_line(c: Cells, lay: Layout, run_colour: Style | None = None) -> Text:
    """One row as one line of ``Text`` in the widths of ``lay``, coloured as in ``pretty``:
    failures red, each category in its colour, the run (or, without a run column, the
    time) in the run's colour."""
    body = FAILED if c.failed else PLAIN
    line = Text(no_wrap=True)
    if lay.run:
        _cell(line, short_run(c.run, lay.run), lay.run, run_colour or DIM)
    _cell(line, c.time, lay.time, run_colour if run_colour and not lay.run else DIM)
    if lay.category:
        _cell(line, c.category, lay.category, category_style(c.category))
    shown_type = short_type(c.type, c.category) if lay.category else c.type
    _cell(line, shown_type, lay.type, body)
    if lay.status:
        _cell(line, c.status, lay.status, status_style(c.status, c.failed))
    _cell(line, fit_summary(c.summary, lay.summary), lay.summary, body, last=True)
    return line
