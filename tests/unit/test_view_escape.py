"""Esc and a key in one burst: a terminal sends Alt+q as Esc then q, so Textual reads Esc
and ``q`` arriving together as Alt+q. The viewer reads it back as the two keys typed."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.detail import DetailScreen
from bctrl_tail.render.view.filter import FilterBar
from bctrl_tail.render.view.keys import after_escape

from .viewkit import event, failure, feed, run

Body = Pilot[int]


@pytest.mark.parametrize(
    ("key", "typed"),
    [("alt+q", "q"), ("alt+k", "k"), ("alt+shift+g", "G"), ("alt+7", "7")],
)
def test_alt_and_a_letter_is_esc_then_that_letter(key: str, typed: str) -> None:
    assert after_escape(key) == typed


@pytest.mark.parametrize("key", ["q", "escape", "alt+up", "alt+backspace", "ctrl+q", "alt+é"])
def test_other_keys_are_left_alone(key: str) -> None:
    assert after_escape(key) is None


def test_esc_then_q_in_one_burst_leaves_the_detail_and_quits() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, DetailScreen)
        await pilot.press("alt+q")

    app = run(body)
    assert app.return_code == 0
    assert app.reason == ""


def test_esc_then_k_in_one_burst_clears_the_filter_then_moves_up() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), failure(2), event(3)])
        await pilot.press("slash", "e")
        assert pilot.app.query_one(FilterBar).has_focus
        await pilot.press("alt+k")
        await pilot.pause()
        assert not pilot.app.store.filters
        assert pilot.app.rows.has_focus
        assert pilot.app.rows.cursor == 1  # k went to the rows, not into the filter

    run(body)


def test_esc_then_shift_g_from_the_detail_follows_the_newest_row_again() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 6)])
        await pilot.press("g", "enter", "alt+shift+g")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, DetailScreen)
        rows = pilot.app.rows
        assert rows.following and rows.cursor == 4

    run(body)
