"""``table``: the pure view builder, and the live renderer's window, rate cap and lifecycle."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from rich.console import Console, RenderableType
from rich.segment import Segment

from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.render import ConnState, Renderer
from bctrl_tail.render import table as table_module
from bctrl_tail.render.table import WINDOW, TableRenderer, build_view
from bctrl_tail.render.timefmt import TimeFormatter
from tests.unit import consoles

WIDTH, HEIGHT = 120, 20
FIT = HEIGHT - 5  # two header lines, table heading and rule, one spare line


class Clock:
    """A fake monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def recording(width: int = WIDTH, height: int = HEIGHT, *, terminal: bool = True) -> Console:
    return consoles.recording(width, height, terminal=terminal)


def event(i: int, **data: Any) -> RunEvent:
    base: dict[str, Any] = {
        "type": "network.request",
        "time": f"2024-05-01T12:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
        "status": "ok",
        "name": f"event-{i}",
    }
    base.update(data)
    return RunEvent(id=str(i), data=base)


def view(
    rows: list[RunEvent],
    *,
    state: ConnState | None = None,
    counts: Mapping[str, int] | None = None,
    height: int = HEIGHT,
    width: int = WIDTH,
    runs: Mapping[str, ConnState] | None = None,
) -> Console:
    """``build_view`` printed into a recording console."""
    console = recording(width=width, height=height)
    renderable = build_view(
        rows,
        run_id="run_42",
        state=state or ConnState("live"),
        counts=counts if counts is not None else {"network": len(rows)},
        shown=len(rows),
        time_format=TimeFormatter("utc"),
        height=height,
        width=width,
        runs=runs,
    )
    console.print(renderable)
    return console


def style_of(console: Console, text: str) -> str:
    segments: list[Segment] = console._record_buffer
    for segment in segments:
        if text in segment.text:
            return str(segment.style or "")
    raise AssertionError(f"{text!r} not rendered")


def test_header_and_columns() -> None:
    lines = view([event(1)], counts={"network": 3, "console": 2}).export_text().splitlines()
    assert lines[0].split() == ["run", "run_42", "live", "1", "event", "shown"]
    assert lines[1].split() == ["network", "3", "console", "2"]
    assert lines[2].split() == ["time", "category", "type", "status", "summary"]
    # the type's "network." prefix repeats the category column: shortened
    assert lines[4].split() == ["12:00:01.000Z", "network", ".request", "ok", "event-1"]


def test_a_60_column_terminal_drops_the_category_before_the_status() -> None:
    lines = view([event(1)], width=60).export_text().splitlines()
    assert lines[2].split() == ["time", "type", "status", "summary"]
    assert lines[4].split() == ["12:00:01.000Z", "network.request", "ok", "event-1"]
    assert all(len(line) <= 60 for line in lines)


def test_a_very_narrow_terminal_keeps_time_type_and_summary() -> None:
    lines = view([event(1)], width=40).export_text().splitlines()
    assert lines[2].split() == ["time", "type", "summary"]
    assert lines[4].split()[0] == "12:00:01.000Z"
    assert lines[4].split()[1].startswith("network.")
    assert lines[4].split()[-1] == "event-1"
    assert all(len(line) <= 40 for line in lines)


def test_a_long_url_is_shortened_in_the_middle_keeping_host_and_path_end() -> None:
    url = "https://cdn.example.com/assets/" + "x" * 200 + "/app.bundle.js"
    row = event(1, name=None, data={"method": "GET", "status": 404, "url": url})
    line = view([row], width=100).export_text().splitlines()[4]
    assert "https://cdn.example.com/…" in line
    assert line.rstrip().endswith("app.bundle.js")


def test_several_runs_get_a_run_column() -> None:
    rows = [event(1, runId="run_aaa"), event(2, runId="run_bbb")]
    lines = view(rows, width=100).export_text().splitlines()
    assert lines[2].split()[0] == "run"
    assert lines[4].split()[0] == "run_aaa"
    assert lines[5].split()[0] == "run_bbb"
    one_run = view([event(1, runId="run_aaa")], width=100).export_text().splitlines()
    assert one_run[2].split()[0] == "time"


def test_a_wide_terminal_shows_long_run_ids_whole() -> None:
    ulids = ("01JD5ZQ8V4K3M2N7P9R6T0W1XA", "01JD5ZQ8V4K3M2N7P9R6T0W1XB")  # 26 characters
    rows = [event(1, runId=ulids[0]), event(2, runId=ulids[1])]
    wide = view(rows, width=200).export_text().splitlines()
    assert [line.split()[0] for line in wide[4:6]] == list(ulids)
    narrow = view(rows, width=100).export_text().splitlines()
    assert narrow[4].split()[0] == "…" + ulids[0][-11:]  # 12 columns, the end kept


def test_the_run_column_stays_while_the_rows_on_screen_are_all_from_one_run() -> None:
    followed = {r: ConnState("live", run_id=r) for r in ("run_aaa", "run_bbb")}
    rows = [event(i, runId="run_aaa") for i in range(3)]
    lines = view(rows, width=100, runs=followed).export_text().splitlines()
    assert lines[2].split()[0] == "run"
    assert [line.split()[0] for line in lines[4:7]] == ["run_aaa"] * 3


def test_an_error_state_is_red_and_never_a_run_status() -> None:
    console = view([], state=ConnState("error", reason="run not found (HTTP 404)"))
    assert "red" in style_of(console, "error: run not found")
    assert "error: run not found (HTTP 404)" in console.export_text().splitlines()[0]


@pytest.mark.parametrize(
    ("state", "shown", "style"),
    [
        (ConnState("connecting"), "connecting", "yellow"),
        (ConnState("live"), "live", "green"),
        (ConnState("reconnecting", retry_in=3.2, attempt=2), "reconnecting in 4s", "yellow"),
        (ConnState("reconnecting", retry_in=1.0), "reconnecting in 1s", "yellow"),
        (ConnState("reconnecting", retry_in=0.0, attempt=3), "reconnecting", "yellow"),
        (
            ConnState("reconnecting", retry_in=2.0, reason="HTTP 503: busy"),
            "reconnecting in 2s (HTTP 503: busy)",
            "yellow",
        ),
        (ConnState("interrupted"), "interrupted", "yellow"),
        (ConnState("ended", ended_status="completed"), "ended: completed", "green"),
        (ConnState("ended", ended_status="failed"), "ended: failed", "red"),
        (ConnState("ended", ended_status="timed_out"), "ended: timed_out", "red"),
    ],
)
def test_header_states(state: ConnState, shown: str, style: str) -> None:
    console = view([], state=state)
    assert shown in console.export_text(clear=False).splitlines()[0]
    assert style in style_of(console, shown)


def test_counts_are_coloured_and_empty_counts_say_so() -> None:
    console = view([event(1)], counts={"network": 1, "console": 0})
    assert "cyan" in style_of(console, "network")
    assert "console" not in console.export_text().splitlines()[1]
    assert view([], counts={}).export_text().splitlines()[1] == "no events yet"


def test_only_the_newest_rows_that_fit_are_shown_newest_last() -> None:
    lines = view([event(i) for i in range(100)]).export_text().splitlines()
    assert len(lines) == HEIGHT - 1
    names = [line.split()[-1] for line in lines[4:]]
    assert names == [f"event-{i}" for i in range(100 - FIT, 100)]


def test_a_tiny_terminal_shows_the_header_only() -> None:
    lines = view([event(1)], height=3).export_text().splitlines()
    assert lines[0].startswith("run run_42")
    assert "event-1" not in "\n".join(lines)


def test_failures_are_red() -> None:
    console = view([event(1, type="network.failed", status="failed", name="boom")])
    assert "red" in style_of(console, "boom")
    assert "red" in style_of(console, "failed")
    assert "red" not in style_of(view([event(2)]), "event-2")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"type": 42, "status": 7, "name": ["a", 1], "time": None},
        {"type": None, "category": {"x": 1}, "time": 1714564801.5},
        {"time": 1714564801500, "data": {"a": {"b": [1, 2, {"c": None}]}}},
        {"time": "garbage", "data": "plain"},
        {"name": "x" * 1_000_000, "type": "t" * 100_000, "status": "s" * 100_000},
    ],
)
def test_odd_events_render_as_one_row(data: dict[str, Any]) -> None:
    ev = RunEvent(id="1", data=data)
    lines = view([ev]).export_text().splitlines()
    assert len(lines) == 5
    assert all(len(line) <= WIDTH for line in lines)


def test_numbers_as_time_are_formatted() -> None:
    ev = RunEvent(id="1", data={"type": "x", "time": 1714564801.5})
    assert view([ev]).export_text().splitlines()[4].startswith("12:00:01.500Z")


def test_missing_time_shows_a_placeholder() -> None:
    ev = RunEvent(id="1", data={"type": "x"})
    assert view([ev]).export_text().splitlines()[4].startswith("--:--:--")


INJECTION = {
    "type": "console.\x1b[2Jlog\u202e",
    "name": "\x1b]0;title\x07[bold red]x[/]",
    "message": "\x1b]52;c;aGVsbG8=\x07",
    "status": "\x9b31mok",
    "category": "console\x1b]52;c;aGVsbG8=\x07",
    "data": {"nested": "\x1b]0;t\x07"},
}


def test_injection_never_reaches_the_terminal() -> None:
    console = recording()
    renderer = TableRenderer(console, run_id="run\x1b]0;x\x07_1", time_format="utc")
    renderer.on_state(ConnState("live"))
    renderer.on_event(RunEvent(id="1", data=INJECTION))
    renderer.close({"run_1": RunEnded("run_1", "\x1b[2Jfailed\u202e", "", "", "")})
    written = console.file.getvalue()  # type: ignore[attr-defined]
    for bad in ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e"):
        assert bad not in written
    assert "[bold red]x[/]" in written
    assert "ended: failed" in written


def test_renderer_window_is_bounded() -> None:
    clock = Clock()
    console = recording(terminal=False)
    renderer: Renderer = TableRenderer(console, run_id="r", time_format="utc", clock=clock)
    assert isinstance(renderer, TableRenderer)
    for i in range(10_000):
        renderer.on_event(event(i))
        clock.now += 0.001
        renderer.flush()
    assert len(renderer.rows) == WINDOW
    assert renderer.rows[-1].id == "9999"
    assert renderer.counts == {"network": 10_000}
    renderer.close({})
    lines = console.export_text().splitlines()
    assert "10000 events shown" in lines[0]
    assert [line.split()[-1] for line in lines[4:]] == [
        f"event-{i}" for i in range(10_000 - FIT, 10_000)
    ]


def test_distinct_categories_are_bounded() -> None:
    renderer = TableRenderer(recording(), run_id="r", time_format="utc")
    for i in range(1000):
        renderer.on_event(event(i, category=f"cat{i}"))
    assert len(renderer.counts) <= table_module.MAX_COUNTED_CATEGORIES + 1
    assert sum(renderer.counts.values()) == 1000
    renderer.close({})


def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = table_module.build_view

    def counting(*args: Any, **kwargs: Any) -> RenderableType:
        calls.append(kwargs["shown"])
        return real(*args, **kwargs)

    monkeypatch.setattr(table_module, "build_view", counting)
    return calls


def test_a_flood_is_drawn_at_most_max_fps(monkeypatch: pytest.MonkeyPatch) -> None:
    builds = count_builds(monkeypatch)
    clock = Clock()
    renderer = TableRenderer(recording(), run_id="r", time_format="utc", clock=clock)
    renderer.on_state(ConnState("live"))
    for i in range(1000):
        renderer.on_event(event(i))
        renderer.flush()
        clock.now += 0.00005
    assert len(builds) <= 2
    renderer.close({})
    assert builds[-1] == 1000  # the final view shows everything


def test_on_event_never_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    builds = count_builds(monkeypatch)
    renderer = TableRenderer(recording(), run_id="r", time_format="utc", clock=Clock())
    for i in range(100):
        renderer.on_event(event(i))
    assert builds == []
    renderer.close({})


def test_due_says_when_a_skipped_redraw_may_happen(monkeypatch: pytest.MonkeyPatch) -> None:
    builds = count_builds(monkeypatch)
    clock = Clock()
    renderer = TableRenderer(recording(), run_id="r", time_format="utc", clock=clock)
    assert renderer.due() == 0.0  # the first view is pending
    renderer.on_state(ConnState("live"))
    assert builds == [0]
    assert renderer.due() is None  # nothing pending
    clock.now += 0.03
    renderer.on_event(event(1))
    renderer.flush()
    assert builds == [0]  # skipped: too soon
    assert renderer.due() == pytest.approx(0.07)
    clock.now += 0.07
    assert renderer.due() == 0.0
    renderer.flush()
    assert builds == [0, 1]
    assert renderer.due() is None
    renderer.close({})


def test_state_changes_are_rate_capped_too(monkeypatch: pytest.MonkeyPatch) -> None:
    builds = count_builds(monkeypatch)
    clock = Clock()
    renderer = TableRenderer(recording(), run_id="r", time_format="utc", clock=clock, max_fps=5)
    renderer.on_state(ConnState("live"))
    renderer.on_state(ConnState("reconnecting", retry_in=2))
    assert len(builds) == 1
    assert renderer.due() == pytest.approx(0.2)
    clock.now += 0.2
    renderer.flush()
    assert len(builds) == 2
    renderer.close({})


def assert_live_display_gone(console: Console) -> None:
    """Text printed now goes out as it is: with a live display still on this console, rich
    would redraw the table under it (cursor moves, the view again)."""
    file = console.file
    before = file.getvalue()  # type: ignore[attr-defined]
    console.print("after", style=None)
    assert file.getvalue()[len(before) :] == "after\n"  # type: ignore[attr-defined]


def test_close_draws_the_final_view_and_stops_live() -> None:
    clock = Clock()
    console = recording()
    renderer = TableRenderer(console, run_id="r", time_format="utc", clock=clock)
    renderer.on_state(ConnState("live"))
    renderer.on_event(event(1))
    renderer.flush()  # skipped: too soon
    renderer.close({"r": RunEnded("r", "completed", "", "", "")})
    assert not renderer._live.is_started
    screens = console.export_text(clear=False).split("run r  ")
    assert screens[-2].startswith("live")  # first frame before the event
    assert screens[-1].startswith("ended: completed")
    assert "event-1" in screens[-1]
    written = console.file.getvalue()  # type: ignore[attr-defined]
    assert written.endswith("\x1b[?25h")  # cursor shown again
    renderer.close({})  # a second close is harmless
    assert console.file.getvalue() == written  # type: ignore[attr-defined]
    assert_live_display_gone(console)


def test_close_without_anything_shown_still_stops_cleanly() -> None:
    console = recording()
    renderer = TableRenderer(console, run_id="r", time_format="utc")
    renderer.close({})
    assert not renderer._live.is_started
    assert_live_display_gone(console)
    assert "run r  stopped" in console.export_text()


def test_close_after_a_state_of_ended_keeps_it() -> None:
    console = recording(terminal=False)
    renderer = TableRenderer(console, run_id="r", time_format="utc")
    renderer.on_state(ConnState("ended", ended_status="failed"))
    renderer.close({})
    assert "ended: failed" in console.export_text()


def test_a_pipe_gets_only_the_final_view() -> None:
    console = recording(terminal=False)
    renderer = TableRenderer(console, run_id="r", time_format="utc")
    renderer.on_state(ConnState("live"))
    renderer.on_event(event(1))
    renderer.flush()
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]
    renderer.close({})
    written = console.export_text()
    assert written.count("run r") == 1
    assert "event-1" in written


def test_follows_terminal_resizes(monkeypatch: pytest.MonkeyPatch) -> None:
    heights: list[int] = []
    real = table_module.build_view

    def spy(*args: Any, **kwargs: Any) -> RenderableType:
        heights.append(kwargs["height"])
        return real(*args, **kwargs)

    monkeypatch.setattr(table_module, "build_view", spy)
    clock = Clock()
    console = recording()
    renderer = TableRenderer(console, run_id="r", time_format="utc", clock=clock)
    renderer.on_state(ConnState("live"))
    console.size = (80, 10)
    clock.now += 1
    renderer.on_event(event(1))
    renderer.flush()
    renderer.close({})
    assert heights == [HEIGHT, 10, 10]


def test_relative_time_starts_at_the_first_event() -> None:
    console = recording(terminal=False)
    renderer = TableRenderer(console, run_id="r", time_format="relative")
    renderer.on_event(event(10))
    renderer.on_event(event(75))
    renderer.close({})
    lines = console.export_text().splitlines()
    assert [line.split()[0] for line in lines[4:]] == ["+0.000s", "+1m05.0s"]


def test_a_reconnect_under_way_shows_no_countdown() -> None:
    header = view([], state=ConnState("reconnecting", attempt=2)).export_text().splitlines()[0]
    assert header.split()[2:] == ["reconnecting", "0", "events", "shown"]


def test_a_resize_is_redrawn_even_when_no_event_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    builds = count_builds(monkeypatch)
    clock = Clock()
    console = recording()
    renderer = TableRenderer(console, run_id="r", time_format="utc", clock=clock)
    renderer.on_state(ConnState("live"))
    clock.now += 1
    renderer.flush()
    assert len(builds) == 1  # same size, nothing new: no redraw
    console.size = (60, 12)
    renderer.flush()
    assert len(builds) == 1  # the size is polled at most every SIZE_POLL seconds
    clock.now += table_module.SIZE_POLL
    renderer.flush()
    assert len(builds) == 2
    assert renderer.due() is None
    clock.now += 1
    renderer.flush()
    assert len(builds) == 2  # drawn at the new size: nothing pending
    renderer.close({})


def test_nothing_is_drawn_after_close(monkeypatch: pytest.MonkeyPatch) -> None:
    console = recording()
    renderer = TableRenderer(console, run_id="r", time_format="utc", clock=Clock())
    renderer.on_state(ConnState("live"))
    renderer.close({})
    written = console.file.getvalue()  # type: ignore[attr-defined]
    renderer.on_state(ConnState("reconnecting", retry_in=3))
    renderer.on_event(event(1))
    console.size = (60, 12)
    renderer.flush()
    assert console.file.getvalue() == written  # type: ignore[attr-defined]
    assert not renderer._live.is_started


def test_the_live_view_leaves_the_cursor_on_a_line_of_its_own() -> None:
    """An echoed ^C must not wrap after a full-width row: the live view ends with an empty
    line (the final view does not: the end-of-run line goes right below the table)."""
    console = recording()
    renderer = TableRenderer(console, run_id="r", time_format="utc", clock=Clock())
    renderer.on_state(ConnState("live"))
    live = plain(console.file.getvalue())  # type: ignore[attr-defined]
    assert live.endswith("─\n")  # the rule, then the empty line the cursor rests on
    renderer.close({})
    written = plain(console.file.getvalue())  # type: ignore[attr-defined]
    assert written.endswith("─\n\x1b[?25h")  # no empty line between the table and what follows


def plain(written: str) -> str:
    """What was written without its colour escapes (cursor and line escapes kept)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", written)


# -- several runs: a header that says how each one is doing ------------------------------------


def ended(run_id: str, status: str) -> ConnState:
    return ConnState("ended", ended_status=status, run_id=run_id)


def several_view(runs: dict[str, ConnState], state: ConnState | None = None) -> Console:
    """``build_view`` of two runs' events, with each run's latest state."""
    console = recording()
    rows = [event(1, runId="run_a"), event(2, runId="run_b")]
    console.print(
        build_view(
            rows,
            run_id="run_a, run_b",
            state=state or next(reversed(runs.values())),
            counts={"network": 2},
            shown=2,
            time_format=TimeFormatter("utc"),
            height=HEIGHT,
            width=WIDTH,
            runs=runs,
        )
    )
    return console


def test_several_runs_sum_up_their_states_while_some_is_followed() -> None:
    runs = {"run_a": ConnState("live", run_id="run_a"), "run_b": ended("run_b", "failed")}
    console = several_view(runs)
    title = console.export_text(clear=False).splitlines()[0]
    assert title.rstrip() == "runs run_a, run_b  1 live, 1 ended: failed  2 events shown"
    assert "red" in style_of(console, "ended: failed")
    assert "green" in style_of(console, "live")
    # runs in the same state are counted together; a reconnect's reason is left to stderr
    waiting = ConnState("reconnecting", retry_in=2, reason="HTTP 503", run_id="run_c")
    three = {**runs, "run_a": waiting, "run_c": waiting}
    title = several_view(three).export_text().splitlines()[0]
    assert "2 reconnecting in 2s, 1 ended: failed  2 events shown" in title


def test_once_every_run_ended_each_run_shows_its_status_failures_in_red() -> None:
    from bctrl_tail.render.pretty import RUN_STYLES

    console = several_view(
        {"run_a": ended("run_a", "completed"), "run_b": ended("run_b", "failed")}
    )
    title = console.export_text(clear=False).splitlines()[0]
    assert title.rstrip() == "runs ended: run_b failed, run_a completed  2 events shown"
    assert "red" in style_of(console, "failed")
    assert "green" in style_of(console, "completed")
    assert style_of(console, "run_a ") == str(RUN_STYLES[0])  # the first run given
    # failures first (in the order given): a title cut at the terminal's width shows them
    three = {
        "run_a": ended("run_a", "failed"),
        "run_b": ended("run_b", "completed"),
        "run_c": ended("run_c", "timed_out"),
    }
    title = several_view(three).export_text().splitlines()[0]
    assert "ended: run_a failed, run_c timed_out, run_b completed  2 events" in title


def test_what_stopped_the_whole_tail_stands_for_every_run_not_ended() -> None:
    runs = {"run_a": ConnState("live", run_id="run_a"), "run_b": ended("run_b", "failed")}
    title = several_view(runs, ConnState("interrupted")).export_text().splitlines()[0]
    assert "1 interrupted, 1 ended: failed" in title
    error = ConnState("error", reason="HTTP 500")
    title = several_view(runs, error).export_text().splitlines()[0]
    assert "1 error: HTTP 500, 1 ended: failed" in title


def two_runs_table(console: Console) -> TableRenderer:
    renderer = TableRenderer(
        console, run_id="run_a, run_b", time_format="utc", run_ids=("run_a", "run_b")
    )
    for run_id in ("run_a", "run_b"):
        renderer.on_state(ConnState("live", run_id=run_id))
        renderer.on_event(event(1, runId=run_id))
    return renderer


def test_the_final_screen_shows_every_runs_ending_whichever_came_last() -> None:
    console = recording(terminal=False)
    renderer = two_runs_table(console)
    renderer.on_state(ended("run_b", "failed"))
    renderer.on_state(ended("run_a", "completed"))  # the last state to arrive: not the story
    renderer.close(
        {
            "run_a": RunEnded("run_a", "completed", "", "", ""),
            "run_b": RunEnded("run_b", "failed", "", "", ""),
        }
    )
    title = console.export_text().splitlines()[0]
    assert title.rstrip() == "runs ended: run_b failed, run_a completed  2 events shown"


def test_a_tail_stopped_before_every_run_ended_says_so_for_the_others() -> None:
    console = recording(terminal=False)
    renderer = two_runs_table(console)
    renderer.on_state(ended("run_b", "failed"))
    renderer.close({"run_b": RunEnded("run_b", "failed", "", "", "")})  # -n stopped run_a
    assert "1 stopped, 1 ended: failed" in console.export_text().splitlines()[0]
    console = recording(terminal=False)
    renderer = two_runs_table(console)
    renderer.on_state(ConnState("interrupted"))  # Ctrl-C: the CLI marks the whole tail
    renderer.close({})
    assert "runs run_a, run_b  2 interrupted" in console.export_text().splitlines()[0]


def test_the_run_column_colour_is_the_runs_own_whatever_came_first() -> None:
    from bctrl_tail.render.pretty import RunColours

    runs = {r: ConnState("live", run_id=r) for r in ("run_a", "run_b")}
    colours = RunColours(runs)
    assert colours("run_a") != colours("run_b")
    for order in (["run_a", "run_b"], ["run_b", "run_a"]):
        console = view([event(i, runId=r) for i, r in enumerate(order)], width=100, runs=runs)
        for run_id in order:
            assert style_of(console, run_id) == str(colours(run_id))
