"""Ctrl-C, SIGTERM and SIGHUP as exceptions in the main thread, held back while a frame is drawn.

Python runs signal handlers in the main thread whichever thread the kernel picked, so a flag
checked here is enough: a redraw cut in half by KeyboardInterrupt would leave a torn frame
that the final screen cannot cover.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from bctrl_tail.errors import HungUp, Terminated

_held = False
_pending: int | None = None


def _raise(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated
    if signum == getattr(signal, "SIGHUP", None):
        raise HungUp
    raise KeyboardInterrupt


def _handler(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _held:
        _pending = signum
        return
    _raise(signum)


def install() -> None:
    """SIGINT raises KeyboardInterrupt, SIGTERM Terminated and SIGHUP (the terminal was
    closed) HungUp, all deferrable: each ends the tail the same way, saving the cursor file."""
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    if hasattr(signal, "SIGHUP"):  # not on Windows
        signal.signal(signal.SIGHUP, _handler)


@contextmanager
def held() -> Iterator[None]:
    """Deliver Ctrl-C/SIGTERM/SIGHUP only after the block, e.g. once a frame is fully written."""
    global _held, _pending
    if _held:
        yield
        return
    _held = True
    try:
        yield
    finally:
        _held = False
        signum, _pending = _pending, None
        if signum is not None:
            _raise(signum)
