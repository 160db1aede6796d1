"""The shared base of the byte-stream renderers: collect per chunk, write once, flush."""

from __future__ import annotations

from collections.abc import Mapping
from typing import BinaryIO

from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.render import ConnState


class BufferedRenderer:
    """Writes what a network chunk produced in one write and one flush: fast on a backlog,
    and still immediate for a reader, since every chunk ends with a flush."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._pending: list[bytes] = []

    def on_state(self, state: ConnState) -> None:
        pass

    def on_event(self, event: RunEvent) -> None:
        pass

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._out.write(data)
            self._out.flush()

    def due(self) -> float | None:
        return None

    def close(self, ended: Mapping[str, RunEnded]) -> None:
        self.flush()
