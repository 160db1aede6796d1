"""Whatever bytes a server sends, the whole in-process pipeline survives them.

Hostile SSE byte streams (odd field lines, ids with NUL and invalid UTF-8, lone CRs, JSON of
every shape and none, ``run.ended`` with malformed data, heartbeats with garbage) are chopped
into random chunks and fed through the decoder and the event core of one or several runs to
every renderer: jsonl into bytes, the raw sink, ``pretty`` and ``table`` into recording rich
consoles (down to 20 columns), and the viewer's data side (bridge, store, rows, detail,
header) with no terminal. Nothing may raise; jsonl stays one JSON object per event; what the
human modes show holds no control character but newline; the end-of-run line can be written.

``BCTRL_FUZZ_EXAMPLES`` raises the example counts for a long local hunt.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot

from bctrl_tail.config import Config, Options, build_config
from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.flow import Flow, end_line
from bctrl_tail.render import ConnState
from bctrl_tail.render.columns import cells, layout, row_line
from bctrl_tail.render.jsonl import JsonlRenderer
from bctrl_tail.render.pretty import PrettyRenderer
from bctrl_tail.render.raw import RawOutput
from bctrl_tail.render.table import TableRenderer
from bctrl_tail.render.timefmt import TIME_FORMATS
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.detail import pretty_json, readable_json, title_of
from bctrl_tail.render.view.header import Display, header_text
from bctrl_tail.render.view.store import Filters, Store, parse_entry
from bctrl_tail.reporter import Reporter
from bctrl_tail.sse import SSEDecoder
from tests.hostile import (
    RUNS,
    UNSAFE_RAW,
    UNSAFE_SHOWN,
    chunked,
    event_objects,
    streams,
    utf8,
)
from tests.unit import consoles, viewkit

EXAMPLES = int(os.environ.get("BCTRL_FUZZ_EXAMPLES", "0"))
NOW = dt.datetime(2026, 6, 25, 12, 0, tzinfo=dt.timezone.utc)
WIDTHS = (20, 80, 132)
# What the viewer writes is its own styling and placing (SGR and cursor position: ESC [ ... m,
# ESC [ row ; col H) and nothing else: no other
# escape, no C1 or bidi control from an event can reach the terminal.
VIEWER_UNSAFE = re.compile(
    "\x1b(?!\\[[0-9;]*[mH])|[\x00-\x09\x0b-\x1a\x1c-\x1f\x7f-\x9f\u061c\u200e\u200f"
    "\u202a-\u202e\u2066-\u2069]"
)


def examples(n: int, **more: Any) -> Any:
    return settings(
        max_examples=EXAMPLES or n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        **more,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[tuple[str, ...], list[tuple[str, bytes]]]:
    """Runs, and their chunks in one interleaved order of arrival."""
    runs = RUNS[: draw(st.integers(1, 3))]
    queues = {run: draw(chunked(draw(streams()))) for run in runs}
    order: list[tuple[str, bytes]] = []
    while any(queues.values()):
        run = draw(st.sampled_from([r for r in runs if queues[r]]))
        order.append((run, queues[run].pop(0)))
    return runs, order


option_sets = st.sampled_from(
    [
        {},
        {"exit_status": True},
        {"grep": ("e",), "exclude": ("x",)},
        {"since": "2026-06-25T11:00:00Z"},
        {"until": ("page.*",)},
        {"max_events": 3},
    ]
)


def config(runs: tuple[str, ...], options: dict[str, Any]) -> Config:
    opts = Options(run_ids=runs, **options)
    return build_config(opts, env={"BCTRL_API_KEY": "bctrl_k"}, stdout_is_tty=False, now=NOW)


# --- the pipeline ---------------------------------------------------------------------------


class Outcome:
    """What one stream did: the events output (in order), the raw blocks, stderr's lines."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self.raw: list[bytes] = []
        self.ended: dict[str, RunEnded] = {}
        self.stderr = io.StringIO()
        self.reporter = Reporter(self.stderr, verbose=True)


def follow(
    runs: tuple[str, ...], order: list[tuple[str, bytes]], options: dict[str, Any]
) -> Outcome:
    """The tail loop's work without sockets: decode each run's chunks, decide with its event
    core, say what it noted, count ``-n`` across runs, write each run's end-of-run line."""
    cfg = config(runs, options)
    flows = {run: Flow(cfg, run, raw=True) for run in runs}
    decoders = {run: SSEDecoder() for run in runs}
    out = Outcome()
    done: set[str] = set()
    for run, chunk in order:
        if run in done:
            continue
        step = flows[run].feed(decoders[run].feed(chunk))
        for level, line in step.notes:
            getattr(out.reporter, level)(line)
        out.raw += step.raw
        out.events += step.events
        if cfg.max_events is not None and len(out.events) >= cfg.max_events:
            out.events = out.events[: cfg.max_events]
            break
        if step.ended is not None:
            out.ended[run] = step.ended
            line = end_line(run, step.ended, shown=flows[run].shown, reconnects=1)
            out.reporter.info(line)
        if step.stop is not None:
            done.add(run)
    for run, flow in flows.items():
        decoders[run].close()
        flow.stream_closed(decoders[run].retry_ms)
        if run not in out.ended:
            line = end_line(run, None, shown=flow.shown, reconnects=0, stopped="interrupted")
            out.reporter.info(line + f" {flow.last_id!r}")
    return out


def shown_text(console: Console) -> str:
    """What a console showed, as text: styles and cursor movement left out."""
    return console.export_text(styles=False)


def assert_safe(text: str, what: str) -> None:
    bad = UNSAFE_SHOWN.search(text)
    assert bad is None, f"{what} shows {bad.group()!r} in {text[max(bad.start() - 40, 0) :][:80]!r}"
    text.encode("utf-8")  # no lone surrogate reaches a terminal


def check_jsonl(out: Outcome, runs: tuple[str, ...], terminal: bool) -> None:
    sink = io.BytesIO()
    renderer = JsonlRenderer(sink, terminal=terminal, run_ids=len(runs) > 1)
    for event in out.events:
        renderer.on_event(event)
    renderer.close(out.ended)
    lines = sink.getvalue().split(b"\n")
    assert lines.pop() == b""
    assert len(lines) == len(out.events)
    for line, event in zip(lines, out.events, strict=True):
        value = json.loads(line)
        expected = event.data if len(runs) == 1 else {"runId": event.run_id, **event.data}
        assert value == expected  # the same object, escaped or not
        if terminal:
            assert UNSAFE_RAW.search(line.decode("utf-8")) is None


def check_raw(out: Outcome, terminal: bool) -> None:
    sink = io.BytesIO()
    raw = RawOutput(sink, terminal=terminal)
    raw.write_raw(out.raw)
    raw.close(out.ended)
    assert sink.getvalue() == b"".join(out.raw) or terminal
    if terminal:
        assert UNSAFE_RAW.search(sink.getvalue().decode("utf-8")) is None


def check_pretty(out: Outcome, runs: tuple[str, ...], width: int, time_format: str) -> None:
    console = consoles.recording(width, 24)
    renderer = PrettyRenderer(console, time_format=time_format, run_ids=runs)
    for event in out.events:
        renderer.on_event(event)
    renderer.flush()
    renderer.close(out.ended)
    shown = shown_text(console)
    assert shown.count("\n") == len(out.events)  # one line each, however long
    assert_safe(shown, "pretty")


def check_table(out: Outcome, runs: tuple[str, ...], width: int, time_format: str) -> None:
    console = consoles.recording(width, 12)
    renderer = TableRenderer(
        console, run_id=", ".join(runs), time_format=time_format, max_fps=0, run_ids=runs
    )
    for run in runs:
        renderer.on_state(ConnState("live", run_id=run))
    for event in out.events:
        renderer.on_event(event)
        renderer.flush()
    for run, ended in out.ended.items():
        renderer.on_state(ConnState("ended", ended_status=ended.status, run_id=run))
    renderer.close(out.ended)
    assert_safe(shown_text(console), "table")


def check_view(out: Outcome, runs: tuple[str, ...], width: int, time_format: str) -> None:
    """The viewer's data side: the bridge, the store, every row, each detail and the header."""
    woken: list[int] = []
    summary = consoles.recording(width, 24)
    bridge = ViewRenderer(time_format=time_format, console=summary, max_fps=0)
    bridge.attach(lambda: woken.append(1))
    for run in runs:
        bridge.on_state(ConnState("live", run_id=run))
    for event in out.events:
        bridge.on_event(event)
    bridge.flush()
    batch = bridge.take()
    assert len(batch.entries) == len(out.events)
    store = Store()
    store.add(batch.entries)
    console = consoles.recording(width, 24)
    lay = layout(width, time_format=time_format, runs=len(store.runs) > 1)
    formatter = bridge.formatter
    for i in range(len(store)):
        entry = store.row(i)
        event = parse_entry(entry)
        console.print(row_line(cells(event, formatter(event.time), entry.run_id), lay))
        shown = readable_json(entry)
        console.print(title_of(entry, shown))
        console.print(Text(shown))
        console.print(Text(pretty_json(entry)))  # what c copies
    states = {
        run: ConnState("ended", ended_status=e.status, run_id=run) for run, e in out.ended.items()
    }
    console.print(header_text(", ".join(runs), ConnState("live"), states, store, Display()))
    store.set_filters(Filters(text="\x1b[", failures=True, run_id=runs[-1]))
    console.print(header_text(runs[0], ConnState("live"), {}, store, Display(paused=True)))
    assert_safe(shown_text(console), "view")
    bridge.finished(store)
    bridge.close(out.ended)
    assert_safe(shown_text(summary), "view summary")


def check_stderr(out: Outcome) -> None:
    text = out.stderr.getvalue()
    assert_safe(text, "stderr")
    for run in out.ended:
        assert f"run {run} ended: " in text


def check_all(
    runs: tuple[str, ...],
    order: list[tuple[str, bytes]],
    options: dict[str, Any],
    width: int,
    time_format: str,
    checks: tuple[Callable[..., None], ...],
) -> Outcome:
    out = follow(runs, order, options)
    check_stderr(out)
    for check in checks:
        if check is check_jsonl:
            check_jsonl(out, runs, terminal=False)
            check_jsonl(out, runs, terminal=True)
        elif check is check_raw:
            check_raw(out, terminal=False)
            check_raw(out, terminal=True)
        else:
            check(out, runs, width, time_format)
    return out


# --- the properties -------------------------------------------------------------------------


@examples(20)
@given(scenarios(), option_sets)
def test_the_event_core_and_byte_outputs_survive_any_stream(
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]], options: dict[str, Any]
) -> None:
    runs, order = scenario
    check_all(runs, order, options, 80, "utc", (check_jsonl, check_raw))


@examples(20)
@given(scenarios(), option_sets, st.sampled_from(WIDTHS), st.sampled_from(TIME_FORMATS))
def test_pretty_survives_any_stream(
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]],
    options: dict[str, Any],
    width: int,
    time_format: str,
) -> None:
    runs, order = scenario
    check_all(runs, order, options, width, time_format, (check_pretty,))


@pytest.mark.parametrize("check", [check_table, check_view], ids=["table", "view-data"])
@examples(15)
@given(scenarios(), st.sampled_from(WIDTHS), st.sampled_from(TIME_FORMATS))
def test_the_table_and_the_viewer_data_side_survive_any_stream(
    check: Callable[..., None],
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]],
    width: int,
    time_format: str,
) -> None:
    runs, order = scenario
    check_all(runs, order, {}, width, time_format, (check,))


@examples(30)
@given(event_objects, st.sampled_from(WIDTHS), st.sampled_from(TIME_FORMATS))
def test_any_event_object_renders_in_every_human_mode(
    obj: dict[str, Any], width: int, time_format: str
) -> None:
    """Straight to the renderers, without SSE in between: more shapes per second."""
    body = b"id: e1\ndata: " + utf8(json.dumps(obj, ensure_ascii=False)) + b"\n\n"
    order = [("run_a", body)]
    out = check_all(
        ("run_a",),
        order,
        {},
        width,
        time_format,
        (check_jsonl, check_pretty, check_table, check_view),
    )
    assert len(out.events) == 1


@examples(2, phases=(Phase.explicit, Phase.generate))  # shrinking an app takes minutes
@given(scenarios(), st.sampled_from([(20, 8), (100, 24)]))
def test_the_viewer_screens_survive_any_stream(
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]], size: tuple[int, int]
) -> None:
    """The real viewer, headless: rows, then the newest event's detail, a filter, failures,
    the next run; the screen never holds what a terminal would act on."""
    runs, order = scenario
    out = follow(runs, order, {})

    async def body(pilot: Pilot[int], renderer: ViewRenderer) -> None:
        for run in runs:
            renderer.on_state(ConnState("live", run_id=run))
        await viewkit.feed(pilot, renderer, out.events)
        for keys in (["enter"], ["escape", "slash", "e", "enter"], ["f", "r", "home"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert_safe(viewkit.screen_text(pilot.app), "viewer")
            written = viewkit.screen_ansi(pilot.app)
            assert VIEWER_UNSAFE.search(written) is None, "viewer wrote a control sequence"
        for run, ended in out.ended.items():
            renderer.on_state(ConnState("ended", ended_status=ended.status, run_id=run))
        await viewkit.end_run(pilot, renderer, "failed", code=3)
        assert_safe(viewkit.screen_text(pilot.app), "viewer")

    viewkit.run(body, size=size)


@pytest.mark.parametrize(
    ("key", "check"),
    [("x", check_jsonl), ("type", check_pretty), ("status", check_table), ("x", check_view)],
    ids=["jsonl", "pretty", "table", "view"],
)
def test_a_value_nested_1000_deep_in_an_object_is_shown_or_wrapped(
    key: str, check: Callable[..., None]
) -> None:
    """Found by fuzzing: before Python 3.12 the stdlib encoder, which writes what orjson
    cannot (over 255 levels), ran out of stack near 1000 levels. Data nested deeper than
    jsontext.MAX_DEPTH is now taken as not a JSON object: the event is wrapped, as text."""
    depth = 1000  # orjson reads up to 1024 levels; the stdlib (< 3.12) writes fewer
    body = f'data: {{"type":"t","{key}":'.encode() + b"[" * depth + b"]" * depth + b"}\n\n"
    out = follow(("run_a",), [("run_a", body)], {})
    assert len(out.events) == 1
    assert set(out.events[0].data) == {"event", "id", "data"}  # wrapped: the text, kept whole
    if check is check_jsonl:
        check_jsonl(out, ("run_a",), terminal=False)
    else:
        check(out, ("run_a",), 80, "utc")
