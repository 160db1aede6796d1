"""Every key of the viewer's table, driven headless with Textual's pilot."""

from __future__ import annotations

import asyncio
import json

import pytest
from textual import events
from textual.pilot import Pilot

from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.detail import DetailScreen
from bctrl_tail.render.view.filter import FilterBar
from bctrl_tail.render.view.help import HelpScreen
from bctrl_tail.render.view.rows import EventRows

from .viewkit import end_run, event, failure, feed, header, make_app, run, screen_text

Body = Pilot[int]


def rows_of(pilot: Body) -> EventRows:
    return pilot.app.query_one(EventRows)


def selected_name(pilot: Body) -> str:
    entry = rows_of(pilot).selected()
    assert entry is not None
    return str(json.loads(entry.text)["name"])


def test_q_quits_with_0_while_the_run_is_live() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("q")

    app = run(body)
    assert app.return_code == 0
    assert app.reason == ""


def test_after_the_run_ended_the_viewer_stays_open_and_q_returns_its_exit_code() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), failure(2)])
        await end_run(pilot, renderer, "failed", code=3)
        assert pilot.app.is_running
        assert "ended: failed" in screen_text(pilot.app).splitlines()[0]
        await pilot.press("q")

    assert run(body).return_code == 3


def test_ctrl_c_interrupts_with_130() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("ctrl+c")

    app = run(body)
    assert app.return_code == 130
    assert app.reason == "interrupted"


def test_up_and_k_leave_the_newest_row_and_stop_following() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 11)])
        assert rows_of(pilot).following
        assert selected_name(pilot) == "event-10"
        await pilot.press("up")
        assert selected_name(pilot) == "event-9"
        await pilot.press("k")
        assert selected_name(pilot) == "event-8"
        assert not rows_of(pilot).following
        await feed(pilot, renderer, [event(i) for i in range(11, 15)])
        assert selected_name(pilot) == "event-8"  # new events do not move it
        assert "row 8/14 (End: follow)" in header(pilot.app)

    run(body)


def test_down_and_j_move_the_selection_down() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 11)])
        await pilot.press("k", "k", "k")
        await pilot.press("down")
        assert selected_name(pilot) == "event-8"
        await pilot.press("j")
        assert selected_name(pilot) == "event-9"

    run(body)


def test_page_up_and_page_down_move_a_page() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 201)])
        await pilot.press("pageup")
        page = 200 - int(selected_name(pilot).split("-")[1])
        assert page > 10  # a screenful of rows
        await pilot.press("pageup")
        assert selected_name(pilot) == f"event-{200 - 2 * page}"
        await pilot.press("pagedown")
        assert selected_name(pilot) == f"event-{200 - page}"

    run(body)


def test_home_and_g_go_to_the_oldest_row_and_end_and_shift_g_follow_again() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 101)])
        await pilot.press("home")
        assert selected_name(pilot) == "event-1"
        assert "event-1 " in screen_text(pilot.app)
        await pilot.press("end")
        assert rows_of(pilot).following
        await pilot.press("g")
        assert selected_name(pilot) == "event-1"
        assert not rows_of(pilot).following
        await pilot.press("G")
        await feed(pilot, renderer, [event(101)])
        assert selected_name(pilot) == "event-101"
        assert "event-101" in screen_text(pilot.app)

    run(body)


def test_enter_shows_the_whole_json_and_escape_goes_back() -> None:
    long_message = "word " * 100

    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), event(2, data={"stack": long_message})])
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, DetailScreen)
        shown = screen_text(pilot.app)
        assert '"id": "evt_2"' in shown
        assert '"stack": "word word' in shown
        assert shown.count("word") == 100  # long strings wrap: nothing is cut
        await pilot.press("c")
        assert json.loads(pilot.app.clipboard)["data"]["stack"] == long_message
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, DetailScreen)
        assert rows_of(pilot).has_focus

    run(body)


def test_slash_filters_as_typed_enter_keeps_and_escape_clears() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 30)])
        await pilot.press("slash", *"EVENT-2")  # case-insensitive
        assert pilot.app.query_one(FilterBar).has_focus
        assert len(pilot.app.store) == 11  # event-2, event-20..29
        await pilot.press("enter")
        assert rows_of(pilot).has_focus
        await feed(pilot, renderer, [event(30), event(42, name="Event-2 again")])
        assert len(pilot.app.store) == 12
        assert '12 shown  filter "EVENT-2"' in header(pilot.app)
        await pilot.press("slash", "escape")
        assert len(pilot.app.store) == 31
        assert "filter" not in header(pilot.app)

    run(body)


def test_f_shows_only_failures_and_toggles_back() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), failure(2), event(3), failure(4)])
        await pilot.press("f")
        assert len(pilot.app.store) == 2
        assert "2 shown  failures only" in header(pilot.app)
        assert "event-1 " not in screen_text(pilot.app)
        await pilot.press("f")
        assert len(pilot.app.store) == 4

    run(body)


def test_space_pauses_the_display_and_counts_what_arrived_meanwhile() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("space")
        await feed(pilot, renderer, [event(i) for i in range(2, 6)])
        shown = screen_text(pilot.app)
        assert "PAUSED: 4 new" in header(pilot.app)
        assert "event-5" not in shown
        await pilot.pause()
        footer = screen_text(pilot.app).splitlines()[-1]
        assert "resume" in footer and "pause" not in footer  # says what space does now
        await pilot.press("space")
        await pilot.pause()
        shown = screen_text(pilot.app)
        assert "event-5" in shown
        assert "PAUSED" not in shown
        footer = shown.splitlines()[-1]
        assert "pause" in footer and "resume" not in footer

    run(body)


def test_question_mark_lists_the_keys() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        shown = screen_text(pilot.app)
        for key in ("Ctrl-C", "PgUp PgDn", "Home g", "End G", "Enter", "space"):
            assert key in shown
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, HelpScreen)

    run(body)


def test_r_cycles_through_the_runs_when_several_are_followed() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1, runId="run_a"), event(2, runId="run_b")])
        lines = screen_text(pilot.app).splitlines()
        assert lines[2].split()[0] == "run"  # a run column
        await pilot.press("r")
        assert len(pilot.app.store) == 1
        assert "only run run_a" in header(pilot.app)
        await pilot.press("r")
        assert "only run run_b" in header(pilot.app)
        await pilot.press("r")
        assert len(pilot.app.store) == 2

    run(body)


def test_the_header_counts_the_events_let_go() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 26)])
        assert "25 events (15 older let go)" in screen_text(pilot.app).splitlines()[0]
        await pilot.press("home")
        assert selected_name(pilot) == "event-16"

    run(body, keep=10)


def test_textuals_own_ctrl_q_quits_as_q_does() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [failure(1)])
        await end_run(pilot, renderer, "failed", code=3)
        await pilot.press("ctrl+q")

    assert run(body).return_code == 3


def test_keys_in_the_detail_do_not_reach_the_rows_behind_it() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), failure(2)])
        await pilot.press("enter", "f", "slash", "space")
        assert isinstance(pilot.app.screen, DetailScreen)
        assert not pilot.app.store.filters
        assert not pilot.app.paused
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, DetailScreen)

    run(body)


def test_a_bug_in_the_viewer_ends_it_without_a_traceback_on_screen() -> None:
    """Textual's own report would be a traceback with local variables (the API key among
    them); the viewer keeps the error for the CLI's one-line message instead."""

    def broken(_: object) -> str:
        raise ZeroDivisionError("boom")

    app, renderer = make_app()

    async def main() -> None:
        async with app.run_test(size=(100, 24)) as pilot:
            app.rows.formatter = broken  # type: ignore[assignment]
            renderer.on_event(event(1))
            renderer.flush()
            await pilot.pause()

    with pytest.raises(ZeroDivisionError):  # the pilot re-raises what the app kept
        asyncio.run(main())
    assert isinstance(app.internal_error, ZeroDivisionError)
    assert app.return_code == 1
    assert not app._exit_renderables  # nothing for Textual to print


def test_the_filter_text_is_marked_in_the_rows() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1, name="checkout page"), event(2, name="cart")])
        await pilot.press("slash", *"CHECK", "enter")
        row = rows_of(pilot).render_line(0)
        marked = [
            seg.text
            for seg in row
            if seg.style and seg.style.bgcolor and seg.style.bgcolor.name == "yellow"
        ]
        assert marked == ["check"]  # on the selected row too

    run(body)


@pytest.mark.parametrize("key", ["j", "down", "pagedown"])
def test_moving_down_on_the_newest_row_keeps_following(key: str) -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 11)])
        await pilot.press(key)
        assert rows_of(pilot).following
        await feed(pilot, renderer, [event(11)])
        assert selected_name(pilot) == "event-11"
        assert "End: follow" not in header(pilot.app)

    run(body)


@pytest.mark.parametrize("key", ["j", "down", "pagedown"])
def test_moving_down_onto_the_newest_row_follows_again(key: str) -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 11)])
        await pilot.press("k")
        assert not rows_of(pilot).following
        await pilot.press(key)
        assert selected_name(pilot) == "event-10"
        assert rows_of(pilot).following
        await feed(pilot, renderer, [event(11)])
        assert selected_name(pilot) == "event-11"

    run(body)


def wheel_up(pilot: Body, times: int) -> None:
    """Mouse wheel up over the rows, as the terminal reports it."""
    for _ in range(times):
        pilot.app.post_message(
            events.MouseScrollUp(None, 10, 8, 0, -1, 0, False, False, False, 10, 8)
        )


def test_the_wheel_scrolls_back_and_new_rows_leave_the_view_where_it_is() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 101)])
        rows = rows_of(pilot)
        bottom = rows.scroll_offset.y
        wheel_up(pilot, 5)
        await pilot.pause()
        scrolled = rows.scroll_offset.y
        assert scrolled < bottom and not rows.following
        assert "End: follow" in header(pilot.app)
        await feed(pilot, renderer, [event(i) for i in range(101, 121)])
        assert rows.scroll_offset.y == scrolled  # not pulled back to the newest row
        await pilot.press("G")
        await pilot.pause()
        assert rows.following and rows.scroll_offset.y > bottom
        assert selected_name(pilot) == "event-120"

    run(body)


def test_the_wheel_changes_nothing_when_every_row_fits_or_none_came_yet() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        rows = rows_of(pilot)
        wheel_up(pilot, 1)  # "waiting for events…"
        await pilot.pause()
        await feed(pilot, renderer, [event(i) for i in range(1, 6)])
        wheel_up(pilot, 1)  # five rows: all on screen
        await pilot.pause()
        assert rows.following and not rows.wheeled
        await feed(pilot, renderer, [event(i) for i in range(6, 101)])
        assert rows.following and selected_name(pilot) == "event-100"
        assert rows.scroll_offset.y == rows.max_scroll_y  # the newest row is in view

    run(body)
