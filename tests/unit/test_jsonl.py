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


def several(data: object, run_id: str = "run_b") -> dict[str, object]:
    out = io.BytesIO()
    renderer = JsonlRenderer(out, run_ids=True)
    text = json.dumps(data, ensure_ascii=False)
    event, _ = make_event(Frame("run.event", text, "e1", True, None, True, ""), run_id)
    renderer.on_event(event)
    renderer.flush()
    line = out.getvalue()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    value = json.loads(line)
    assert isinstance(value, dict)
    return value


def test_with_several_runs_an_object_without_run_id_gets_it_added_last() -> None:
    assert list(several({"id": "e1", "type": "x"}).items()) == [
        ("id", "e1"),
        ("type", "x"),
        ("runId", "run_b"),
    ]
    assert several({}) == {"runId": "run_b"}
    assert several({"m": "x\ud800y"}) == {"m": "x\ud800y", "runId": "run_b"}
    assert several({"id": "e1", "runId": "its_own"}) == {"id": "e1", "runId": "its_own"}
    assert several({"k": 1}, run_id='a"b\\c') == {"k": 1, "runId": 'a"b\\c'}
