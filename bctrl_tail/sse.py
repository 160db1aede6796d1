"""SSE decoding from the HTML standard's algorithm: bytes in, frames out, no I/O.

Lines are split on bytes (CR, LF and CRLF, even across chunks), each run of complete blocks is
decoded to text once (invalid UTF-8 becomes U+FFFD) and split into blocks by one regex, which
also reads the fields of a block in the usual shape; other blocks are parsed line by line.
Only new bytes are searched for a block end, so huge and many-line events stay linear.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, cast

_BOM = b"\xef\xbb\xbf"
MAX_BLOCK = 64 * 2**20  # bytes of one unfinished event block
# Longer retry values are clamped: int() refuses >4300 digits; 10**18 ms is 31 million years.
_RETRY_MAX_DIGITS = 18
_RETRY_MAX = int("9" * _RETRY_MAX_DIGITS)
# Per block: the block, then the fields of its usual shape: event and id lines in either order,
# each optional, then data (event, "i" if an id line, id, "e" if event after id, that event,
# "d" if a data line, the rest). The rest runs to the block's end: when it holds a line break
# the block is not in the usual shape after all. The head never scans a data line, so a block
# that is not in the usual shape costs no backtracking through its data; "data: " with nothing
# after the space is left to the line parser (the rest may not be empty).
_BLOCKS = re.compile(
    r"\n*((?:(?:event: ?(.*)\n)?(?:(i)d: ?(.*)\n)?(?:(e)vent: ?(.*)\n)?(d)ata:(?: (?=.)|(?! )))?"
    r"(.+(?:\n.+)*))(?:\n\n|\Z)"
)


class BlockTooLarge(ValueError):
    """The server sent more than MAX_BLOCK bytes without ending an event."""


class Frame(NamedTuple):  # a tuple: made and unpacked faster than any class, once per event
    """One SSE block that ended with a blank line.

    ``dispatch`` is False for blocks that dispatch nothing by the SSE rules (comments only, an
    id or retry without data); they still matter for ``raw`` output and for the last event id.
    """

    event: str  # the SSE event type; "message" when the block names none
    data: str  # data lines joined with "\n"
    id: str  # the last event id in force after this block ("" when none)
    has_id: bool  # True when this block carried its own valid ``id`` field
    retry: int | None  # a valid ``retry`` (ms) from this block, the last one when several
    dispatch: bool
    text: str  # the block's lines as received (LF-joined, U+FFFD repaired), no blank line

    @property
    def raw(self) -> bytes:
        """The block as received, line endings normalised to LF, ending in a blank line."""
        return (self.text + "\n\n").encode("utf-8")


_new = cast(Any, tuple.__new__)  # Frame's own __new__ is a Python function: slower per event


def _retry_ms(value: str) -> int | None:
    """A ``retry`` value counts only when it is all ASCII digits; huge ones are clamped."""
    if not (value.isascii() and value.isdigit()):
        return None
    digits = value.lstrip("0")
    return _RETRY_MAX if len(digits) > _RETRY_MAX_DIGITS else int(digits or "0")


class SSEDecoder:
    """Incremental decoder for one connection's byte stream.

    One leading UTF-8 BOM is dropped; the unfinished block at the end is never dispatched; the
    last event id persists across blocks (and from the previous connection); ``id`` values
    containing NUL are ignored; blocks that dispatch nothing are still reported.
    """

    __slots__ = ("_after_cr", "_head", "_last_id", "_pending", "_retry", "_size", "_start")

    def __init__(self, last_event_id: str = "") -> None:
        self._last_id = last_event_id
        self._retry: int | None = None
        self._pending: list[bytes] = []  # the unfinished block: no leading LF, no blank line
        self._size = 0  # bytes in _pending, bounded by MAX_BLOCK
        self._after_cr = False  # the previous chunk ended with CR: skip one leading LF
        self._start = True  # a BOM may still come (possibly split over chunks)
        self._head = b""  # bytes held back while they could be the start of a BOM

    @property
    def last_event_id(self) -> str:
        """The SSE "last event ID buffer": the id to send as Last-Event-ID on reconnection."""
        return self._last_id

    @property
    def retry_ms(self) -> int | None:
        """The last valid ``retry`` value seen by this decoder, else None."""
        return self._retry

    def feed(self, chunk: bytes) -> list[Frame]:
        """Every block completed by ``chunk``, in order (possibly none)."""
        if self._start:
            head = self._head + chunk
            if len(head) < 3 and _BOM.startswith(head):
                self._head = head
                return []
            self._start, self._head = False, b""
            chunk = head[3:] if head.startswith(_BOM) else head
        if self._after_cr and chunk:
            self._after_cr = False
            if chunk[0] == 10:  # the LF of a CRLF split across chunks
                chunk = chunk[1:]
        if not chunk:
            return []
        if b"\r" in chunk:
            self._after_cr = chunk[-1] == 13
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        pending = self._pending
        if pending:  # only the new bytes are searched, plus the LF that may end pending
            if b"\n\n" not in chunk and not (chunk[0] == 10 and pending[-1][-1] == 10):
                self._hold(chunk)
                return []
            pending.append(chunk)
            data = b"".join(pending)
            pending.clear()
            self._size = 0
        else:
            data = chunk.lstrip(b"\n")  # blank lines with no pending line dispatch nothing
            if b"\n\n" not in data:
                if data:
                    self._hold(data)
                return []
        end = data.rfind(b"\n\n")
        if end + 2 < len(data):
            self._hold(data[end + 2 :].lstrip(b"\n"))
        # decoded through a view: a batch is large, and a copy of it costs page faults
        return self._parse(str(memoryview(data)[:end], "utf-8", "replace").rstrip("\n"))

    def _hold(self, part: bytes) -> None:
        """Keep part of the unfinished block, within MAX_BLOCK (a server may never end one)."""
        self._size += len(part)
        if self._size > MAX_BLOCK:
            raise BlockTooLarge(f"an event larger than {MAX_BLOCK // 2**20} MiB")
        if part:
            self._pending.append(part)

    def _parse(self, text: str) -> list[Frame]:
        """Frames for complete blocks separated by blank lines (the last one's removed)."""
        frames: list[Frame] = []
        add = frames.append
        last_id = self._last_id
        for block, event, has_id, value, again, event2, usual, data in _BLOCKS.findall(text):
            if not usual or "\n" in data:
                fields = self._fields(block, last_id)
                last_id = fields[2]
                add(_new(Frame, (*fields, block)))
                continue
            if again:
                event = event2
            if has_id and "\x00" not in value:
                last_id = value
                add(_new(Frame, (event or "message", data, value, True, None, True, block)))
            else:
                add(_new(Frame, (event or "message", data, last_id, False, None, True, block)))
        self._last_id = last_id
        return frames

    def _fields(self, block: str, last_id: str) -> tuple[str, str, str, bool, int | None, bool]:
        """A block of any shape, line by line: the Frame's fields but its text."""
        data: list[str] = []
        event, has_id, retry = "", False, None
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
            elif name == "id":
                if "\x00" not in value:
                    last_id, has_id = value, True
            elif name == "retry":
                ms = _retry_ms(value)
                if ms is not None:
                    retry = self._retry = ms
        return event or "message", "\n".join(data), last_id, has_id, retry, bool(data)

    def close(self) -> list[Frame]:
        """End of stream: discard the unfinished block (it must not be dispatched truncated).

        Its complete ``retry`` lines still count (the spec applies one when its line is
        parsed); its id does not (the last event id changes only when a block ends).
        """
        pending = b"".join(self._pending)
        last_id = self._last_id
        self._parse(pending[: max(pending.rfind(b"\n"), 0)].decode("utf-8", "replace"))
        self._last_id = last_id
        self._pending, self._size, self._after_cr, self._head = [], 0, False, b""
        return []
