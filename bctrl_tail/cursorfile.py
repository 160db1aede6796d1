"""--cursor-file: the id of the last event output, saved atomically at least once a second."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


class CursorFile:
    """Remembers the last output id and writes it with temp file + rename, never half-written."""

    def __init__(self, path: Path | None, *, interval: float = 1.0) -> None:
        self.path = path
        self._interval = interval
        self._current: str | None = None
        self._saved: str | None = None
        self._saved_at = float("-inf")

    def update(self, event_id: str) -> None:
        self._current = event_id

    def maybe_save(self, now: float) -> None:
        if self._current != self._saved and now - self._saved_at >= self._interval:
            self.save()
            self._saved_at = now

    def save(self) -> None:
        """Write now if anything changed since the last write."""
        if self.path is None or self._current is None or self._current == self._saved:
            return
        directory = self.path.parent if str(self.path.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self._current + "\n")
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._saved = self._current
