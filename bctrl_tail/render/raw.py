"""raw: the SSE blocks as received (line endings normalised to \\n), comments included.

A byte sink of its own, fed by the event core's ``Step.raw``: renderers never see frames. It
is also the renderer of the raw mode, one that shows no events (their blocks are the output).
"""

from __future__ import annotations

import re
from typing import BinaryIO

from bctrl_tail.render.buffered import BufferedRenderer

# What a terminal could act on: C0 controls but tab and newline, DEL, C1 controls, and the
# bidi controls that reorder text. Shown as visible escapes, \x1b or \u202e.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(block: bytes) -> bytes:
    """``block`` with every character a terminal could act on written as a visible escape."""
    text = block.decode("utf-8", "replace")
    if _UNSAFE.search(text) is None:
        return block
    return _UNSAFE.sub(_escape, text).encode("utf-8")


class RawOutput(BufferedRenderer):
    """Writes raw blocks per network chunk; on a terminal, control characters are escaped."""

    def __init__(self, out: BinaryIO, *, terminal: bool = False) -> None:
        super().__init__(out)
        self._terminal = terminal

    def write_raw(self, blocks: list[bytes]) -> None:
        if self._terminal:
            blocks = [visible(block) for block in blocks]
        self._pending.extend(blocks)
