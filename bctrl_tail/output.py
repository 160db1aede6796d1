"""stdout as the renderers write to it: a failed write ends the tail in the user's terms.

``BrokenPipeError`` (the reader left: ``| head -1``) passes unchanged, and the caller exits
quietly with 0. EIO from a terminal means the terminal was closed: ``HungUp``, as SIGHUP
would (a terminal the output was sent to but not started from sends no SIGHUP). Any other
failure, such as a full disk, is an ``OutputError``: one line, exit 1.

After a failure nothing more is written (what follows is dropped) and stdout's descriptor
points at /dev/null, so what Python still holds in its buffers cannot fail again, with a
traceback, at exit; ``lost`` tells the cursor file not to move past what no reader got.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import Any

from bctrl_tail.errors import HungUp, TailError


class OutputError(TailError):
    """stdout could not be written: nothing more can be shown."""


class Output:
    """stdout's text stream (and, from ``binary``, its byte stream) with writes that fail as
    the module says; anything else is the stream's own (``isatty``, ``fileno``…)."""

    def __init__(self, stream: Any, *, terminal: bool, owner: Output | None = None) -> None:
        self._stream = stream
        self.terminal = terminal  # stdout was a terminal at start (a closed one answers no)
        self._owner = owner or self
        self.failed = False  # a write failed: nothing more is written
        self.lost = False  # and what it held never reached a reader (not so for a closed terminal)

    def binary(self) -> Output:
        """The byte stream under this text stream; a failure of either is a failure of both."""
        return Output(self._stream.buffer, terminal=self.terminal, owner=self)

    def write(self, data: Any) -> Any:
        if self._owner.failed:
            return len(data)
        try:
            return self._stream.write(data)
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        if self._owner.failed:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._failed(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _failed(self, exc: OSError) -> BaseException:
        owner = self._owner
        owner.failed = True
        silence_stdout()
        if self.terminal and exc.errno == errno.EIO:
            return HungUp()  # what was shown was seen: the cursor file keeps it, as on SIGHUP
        owner.lost = True
        if isinstance(exc, BrokenPipeError):
            return exc
        return OutputError(f"cannot write to stdout: {exc.strerror or exc}")


def silence_stdout() -> None:
    """Point stdout's descriptor at /dev/null: whatever is still buffered goes nowhere."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
