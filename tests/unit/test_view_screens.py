"""Snapshots of the viewer's main screens (SVG, fixed size, clock and data), the injection
test in the rows and in the detail, and NO_COLOR.

Snapshots live in tests/data/view/; after a deliberate change to the screens, regenerate them
with ``UPDATE_SNAPSHOTS=1 pytest tests/unit/test_view_screens.py`` and look at the SVGs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from bctrl_tail.events import RunEvent
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.filter import FilterBar

from .viewkit import end_run, event, failure, feed, run, screen_ansi, screen_text

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "view"
SIZE = (110, 24)
Body = Pilot[int]


def sample() -> list[RunEvent]:
    """A short, varied run: lifecycle, navigation, network, console, failures, a captcha."""
    long_url = "https://cdn.shop.example.com/static/js/" + "chunk-" * 12 + "/checkout.bundle.js"
    boring = [event(i) for i in range(1, 14)]
    return [
        *boring,
        event(14, type="runtime.lifecycle", status="started", name="runtime started"),
        event(15, type="navigation", status=None, name=None, title="Shop — home"),
        event(16, name=None, data={"method": "GET", "url": "https://shop.example.com/"}),
        event(17, type="console.message", status=None, name=None, data={"level": "log"}),
        failure(18, name=None, data={"method": "GET", "url": long_url, "error": "net::ERR_FAILED"}),
        event(
            19, type="page.error", status="failed", name=None, message="TypeError: x is undefined"
        ),
        event(20, type="captcha.solve.succeeded", status="finished", name="recaptcha v2"),
        event(21, type="console.message", status=None, name=None, data={"level": "error"}),
        event(22, type="connection.command.sent", category="command", name="Page.navigate"),
    ]


def check(app_svg: str, name: str) -> None:
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(app_svg, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if app_svg != expected:
        actual = path.with_suffix(".actual.svg")
        actual.write_text(app_svg, encoding="utf-8")
        pytest.fail(f"{name} differs from its snapshot; see {actual} (UPDATE_SNAPSHOTS=1 renews)")


def shot(pilot: Body) -> str:
    return pilot.app.export_screenshot(title="bctrl-tail -o view")


def test_snapshot_rows() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, sample())
        await pilot.press("k", "k")
        check(shot(pilot), "rows")

    run(body, size=SIZE)


def test_snapshot_detail() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, sample())
        await pilot.press(*["up"] * 4, "enter")
        await pilot.pause()
        check(shot(pilot), "detail")

    run(body, size=SIZE)


def test_snapshot_filter() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, sample())
        await pilot.press("slash")
        pilot.app.query_one(FilterBar).cursor_blink = False
        await pilot.press(*"shop")
        await pilot.pause()
        check(shot(pilot), "filter")

    run(body, size=SIZE)


def test_snapshot_help() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, sample())
        await pilot.press("question_mark")
        await pilot.pause()
        check(shot(pilot), "help")

    run(body, size=SIZE)


def test_snapshot_ended() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, sample())
        await end_run(pilot, renderer, "failed", code=3)
        check(shot(pilot), "ended")

    run(body, size=SIZE)


HOSTILE = (
    "\x1b]52;c;SGVsbG8=\x07 \x1b[2J\x1b[H \x9b31m \u202eevil\u202c "
    "[bold red]markup[/] [link=x]y[/link]"
)
ESCAPES = re.compile(r"\x1b\]52|\x1b\[2J|\x1b\[H|\x9b|\u202e|\u202c")


def test_escape_sequences_and_markup_in_event_text_are_shown_inert_in_rows_and_detail() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1, name=HOSTILE, type="evil.\x1b[31mtype")])
        for screen in ("rows", "detail"):
            written = screen_ansi(pilot.app)
            assert not ESCAPES.search(written), screen
            shown = screen_text(pilot.app)
            assert "[bold red]markup[/]" in shown, screen  # markup shows literally
            assert "[link=x]y[/link]" in shown, screen
            await pilot.press("enter")
        assert "\\u001b]52;c;SGVsbG8=" in screen_text(pilot.app)  # the detail shows what came
        assert "\\u202eevil" in screen_text(pilot.app)

    run(body, size=(160, 24))


def test_no_color_draws_no_colour() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), failure(2)])
        params = {
            int(p)
            for sgr in re.findall(r"\x1b\[([0-9;]*)m", screen_ansi(pilot.app))
            for p in sgr.split(";")
            if p
        }
        colours = set(range(30, 39)) | set(range(40, 49)) | set(range(90, 98))
        assert not params & (colours | set(range(100, 108)))  # 39/49, the defaults, only
        assert "event-1" in screen_text(pilot.app)

    run(body, color=False)
