"""Ctrl-C and SIGTERM wait for a frame to be written, then arrive as usual."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from bctrl_tail import interrupts
from bctrl_tail.errors import Terminated


@pytest.fixture(autouse=True)
def installed() -> Iterator[None]:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    interrupts.install()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])


@pytest.mark.parametrize(
    ("signum", "exc"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)]
)
def test_a_signal_inside_held_arrives_after_it(signum: int, exc: type[BaseException]) -> None:
    reached_end = False
    with pytest.raises(exc), interrupts.held():
        os.kill(os.getpid(), signum)
        reached_end = True
    assert reached_end


def test_outside_held_it_arrives_at_once() -> None:
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        pytest.fail("not interrupted")
