"""``pretty`` lines and ``--time-format``: one safe, coloured line per event."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment

from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.render import ConnState
from bctrl_tail.render.pretty import PrettyRenderer, is_failure
from bctrl_tail.render.timefmt import MISSING, TimeFormatter, format_relative
from tests.unit import consoles

RED = "red"
INJECTION = {
    "type": "console.\x1b[2Jlog\u202e",
    "name": "\x1b]0;title\x07[bold red]x[/]",
    "message": "clip \x1b]52;c;aGVsbG8=\x07 \x9b31m c1",
    "status": "\x1b[31mok",
    "category": "console\x1b[5m",
    "data": {"level": "\x1b[2J", "nested": {"x": "\x1b]0;t\x07"}},
}


def recording(width: int = 200, height: int = 40) -> Console:
    return consoles.recording(width, height)


def event(data: dict[str, Any], id_: str = "1") -> RunEvent:
    return RunEvent(id=id_, data=data)


def render(*events: RunEvent, time_format: str = "utc", width: int = 200) -> Console:
    console = recording(width=width)
    renderer = PrettyRenderer(console, time_format=time_format)
    for ev in events:
        renderer.on_event(ev)
    return console


def segment_style(console: Console, text: str) -> str:
    """The style of the first recorded segment containing ``text``."""
    segments: list[Segment] = console._record_buffer
    for segment in segments:
        if text in segment.text and segment.style is not None:
            return str(segment.style)
    raise AssertionError(f"{text!r} not rendered")


def test_line_fields() -> None:
    ev = event(
        {
            "type": "network.response",
            "time": "2024-05-01T12:00:01.234Z",
            "status": "ok",
            "data": {"method": "GET", "url": "https://example.com/", "status": 200},
        }
    )
    text = render(ev).export_text()
    assert text == "12:00:01.234Z network/network.response ok GET 200 https://example.com/\n"


def test_console_level_fills_an_empty_status() -> None:
    ev = event(
        {
            "type": "console.message",
            "time": "2024-05-01T12:00:01.234Z",
            "message": "boom",
            "data": {"level": "error"},
        }
    )
    console = render(ev)
    assert RED in segment_style(console, "boom")
    assert console.export_text() == "12:00:01.234Z console/console.message error boom\n"


def test_category_is_coloured() -> None:
    console = render(event({"type": "network.request", "name": "n"}))
    assert "cyan" in segment_style(console, "network")


@pytest.mark.parametrize(
    "data",
    [
        {"type": "network.request", "status": "failed", "name": "boom"},
        {"type": "network.failed", "name": "boom"},
        {"type": "page.error", "name": "boom"},
        {"type": "page.crash", "name": "boom"},
        {"type": "captcha.solve.failed", "name": "boom"},
        {"type": "console.message", "message": "boom", "data": {"level": "error"}},
        {"type": "console.message", "message": "boom", "status": "error"},
        {"type": "console.message", "message": "boom", "level": "ERROR"},
    ],
)
def test_failures_are_red(data: dict[str, Any]) -> None:
    ev = event(data)
    assert is_failure(ev)
    assert RED in segment_style(render(ev), "boom")


@pytest.mark.parametrize(
    "data",
    [
        {"type": "network.request", "status": "ok", "name": "fine"},
        {"type": "console.message", "message": "fine", "data": {"level": "warning"}},
        {"type": "navigation", "name": "fine", "data": {"level": "error"}},
    ],
)
def test_non_failures_are_not_red(data: dict[str, Any]) -> None:
    ev = event(data)
    assert not is_failure(ev)
    assert RED not in segment_style(render(ev), "fine")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "--:--:-- event/run.event\n"),
        ({"type": 42, "status": 7, "name": ["a", 1]}, '--:--:-- event/42 7 ["a",1]\n'),
        ({"type": "x", "time": "not a time"}, "--:--:-- event/x\n"),
        ({"type": "x", "time": 1714564801.5}, "12:00:01.500Z event/x\n"),
        ({"type": "x", "time": 1714564801500}, "12:00:01.500Z event/x\n"),
        ({"type": "x", "timestamp": "2024-05-01T12:00:01Z"}, "12:00:01.000Z event/x\n"),
        ({"type": "x", "data": {"a": {"b": [1, 2]}}}, '--:--:-- event/x a={"b":[1,2]}\n'),
        ({"type": "x", "category": 5, "data": "text"}, "--:--:-- event/x text\n"),
    ],
)
def test_odd_events(data: dict[str, Any], expected: str) -> None:
    assert render(event(data)).export_text() == expected


def test_huge_summary_stays_one_line_and_is_capped() -> None:
    ev = event({"type": "x", "message": "y" * 100_000})
    text = render(ev, width=80).export_text()
    assert text.count("\n") == 1
    assert text.endswith("…\n")
    assert len(text) < 10_000


def test_long_lines_are_not_wrapped() -> None:
    ev = event({"type": "x", "message": "word " * 100})
    assert render(ev, width=40).export_text().count("\n") == 1


def test_injection_never_reaches_the_terminal() -> None:
    console = render(event(INJECTION))
    written = console.file.getvalue()  # type: ignore[attr-defined]
    for bad in ("\x1b]", "\x1b[2J", "\x1b[5m", "\x07", "\x9b", "\u202e"):
        assert bad not in written
    assert "[bold red]x[/]" in written
    assert console.export_text() == "--:--:-- console/console.log ok [bold red]x[/]\n"


def test_state_and_close_write_nothing() -> None:
    console = recording()
    renderer = PrettyRenderer(console, time_format="utc")
    renderer.on_state(ConnState("live", run_id="r"))
    renderer.flush()
    assert renderer.due() is None
    renderer.close({"r": RunEnded("r", "failed", "", "", "")})
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_relative_time_is_since_the_first_event_shown() -> None:
    events = [
        event({"type": "a"}),
        event({"type": "b", "time": "2024-05-01T12:00:00Z"}),
        event({"type": "c", "time": "2024-05-01T12:00:12.345Z"}),
        event({"type": "d", "time": "2024-05-01T12:01:02.3Z"}),
    ]
    lines = render(*events, time_format="relative").export_text().splitlines()
    assert [line.split()[0] for line in lines] == [MISSING, "+0.000s", "+12.345s", "+1m02.3s"]


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "+0.000s"),
        (12.345, "+12.345s"),
        (59.9994, "+59.999s"),
        (59.9996, "+1m00.0s"),
        (62.3, "+1m02.3s"),
        (3599.94, "+59m59.9s"),
        (3599.96, "+1h00m00s"),
        (3723.4, "+1h02m03s"),
        (-1.5, "-1.500s"),
    ],
)
def test_format_relative(seconds: float, expected: str) -> None:
    assert format_relative(seconds) == expected


WHEN = dt.datetime(2024, 5, 1, 12, 0, 1, 234567, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("time_format", "expected"),
    [
        ("local", "14:00:01.234"),
        ("utc", "12:00:01.234Z"),
        ("iso", "2024-05-01T12:00:01.234Z"),
        ("relative", "+0.000s"),
    ],
)
def test_time_formats(time_format: str, expected: str) -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    formatter = TimeFormatter(time_format, tz=plus_two)
    assert formatter(WHEN) == expected
    assert formatter(None) == MISSING


@pytest.mark.parametrize("time_format", ["local", "utc", "iso"])
@pytest.mark.parametrize("sent", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_time_beyond_the_calendar_in_utc_shows_as_missing(time_format: str, sent: str) -> None:
    """Found by fuzzing: such a time parses (its own fields are in range), but has no UTC or
    local form; it used to end the tail with an internal error (OverflowError)."""
    event = RunEvent("e1", {"type": "t", "time": sent})
    assert event.time is not None
    assert TimeFormatter(time_format)(event.time) == MISSING
    line = PrettyRenderer(consoles.recording(80, 5), time_format=time_format).line(event)
    assert line.plain == f"{MISSING} event/t"


def test_local_time_uses_the_local_zone_by_default() -> None:
    assert TimeFormatter("local")(WHEN) == WHEN.astimezone().strftime("%H:%M:%S.234")


def test_unknown_time_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="fortnightly"):
        TimeFormatter("fortnightly")


def test_flush_flushes_the_file() -> None:
    class File(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    out = File()
    renderer = PrettyRenderer(Console(file=out, markup=False), time_format="utc")
    renderer.flush()
    assert out.flushes == 1


def test_only_relative_needs_an_origin() -> None:
    relative = TimeFormatter("relative")
    assert relative.needs_origin
    relative.observe(None)
    assert relative.needs_origin
    relative.observe(WHEN)
    assert not relative.needs_origin
    assert relative(WHEN + dt.timedelta(seconds=2)) == "+2.000s"
    assert not TimeFormatter("utc").needs_origin


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError


def test_a_closed_pipe_raises_broken_pipe_not_system_exit() -> None:
    """`| head -1`: the error reaches the caller, which exits 0 quietly (rich would exit 1)."""
    from bctrl_tail.terminal import make_console

    console = make_console(_ClosedPipe(), color=False, is_tty=False)
    renderer = PrettyRenderer(console, time_format="utc")
    with pytest.raises(BrokenPipeError):
        renderer.on_event(RunEvent(id="1", data={"type": "navigation"}))
    renderer.on_event(RunEvent(id="2", data={"type": "navigation"}))  # dropped now


def test_several_runs_lead_each_line_with_the_run_id_in_its_own_stable_colour() -> None:
    from bctrl_tail.render.pretty import RUN_STYLES

    console = recording()
    renderer = PrettyRenderer(console, time_format="utc", run_ids=("run_a", "run_longer"))
    renderer.on_event(RunEvent(id="2", data={"type": "x"}, run_id="run_longer"))
    renderer.on_event(RunEvent(id="1", data={"type": "x"}, run_id="run_a"))
    # by their place on the command line, whichever came first: never two alike
    assert segment_style(console, "run_a") == str(RUN_STYLES[0])  # before export clears
    assert segment_style(console, "run_longer") == str(RUN_STYLES[1])
    lines = console.export_text(styles=False).splitlines()
    assert lines[1].startswith("run_a      ") and lines[0].startswith("run_longer ")
    assert all(style.color is not None and style.color.name != "red" for style in RUN_STYLES)
    # nor once drawn in the 16 colours of a terminal: red (1, 9), white (7, 15), black (0, 8)
    standard = {s.color.downgrade(ColorSystem.STANDARD).number for s in RUN_STYLES if s.color}
    assert not standard & {0, 1, 7, 8, 9, 15}
    one = recording()
    PrettyRenderer(one, time_format="utc", run_ids=("run_a",)).on_event(
        RunEvent(id="1", data={"type": "x"}, run_id="run_a")
    )
    assert "run_a" not in one.export_text(styles=False)  # one run: no run column
