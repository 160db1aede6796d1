"""The standalone simulator warns when it listens where other machines can reach it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bctrl_tail.simulator.__main__ import _is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback_addresses_need_no_warning(host: str) -> None:
    assert _is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.test"])
def test_other_addresses_are_warned_about(host: str) -> None:
    assert not _is_loopback(host)


def test_the_warning_is_printed_even_with_quiet() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bctrl_tail.simulator", "--host", "0.0.0.0", "--port", "0", "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "http://" in proc.stdout.readline()  # the URL line: it is up, warning written
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert "warning: listening on 0.0.0.0: other machines can reach" in stderr
