"""The detail of an event made for reading: a huge string is cut on its own (every key stays
in view), a stack trace is shown as its lines, and ``c`` says when the clipboard may not
take the JSON."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import get_character_cell_size
from textual.pilot import Pilot

from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.detail import DetailScreen
from bctrl_tail.render.view.jsonlines import JsonLines, breaks

from .viewkit import event, feed, run, screen_text

Body = Pilot[int]
STACK = "TypeError: x is undefined\n    at checkout (app.js:10:5)\n    at main (app.js:99:1)"


def notes(pilot: Body) -> str:
    """The notifications shown (toasts)."""
    return "\n".join(note.message for note in pilot.app._notifications)


def test_a_huge_string_is_cut_on_its_own_and_the_keys_after_it_stay() -> None:
    huge = event(1, data={"body": "x" * 2_000_000, "after": "the key after the body"})

    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [huge])
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, DetailScreen)
        await pilot.press("end")
        await pilot.pause()
        shown = screen_text(pilot.app)
        assert "1,980,000 more characters; c copies them" in shown
        assert '"after": "the key after the body"' in shown
        await pilot.press("c")
        await pilot.pause()
        assert json.loads(pilot.app.clipboard)["data"]["body"] == "x" * 2_000_000
        assert "may not have been copied" in notes(pilot)

    run(body, size=(100, 30))


def test_a_small_event_is_said_to_be_copied() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("enter", "c")
        await pilot.pause()
        assert notes(pilot) == "event JSON copied to the clipboard"
        assert json.loads(pilot.app.clipboard)["id"] == "evt_1"

    run(body)


def test_a_stack_trace_is_shown_as_its_lines() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1, type="page.error", data={"stack": STACK})])
        await pilot.press("enter")
        lines = [line.strip() for line in screen_text(pilot.app).splitlines()]
        at = lines.index('"stack": "TypeError: x is undefined\\n')
        assert lines[at + 1 : at + 3] == ["at checkout (app.js:10:5)\\n", 'at main (app.js:99:1)"']
        await pilot.press("c")
        assert json.loads(pilot.app.clipboard)["data"]["stack"] == STACK  # the JSON itself

    run(body)


def test_a_huge_event_is_laid_out_only_where_it_is_seen() -> None:
    """200,000 lines: the detail opens, End shows the last of them, g the first, j and k move
    a line; only the lines drawn are ever laid out (a whole layout took seconds, keys and
    Ctrl-C waiting behind it)."""
    huge = event(1, data={"items": list(range(200_000))})

    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [huge])
        await pilot.press("enter")
        await pilot.pause()
        view = pilot.app.screen.query_one(JsonLines)
        assert "(200,012 lines)" in screen_text(pilot.app)
        await pilot.press("G")
        await pilot.pause()
        assert "199999" in screen_text(pilot.app) and '"items"' not in screen_text(pilot.app)
        await pilot.press("g")
        await pilot.pause()
        assert '"items": [' in screen_text(pilot.app)
        top = view.scroll_offset.y
        await pilot.press("j", "j", "k")
        await pilot.pause()
        assert view.scroll_offset.y == top + 1
        assert len(view._cache) < 100  # two screenfuls at most were laid out

    run(body, size=(100, 30))


def test_the_title_counts_the_lines_shown() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1, type="page.error", data={"stack": STACK})])
        await pilot.press("enter")
        await pilot.pause()
        shown = pilot.app.screen.query_one(JsonLines).text
        count = shown.count("\n") + 1
        assert count == 13  # 11 lines of JSON, and the stack's 3 lines are 2 more
        assert f"({count} lines)" in screen_text(pilot.app)

    run(body)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab 日é\u0301😀\u200d-", max_size=80), st.integers(1, 30))
def test_wrapped_rows_keep_every_character_and_fit_the_width(line: str, width: int) -> None:
    cuts = [0, *breaks(line, width), len(line)]
    rows = [line[a:b] for a, b in itertools.pairwise(cuts)]
    assert "".join(rows) == line
    for row in rows:
        assert row or len(rows) == 1
        assert sum(get_character_cell_size(c) for c in row) <= width or len(row) == 1
    if line.isascii() and " " not in line:
        assert all(len(row) == width for row in rows[:-1])  # a word longer than the row: cut


def test_a_long_word_after_indentation_starts_on_the_first_row() -> None:
    line = "    " + "x" * 30
    cuts = [0, *breaks(line, 10), len(line)]
    rows = [line[a:b] for a, b in itertools.pairwise(cuts)]
    assert rows[0] == "    " + "x" * 6  # not a row of indentation alone
    assert "".join(rows) == line
