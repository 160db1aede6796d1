"""Renderers: jsonl, raw, pretty and table behind one small interface.

The tail loop calls ``on_state`` whenever the connection state changes, ``on_frame`` for every
frame that is not a run event (heartbeats, comments, ``run.ended``, unknown names: only ``raw``
writes these), ``on_event`` for every run event selected for output, ``flush`` after each
network chunk has been handled (and when ``due()`` says a redraw is pending), and ``close`` once
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

    phase: str  # "connecting" | "live" | "reconnecting" | "ended" | "interrupted" | "terminated"
    retry_in: float = 0.0  # seconds, when reconnecting
    attempt: int = 0
    ended_status: str = ""  # when ended
    reason: str = ""  # when reconnecting: why the last attempt failed


class Renderer(Protocol):
    def on_state(self, state: ConnState) -> None: ...

    def on_frame(self, frame: Frame) -> None: ...

    def on_event(self, event: RunEvent) -> None: ...

    def flush(self) -> None: ...

    def due(self) -> float | None:
        """Seconds until a pending redraw is due, or None when nothing is pending."""
        ...

    def close(self, ended: RunEnded | None) -> None: ...
