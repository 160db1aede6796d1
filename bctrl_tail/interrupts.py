"""Ctrl-C and SIGTERM as exceptions in the main thread, held back while a frame is drawn.

Python runs signal handlers in the main thread whichever thread the kernel picked, so a flag
checked here is enough: a redraw cut in half by KeyboardInterrupt would leave a torn frame
that the final screen cannot cover.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from bctrl_tail.errors import Terminated

_held = False
_pending: int | None = None


def _raise(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


def _handler(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _held:
        _pending = signum
        return
    _raise(signum)


def install() -> None:
    """SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated, both deferrable."""
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


@contextmanager
def held() -> Iterator[None]:
    """Deliver Ctrl-C/SIGTERM only after the block, e.g. once a frame is fully written."""
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
