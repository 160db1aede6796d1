"""SSE decoding: bytes in, frames out, no I/O. The only module that imports sseclient.

sseclient-py parses the fields of each event block; this module feeds it and fixes what it
gets wrong on its own (see the class docstring).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Frame:
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
    raw: bytes  # the block as received, line endings normalised to b"\n", ending in b"\n\n"


class SSEDecoder:
    """Incremental decoder for one connection's byte stream (to be written)."""

    def __init__(self, last_event_id: str = "") -> None:
        raise NotImplementedError

    def feed(self, chunk: bytes) -> list[Frame]:
        raise NotImplementedError

    def close(self) -> list[Frame]:
        raise NotImplementedError
