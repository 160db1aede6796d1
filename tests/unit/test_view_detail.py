"""The detail of an event made for reading: a huge string is cut on its own (every key stays
in view), a stack trace is shown as its lines, and ``c`` says when the clipboard may not
take the JSON."""

from __future__ import annotations

import json

from textual.pilot import Pilot

from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.detail import DetailScreen

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
