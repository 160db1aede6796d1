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
import itertools
import json
import os
import re
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

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
from bctrl_tail.render.view.detail import pretty_json, title_of
from bctrl_tail.render.view.header import Display, header_text
from bctrl_tail.render.view.store import Filters, Store, parse_entry
from bctrl_tail.reporter import Reporter
from bctrl_tail.sse import SSEDecoder
from tests.unit import consoles

EXAMPLES = int(os.environ.get("BCTRL_FUZZ_EXAMPLES", "0"))
NOW = dt.datetime(2026, 6, 25, 12, 0, tzinfo=dt.timezone.utc)
WIDTHS = (20, 80, 132)
RUNS = ("run_a", "run_b", "run_c")

# What no human-mode output may hold: C0 (newline excepted), DEL, C1, bidi controls, surrogates.
UNSAFE_SHOWN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Raw output on a terminal keeps tab and newline as they are; nothing else a terminal acts on.
UNSAFE_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def examples(n: int) -> Any:
    return settings(
        max_examples=EXAMPLES or n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def words(text: str) -> list[str]:
    """The space-separated parts of ``text``: long lists of odd strings stay readable."""
    return text.split(" ")


# --- hostile text and JSON ----------------------------------------------------------------------

NASTY = words(
    "\x00 \x07 \x08 \t \n \r \x0b \x0c \x1b \x1b[2J \x1b]0;pwned\x07 \x1b]52;c;aGk=\x1b\\ \x1b[31m "
    "\x1bP \x7f \x85 \x90 \x9b \x9b2J \x9d \x9c \u061c \u200e \u202e \u2066 \u2069 \u2028 \u2029 "
    "\ufeff \ufffd \u200b \u0301 \u4e16 \U0001f600 \ud800 \udfff [bold] [/] [red]x[/red] "
    ':smile: \\ " / http:// https://h.example/a/b/c?q=1 e .'
)
hostile_text = st.lists(
    st.one_of(st.sampled_from([*NASTY, " ", "\n"]), st.text(max_size=8)), max_size=12
).map("".join)
long_text = st.builds(lambda part, n: part * n, hostile_text, st.integers(0, 3000))
texts = st.one_of(hostile_text, hostile_text, long_text)

KEYS = words(
    "id type category status outcome name title message data time timestamp createdAt runId "
    "level url method statusCode error errorText failure code finishedAt"
)
# times that parse, and some at the very edges of what a datetime can hold
times = st.one_of(
    st.sampled_from(
        [
            "2026-06-25T12:00:00Z",
            "0001-01-01T00:00:00+23:59",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59.999999999Z",
            "9999-12-31",
            "2026-02-30T00:00:00Z",
            "2026-06-25 12:00:00,5+0530",
        ]
    ),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)


def objects(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.one_of(st.sampled_from(KEYS), hostile_text)
    return st.dictionaries(keys, values, max_size=6)


json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), objects(inner)),
    max_leaves=20,
)
event_objects = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(texts, scalars),
        "type": st.one_of(
            st.sampled_from(
                ["network.failed", "console.log", "page.error", "network.request", "x.y"]
            ),
            texts,
            json_values,
        ),
        "category": st.one_of(st.sampled_from(["console", "network", ""]), texts, json_values),
        "status": st.one_of(st.sampled_from(["failed", "ok", "completed"]), json_values),
        "name": json_values,
        "message": texts,
        "data": st.one_of(
            objects(json_values),
            st.fixed_dictionaries(
                {"url": st.one_of(texts, json_values)},
                optional={"method": json_values, "status": json_values, "level": json_values},
            ),
            json_values,
        ),
        "time": times,
        "timestamp": times,
        "runId": st.one_of(st.sampled_from(RUNS), texts, json_values),
        "level": json_values,
    },
)


def dumped(value: Any, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


def deep(depth: int, open_: str, close: str) -> str:
    return open_ * depth + close * depth


json_texts = st.one_of(
    st.builds(dumped, event_objects, st.booleans()),
    st.builds(dumped, event_objects, st.booleans()),
    st.builds(dumped, json_values, st.booleans()),
    st.builds(deep, st.integers(1, 3000), st.just("["), st.just("]")),
    st.builds(lambda n: '{"a":' * n + "1" + "}" * n, st.integers(1, 3000)),
    st.sampled_from(
        [
            '{"n":NaN}',
            '{"n":Infinity}',
            '{"n":-Infinity}',
            '{"big":1e999}',
            '{"big":123456789012345678901234567890}',
            '{"id":"a","id":"b","type":"t","type":{"x":1}}',
            '{"s":"\\ud800\\u001b[2J\\u202e"}',
            '{"type":"\\u0000"}',
            '"just a string"',
            "[1,2,3]",
            "null",
            "",
            "{",
            "{}",
            '{"id":1e5,"time":1e308}',
            '{"time":-1e20,"timestamp":"9999-12-31T23:59:59-23:59"}',
        ]
    ),
    texts,
)
ended_data = st.one_of(
    st.builds(
        dumped,
        st.fixed_dictionaries(
            {},
            optional={
                "runId": json_values,
                "status": st.one_of(
                    st.sampled_from(["completed", "failed", "FAILED"]), json_values
                ),
                "finishedAt": json_values,
                "failure": st.one_of(
                    st.fixed_dictionaries({}, optional={"code": json_values, "message": texts}),
                    json_values,
                ),
            },
        ),
        st.booleans(),
    ),
    json_texts,
)


# --- SSE blocks and streams -------------------------------------------------------------------


def utf8(text: str) -> bytes:
    """Text as a server might write it: lone surrogates become invalid UTF-8."""
    return text.encode("utf-8", "surrogatepass")


def data_lines(text: str) -> list[bytes]:
    """``data:`` lines for ``text``: its line breaks split it, as a server must."""
    return [b"data: " + utf8(line) for line in re.split("\r\n|\r|\n", text)]


raw_values = st.one_of(
    st.binary(max_size=20),
    st.builds(utf8, texts),
    st.sampled_from([b"", b"\x00", b"a\x00b", b"\xed\xa0\x80", b"\xff\xfe", b"\xc3", b" lead"]),
)
field_names = st.sampled_from([b"id", b"event", b"data", b"retry", b"", b"Data", b"ID", b"x"])
odd_lines = st.one_of(
    st.builds(lambda n, v: n + b":" + v, field_names, raw_values),
    st.builds(lambda n, v: n + b": " + v, field_names, raw_values),
    st.builds(lambda v: b"retry: " + v, st.one_of(st.binary(max_size=8), st.just(b"9" * 40))),
    st.builds(lambda v: b":" + v, raw_values),  # a comment
    field_names,  # a field with no colon
    raw_values,
)
event_names = st.one_of(
    st.sampled_from(["run.event", "message", "run.ended", "heartbeat", "", "RUN.ENDED"]),
    hostile_text,
)


@st.composite
def blocks(draw: st.DrawFn) -> list[bytes]:
    """One SSE block as lines (no line endings yet)."""
    kind = draw(st.sampled_from(["event", "event", "event", "ended", "heartbeat", "odd"]))
    lines: list[bytes] = []
    if draw(st.booleans()):
        lines.append(b"id: " + draw(st.one_of(st.builds(utf8, texts), raw_values)))
    if kind == "event":
        name = draw(st.sampled_from(["run.event", "message", None]))
        if name:
            lines.append(b"event: " + name.encode())
        lines += data_lines(draw(json_texts))
    elif kind == "ended":
        lines.append(b"event: run.ended")
        lines += data_lines(draw(ended_data))
    elif kind == "heartbeat":
        lines.append(b"event: heartbeat")
        lines += [b"data:" + draw(raw_values)] if draw(st.booleans()) else []
    else:
        lines.append(b"event: " + utf8(draw(event_names)))
        lines += draw(st.lists(odd_lines, max_size=5))
    if draw(st.integers(0, 4)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(odd_lines))
    return lines


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    """A whole response body: blocks, each line ended by LF, CRLF or a lone CR."""
    out = bytearray(b"\xef\xbb\xbf" if draw(st.integers(0, 9)) == 0 else b"")
    for lines in draw(st.lists(blocks(), max_size=8)):
        for line in [*lines, b""]:
            out += line.replace(b"\r", b"").replace(b"\n", b"")  # one line stays one line
            out += draw(st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]))
    if draw(st.booleans()):
        out += draw(st.builds(b"".join, st.lists(odd_lines, max_size=2)))  # cut mid-block
    return bytes(out)


@st.composite
def chunked(draw: st.DrawFn, body: bytes) -> list[bytes]:
    cuts = sorted(draw(st.sets(st.integers(0, len(body)), max_size=12)))
    edges = [0, *cuts, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(edges)]


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
        shown = pretty_json(entry)
        console.print(title_of(entry, shown))
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


@examples(60)
@given(scenarios(), option_sets)
def test_the_event_core_and_byte_outputs_survive_any_stream(
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]], options: dict[str, Any]
) -> None:
    runs, order = scenario
    check_all(runs, order, options, 80, "utc", (check_jsonl, check_raw))


@examples(40)
@given(scenarios(), option_sets, st.sampled_from(WIDTHS), st.sampled_from(TIME_FORMATS))
def test_pretty_survives_any_stream(
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]],
    options: dict[str, Any],
    width: int,
    time_format: str,
) -> None:
    runs, order = scenario
    check_all(runs, order, options, width, time_format, (check_pretty,))


@examples(25)
@given(scenarios(), st.sampled_from(WIDTHS), st.sampled_from(TIME_FORMATS))
def test_table_survives_any_stream(
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]], width: int, time_format: str
) -> None:
    runs, order = scenario
    check_all(runs, order, {}, width, time_format, (check_table,))


@examples(25)
@given(scenarios(), st.sampled_from(WIDTHS), st.sampled_from(TIME_FORMATS))
def test_the_viewer_data_side_survives_any_stream(
    scenario: tuple[tuple[str, ...], list[tuple[str, bytes]]], width: int, time_format: str
) -> None:
    runs, order = scenario
    check_all(runs, order, {}, width, time_format, (check_view,))


@examples(60)
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
