"""--cursor-file: the id of the last event output, saved atomically at least once a second."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from bctrl_tail.errors import UsageError


class CursorFile:
    """Remembers the last output id and writes it with temp file + fsync + rename: a reader
    (or the next run, even after a crash) sees the old id or the new one, never half of one.

    ``save`` raises OSError; the caller decides whether that ends the tail.
    """

    def __init__(self, path: Path | None, *, interval: float = 1.0) -> None:
        self.path = path
        self._interval = interval
        self._current: str | None = None
        self._saved: str | None = None
        self._tried_at = float("-inf")

    @property
    def current(self) -> str | None:
        return self._current

    def update(self, event_id: str) -> None:
        if event_id:
            self._current = event_id

    def maybe_save(self, now: float) -> None:
        """Save when the id changed and the last try is `interval` old: at most once per
        interval, failed tries included (a full disk must not cost a syscall per chunk)."""
        if self._current != self._saved and now - self._tried_at >= self._interval:
            self._tried_at = now
            self.save()

    def save(self) -> None:
        """Write now if anything changed since the last write."""
        if self.path is None or self._current is None or self._current == self._saved:
            return
        current = self._current
        directory = self.path.parent if str(self.path.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(current + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _sync_folder(directory)
        self._saved = current


def _sync_folder(directory: Path) -> None:
    """Make the rename itself durable, so a power cut cannot bring the old id back."""
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_cursor_file(path: Path) -> str | None:
    """The saved resume point, or None when the file does not exist yet or is empty.

    Its folder must exist and be writable now: finding out at the first save would lose the
    resume point of events already shown.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write --cursor-file {path}: no writable folder {folder}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read --cursor-file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise UsageError(f"malformed --cursor-file {path}: not UTF-8 text") from None
    if "\n" in text or "\r" in text or "\x00" in text:
        raise UsageError(f"malformed --cursor-file {path}: expected one event id on one line")
    return text or None
