"""jsonl: exact JSON for pipes; on a terminal, nothing the terminal would act on."""

from __future__ import annotations

import io
import json

from bctrl_tail.flow import make_event
from bctrl_tail.render.jsonl import JsonlRenderer
from bctrl_tail.sse import Frame

HOSTILE = {"m": "a\u009b31mb\u202ec\u2028d é ☃", "n": 1}


def write(terminal: bool, data: object) -> bytes:
    out = io.BytesIO()
    renderer = JsonlRenderer(out, terminal=terminal)
    text = json.dumps(data, ensure_ascii=False)
    event, _ = make_event(Frame("run.event", text, "e1", True, None, True, ""))
    renderer.on_event(event)
    assert out.getvalue() == b""  # nothing before the flush at the end of the chunk
    renderer.flush()
    return out.getvalue()


def test_piped_output_is_the_exact_compact_text() -> None:
    line = write(False, HOSTILE)
    assert line == (json.dumps(HOSTILE, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def test_on_a_terminal_unsafe_characters_are_escaped_but_the_json_is_the_same() -> None:
    line = write(True, HOSTILE)
    assert b"\xc2\x9b" not in line and "\u202e".encode() not in line
    assert b"\\u009b" in line and b"\\u202e" in line
    assert "é ☃".encode() in line  # ordinary text stays readable
    assert json.loads(line) == HOSTILE


def test_lone_surrogates_fall_back_to_escapes() -> None:
    line = write(False, {"m": "x\ud800y"})
    assert line == b'{"m":"x\\ud800y"}\n'
    assert json.loads(line) == {"m": "x\ud800y"}
