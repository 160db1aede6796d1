"""The viewer's header (the table's run states, then what the rows show), the filter line's
label, the help list on a small terminal, and the note shown when there are no rows."""

from __future__ import annotations

from textual.pilot import Pilot

from bctrl_tail.render import ConnState
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.help import KEYS, HelpScreen

from .viewkit import event, failure, feed, header, run, screen_text

Body = Pilot[int]
TWO_RUNS = {"title": "run_a, run_b", "run_ids": ("run_a", "run_b")}


def state(phase: str, run_id: str, status: str = "") -> ConnState:
    return ConnState(phase, ended_status=status, run_id=run_id)


def test_several_runs_are_summed_up_as_the_table_does() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        async def states(*changes: ConnState) -> str:
            for change in changes:
                renderer.on_state(change)
            renderer.flush()
            pilot.app.take()  # at once, whatever the wake-up rate
            await pilot.pause()
            return header(pilot.app)

        assert header(pilot.app).startswith("runs run_a, run_b  2 connecting  0 events")
        for ev in (event(1, runId="run_a"), event(2, runId="run_b")):
            renderer.on_event(ev)
        shown = await states(state("live", "run_a"), state("live", "run_b"))
        assert shown.startswith("runs run_a, run_b  2 live  2 events")
        shown = await states(state("ended", "run_b", "failed"))
        assert shown.startswith("runs run_a, run_b  1 live, 1 ended: failed  2 events")
        shown = await states(state("ended", "run_a", "completed"))
        # the table's words exactly: failures first, each run named once
        assert shown.startswith("runs ended: run_b failed, run_a completed  2 events")

    run(body, **TWO_RUNS)  # type: ignore[arg-type]


def test_what_the_rows_show_comes_before_the_counts_so_a_narrow_header_keeps_it() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i) for i in range(1, 5)] + [failure(5)])
        await pilot.press("f", "space")
        second = header(pilot.app).splitlines()[1]
        assert second.startswith("PAUSED: 0 new  1 shown  failures only")
        narrow = screen_text(pilot.app).splitlines()
        assert len(narrow[0].rstrip()) <= 40  # one line each, cut, never wrapped
        assert narrow[2].split()[0] == "time"  # the column names stay where they were

    run(body, size=(40, 12))


def test_the_counts_by_category_follow_what_the_rows_show() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), failure(2)])
        assert header(pilot.app).splitlines()[1] == "network 2"
        await pilot.press("f")
        assert header(pilot.app).splitlines()[1] == "1 shown  failures only  │ network 2"

    run(body)


def test_the_filter_line_says_what_it_is_and_its_keys_while_typed() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1), event(2)])
        await pilot.press("slash")
        await pilot.pause()
        lines = screen_text(pilot.app).splitlines()
        assert lines[-2].strip().startswith("filter: text in the event JSON")  # placeholder
        footer = lines[-1]
        assert "keep filter" in footer and "clear filter" in footer
        assert "quit" not in footer and "failures" not in footer  # typed, not keys here
        await pilot.press(*"event-2")
        assert screen_text(pilot.app).splitlines()[-2].strip() == "filter: event-2"
        await pilot.press("enter")
        await pilot.pause()
        lines = screen_text(pilot.app).splitlines()
        assert "filter: " not in lines[-2]  # the line is gone, the header names the filter
        assert '1 shown  filter "event-2"' in header(pilot.app)
        assert "quit" in lines[-1]

    run(body)


def test_every_key_of_the_help_is_reachable_on_a_40x10_terminal() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        seen = ""
        for _ in range(12):
            shown = screen_text(pilot.app)
            assert "Esc closes" in shown  # how to leave stays in view however far it scrolls
            assert "esc close" in shown.splitlines()[-1]  # the footer has the help's keys
            seen += shown
            await pilot.press("pagedown")
        first = seen.splitlines()[1]
        assert "quit" in first and "q" in first
        for key, action in KEYS:
            assert key in seen, key
            assert action.split()[0] in seen, action
        await pilot.press("q")  # q quits from the help too

    assert run(body, size=(40, 10)).return_code == 0


def test_an_empty_view_says_why() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await pilot.pause()
        assert "waiting for events…" in screen_text(pilot.app).splitlines()[3]
        await feed(pilot, renderer, [event(1)])
        await pilot.press("f")
        assert "no event matches (f shows all events)" in screen_text(pilot.app)
        await pilot.press("slash", "z", "enter")
        assert "(/ then Esc clears the filter, f shows all events)" in screen_text(pilot.app)

    run(body)


def test_the_filter_is_named_as_typed_and_sanitised() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("slash", *"it's", "space", "a", "backslash", "b", "enter")
        await pilot.pause()
        assert 'filter "it\'s a\\b"' in header(pilot.app)  # not a repr: one backslash
        pilot.app._set_filters(text="x\x1b[2Jy")
        assert "\x1b" not in header(pilot.app)

    run(body)


def test_j_and_k_scroll_the_help_as_they_move_the_rows() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("question_mark")
        keys = pilot.app.screen.query_one("#help-keys")
        assert keys.scroll_offset.y == 0
        await pilot.press("j", "j", "j")
        assert keys.scroll_offset.y == 3
        await pilot.press("k")
        assert keys.scroll_offset.y == 2
        assert isinstance(pilot.app.screen, HelpScreen)

    run(body, size=(40, 10))
