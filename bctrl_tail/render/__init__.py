"""Renderers: jsonl, pretty and table behind one small interface (raw output is a byte sink
of its own, ``render/raw.py``: renderers never see SSE frames).

The tail loop calls ``on_state`` whenever a run's connection state changes, ``on_event`` for
every run event selected for output, ``flush`` after each network chunk has been handled (and
when ``due()`` says a redraw is pending), and ``close`` once at the end, with every run that
ended (by run id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bctrl_tail.events import RunEnded, RunEvent


@dataclass(frozen=True, slots=True)
class ConnState:
    """What the header of a live view shows about the connection."""

    phase: str  # "connecting" | "live" | "reconnecting" | "ended" | "interrupted" | "terminated"
    retry_in: float = 0.0  # seconds, when reconnecting
    attempt: int = 0
    ended_status: str = ""  # when ended
    reason: str = ""  # when reconnecting: why the last attempt failed
    run_id: str = ""  # the followed run this is about ("" for all of them)


class Renderer(Protocol):
    def on_state(self, state: ConnState) -> None: ...

    def on_event(self, event: RunEvent) -> None: ...

    def flush(self) -> None: ...

    def due(self) -> float | None:
        """Seconds until a pending redraw is due, or None when nothing is pending."""
        ...

    def close(self, ended: Mapping[str, RunEnded]) -> None: ...
