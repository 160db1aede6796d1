"""--cursor-file: one resume point per run, read at start and saved atomically.

The file is one JSON object::

    {"format": "bctrl-tail.cursor/1", "baseUrl": BASE, "runs": {RUN_ID: LAST_ID, ...}}

A run's id is kept beside its cursor so that a file reused for another run can never make it
skip events, and the base URL so that a cursor of one API is never sent to another. Entries
of runs not being followed are kept when the file is rewritten, so one file can serve a CI job
that tails different batches of runs, one after the other or at the same time.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bctrl_tail.errors import UsageError

FORMAT = "bctrl-tail.cursor/1"
MAX_BYTES = 64 * 1024 * 1024  # far above any real file; refuses /dev/zero and the like


@dataclass(frozen=True)
class SavedCursors:
    """What a cursor file held at start, for the base URL being tailed."""

    base_url: str = ""  # the base URL the cursors are for (what a rewrite records)
    runs: Mapping[str, str] = field(default_factory=dict)  # for this base URL only
    other_base_url: str | None = None  # the file was written for another API: none applied


def _malformed(path: Path, why: str) -> UsageError:
    return UsageError(
        f"malformed --cursor-file {path}: {why}",
        detail=f'expected {{"format": "{FORMAT}", "baseUrl": …, "runs": {{RUN_ID: LAST_ID}}}};'
        " delete the file to start from the beginning",
    )


def parse_cursor_file(text: str, path: Path, base_url: str) -> SavedCursors:
    """The cursors of ``text`` for ``base_url``; UsageError (exit 2) naming ``path`` for
    anything that is not this format. A blank file (``mktemp``) holds no cursor yet."""
    if not text.strip():
        return SavedCursors(base_url)
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise _malformed(path, "not a JSON object") from None
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise _malformed(path, f"not a {FORMAT} file")
    base, runs = value.get("baseUrl"), value.get("runs")
    if not isinstance(base, str) or not base:
        raise _malformed(path, '"baseUrl" must be a URL')
    if not isinstance(runs, dict) or not all(
        isinstance(key, str) and key and isinstance(cursor, str) and cursor
        for key, cursor in runs.items()
    ):
        raise _malformed(path, '"runs" must map run ids to event ids (non-empty strings)')
    if base.rstrip("/") != base_url.rstrip("/"):
        return SavedCursors(base_url, other_base_url=base)
    return SavedCursors(base_url, dict(runs))


def read_cursor_file(path: Path, base_url: str) -> SavedCursors:
    """The saved cursors, or none when the file does not exist yet.

    Its folder must exist and be writable now: finding out at the first save would lose the
    resume point of events already shown.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write --cursor-file {path}: no writable folder {folder}")
    try:
        info = path.stat()
    except FileNotFoundError:
        return SavedCursors(base_url)
    except OSError as exc:
        raise UsageError(f"cannot read --cursor-file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        # Each save replaces the path with a new file: a device (/dev/null), a pipe or a
        # folder there would be replaced, or would block the start.
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise UsageError(
            f"--cursor-file {path} is {kind}",
            hint="give the path of a file (it need not exist yet): it is rewritten at every"
            " save; leave the option out to keep no resume points",
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return SavedCursors(base_url)
    except OSError as exc:
        raise UsageError(f"cannot read --cursor-file {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise _malformed(path, "far too large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed(path, "not UTF-8 text") from None
    return parse_cursor_file(text.removeprefix("\ufeff"), path, base_url)


def cursor_document(base_url: str, runs: Mapping[str, str]) -> bytes:
    """The file's bytes: UTF-8 JSON (ids are any text; \\u escapes where UTF-8 cannot go)."""
    document = {"format": FORMAT, "baseUrl": base_url, "runs": dict(runs)}
    try:
        return (json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return (json.dumps(document) + "\n").encode("ascii")


class CursorFile:
    """Remembers the last output id of every run and writes them all with temp file + fsync +
    rename: a reader (or the next run, even after a crash) sees the old file or the new one,
    never half of one.

    Tails running at the same time may share one file (a CI job splitting a batch of runs):
    each save takes a lock on the folder, reads the file again, and writes back what it
    found with only this tail's own runs changed, so no tail undoes another's progress.

    ``save`` raises OSError; the caller decides whether that ends the tail.
    """

    def __init__(
        self,
        path: Path | None,
        base_url: str = "",
        saved: Mapping[str, str] | None = None,
        *,
        interval: float = 1.0,
    ) -> None:
        self.path = path
        self._base_url = base_url
        self._runs: dict[str, str] = dict(saved or {})
        self._mine: set[str] = set()  # the runs this tail moved on: only these it writes
        self._interval = interval
        self._changed = False
        self._tried_at = float("-inf")
        self._held: dict[str, str] = {}  # handed to the output, not yet known to be written

    def current(self, run_id: str) -> str | None:
        return self._runs.get(run_id)

    def hold(self, run_id: str, event_id: str) -> None:
        """``event_id`` was handed to the output; it counts once ``commit`` says the output
        was flushed. An event whose write failed (a full disk, a closed pipe) is thus never
        skipped by the next run."""
        self._held[run_id] = event_id

    def commit(self) -> None:
        """The output was flushed: every held id is now the run's cursor."""
        if self._held:
            for run_id, event_id in self._held.items():
                self.update(run_id, event_id)
            self._held.clear()

    def update(self, run_id: str, event_id: str) -> None:
        if event_id and self._runs.get(run_id) != event_id:
            self._runs[run_id] = event_id
            self._mine.add(run_id)
            self._changed = True

    def maybe_save(self, now: float) -> None:
        """Save when something changed and the last try is `interval` old: at most once per
        interval, failed tries included (a full disk must not cost a syscall per chunk)."""
        if self._changed and now - self._tried_at >= self._interval:
            self._tried_at = now
            self.save()

    def save(self) -> None:
        """Write now if anything changed since the last write."""
        if self.path is None or not self._changed:
            return
        with _folder_lock(self.path):
            runs = {**self._runs, **_entries_now(self.path, self._base_url)}
            runs.update((run_id, self._runs[run_id]) for run_id in self._mine)
            write_atomically(self.path, cursor_document(self._base_url, runs))
        self._changed = False


def _entries_now(path: Path, base_url: str) -> dict[str, str]:
    """What the file holds now for ``base_url`` (another tail may have saved since we read
    it); nothing when it is gone, unreadable or for another API."""
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_BYTES).decode("utf-8")
        return dict(parse_cursor_file(text.removeprefix("\ufeff"), path, base_url).runs)
    except (OSError, UnicodeDecodeError, UsageError):
        return {}


@contextlib.contextmanager
def _folder_lock(path: Path) -> Iterator[None]:
    """Hold an advisory lock on the file's folder (POSIX ``flock``), so two tails never read
    and replace the file at the same time. Where folders cannot be locked, no lock."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        import fcntl

        fd = os.open(directory, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_atomically(path: Path, data: bytes) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(directory)


def _sync_folder(directory: Path) -> None:
    """Make the rename itself durable, so a power cut cannot bring the old file back."""
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
