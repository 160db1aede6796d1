"""Renderers: jsonl, raw, pretty and table behind one small interface.

The tail loop calls, in order: ``on_state`` whenever the connection state changes, ``on_frame``
for every SSE frame received (only ``raw`` writes these), ``on_event`` for every run event that
is selected for output, ``flush`` after each network chunk has been handled, and ``close`` once
at the end (with the ``run.ended`` frame when there was one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bctrl_tail.events import RunEnded, RunEvent
from bctrl_tail.sse import Frame


@dataclass(frozen=True, slots=True)
class ConnState:
    """What the header of a live view shows about the connection."""

    phase: str  # "connecting" | "live" | "reconnecting" | "ended"
    retry_in: float = 0.0  # seconds, when reconnecting
    attempt: int = 0
    ended_status: str = ""  # when ended


class Renderer(Protocol):
    def on_state(self, state: ConnState) -> None: ...

    def on_frame(self, frame: Frame) -> None: ...

    def on_event(self, event: RunEvent) -> None: ...

    def flush(self) -> None: ...

    def close(self, ended: RunEnded | None) -> None: ...
