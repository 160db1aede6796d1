"""The garbage collector while the viewer runs: full collections kept rare and small.

The viewer keeps up to 100,000 entries alive, and each event leaves one more object behind, so
the collector's counts climb with every event (in ``jsonl`` each event's objects die at once).
With the default thresholds that meant about nine full collections in a flood of 200,000
events, each walking Textual's objects and every kept entry (~55 ms each, ~0.5 s in all, with
the GIL held: the tail and the socket reader wait meanwhile). Two changes, for the viewer's
process only and undone when it closes:

- ``freeze`` once the screen is up: the objects of Textual's start-up (modules, widgets, styles
  — they live as long as the app) go to the permanent generation, which no collection walks.
  Frozen objects are still freed by reference counting as usual.
- the oldest generation's threshold raised from 10 to 100 younger collections: full
  collections become rare (at most one in such a flood), while the young generations, where
  short-lived cycles die, are collected as often as before.

Entries hold no references to containers and are freed by reference counting when let go, so
nothing of the viewer's waits for a full collection to be freed.
"""

from __future__ import annotations

import gc
from types import TracebackType

OLDEST_THRESHOLD = 100  # younger collections between full ones (Python's default: 10)


class QuietCollector:
    """``with QuietCollector() as collector: … collector.freeze()``: the viewer's policy for
    the collector, restored on leaving."""

    def __init__(self) -> None:
        self._saved = gc.get_threshold()
        self._frozen = False

    def __enter__(self) -> QuietCollector:
        self._saved = gc.get_threshold()
        young, middle, _ = self._saved
        gc.set_threshold(young, middle, OLDEST_THRESHOLD)
        return self

    def freeze(self) -> None:
        """Called once the screen is up: what exists now lives as long as the app."""
        gc.freeze()
        self._frozen = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        gc.set_threshold(*self._saved)
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
