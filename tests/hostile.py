"""Hypothesis strategies for what a hostile or broken server may send: SSE byte streams.

Field lines of every kind (ids with NUL and invalid UTF-8, lone CRs, garbage retry values,
fields with no colon), ``data`` that is JSON of every shape or none (deep nesting, numbers
beyond 64 bits, NaN, duplicate keys, lone surrogates, terminal escapes, rich markup, bidi
overrides, very long strings), ``run.ended`` with malformed data, heartbeats with garbage;
then cut into random chunks. Shared by the in-process fuzz tests and the CLI's.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from hypothesis import strategies as st

RUNS = ("run_a", "run_b", "run_c")

# What no human-mode output may hold: C0 (newline excepted), DEL, C1, bidi controls, surrogates.
UNSAFE_SHOWN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Raw output on a terminal keeps tab and newline as they are; nothing else a terminal acts on.
UNSAFE_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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


# Nesting depths, with the limits of orjson (255 to write, 1024 to read) and of the stdlib.
depths = st.one_of(
    st.integers(1, 3000),
    st.sampled_from([254, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 5000]),
)
nestable = depths  # every depth: too deep is wrapped as text, never a crash


def deep(depth: int, open_: str, close: str) -> str:
    return open_ * depth + close * depth


json_texts = st.one_of(
    st.builds(dumped, event_objects, st.booleans()),
    st.builds(dumped, event_objects, st.booleans()),
    st.builds(dumped, json_values, st.booleans()),
    st.builds(deep, depths, st.just("["), st.just("]")),
    st.builds(lambda n: '{"a":' * n + "1" + "}" * n, nestable),
    st.builds(
        lambda key, n: f'{{"type":"t","{key}":' + deep(n, "[", "]") + "}",
        st.sampled_from(["x", "data", "name", "status", "type", "category", "time"]),
        nestable,
    ),
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
            if draw(st.integers(0, 5)):  # else a CR or LF inside a value splits its line
                line = line.replace(b"\r", b"").replace(b"\n", b"")
            out += line
            out += draw(st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]))
    if draw(st.booleans()):
        out += draw(st.builds(b"".join, st.lists(odd_lines, max_size=2)))  # cut mid-block
    return bytes(out)


@st.composite
def chunked(draw: st.DrawFn, body: bytes) -> list[bytes]:
    cuts = sorted(draw(st.sets(st.integers(0, len(body)), max_size=12)))
    edges = [0, *cuts, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(edges)]
