"""raw output: blocks as received on a pipe; visible escapes for control characters on a tty."""

from __future__ import annotations

import io

from bctrl_tail.render.raw import RawOutput

HOSTILE = "data: a\x1b[2Jb\x07\tc\x9b31m \u202eevil\x00\n\n".encode()


def written(terminal: bool, blocks: list[bytes]) -> bytes:
    out = io.BytesIO()
    sink = RawOutput(out, terminal=terminal)
    sink.write_raw(blocks)
    assert out.getvalue() == b""  # written at the end of the network chunk
    sink.flush()
    return out.getvalue()


def test_a_pipe_gets_the_blocks_byte_for_byte() -> None:
    assert written(False, [b": hi\n\n", HOSTILE]) == b": hi\n\n" + HOSTILE


def test_a_terminal_gets_visible_escapes_for_control_characters() -> None:
    text = written(True, [b": hi\n\n", HOSTILE]).decode("utf-8")
    assert text == ": hi\n\n" + "data: a\\x1b[2Jb\\x07\tc\\x9b31m \\u202eevil\\x00\n\n"
