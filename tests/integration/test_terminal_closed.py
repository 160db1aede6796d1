"""The terminal the output goes to is closed: exit 129 (hung up), the cursor file saved.

Two ways a terminal goes away. When it is the tail's controlling terminal the kernel sends
SIGHUP; when the tail only writes to it (``bctrl-tail RUN > /dev/pts/7``, a terminal of its
own elsewhere) nothing is signalled, and the next write fails with EIO. Both mean the same to
the person who closed it, so both end the same way, in every mode that draws on a terminal.
"""

from __future__ import annotations

import fcntl
import os
import pty
import selectors
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from bctrl_tail.simulator import Run, Simulator
from tests.integration.test_pty import env
from tests.support import cli_command, saved_cursor

TIME = "2026-06-25T12:00:00.000Z"
WAIT = 20.0


def gated_run(gate: threading.Event) -> Run:
    """e0 at once; e1..e9 only once the gate is set (after the terminal was closed)."""
    events: list[dict[str, Any]] = [
        {"id": f"e{i}", "type": "console.message", "time": TIME, "message": f"message {i}"}
        for i in range(10)
    ]
    return Run("run_1", events, end_status=None, hold_open=True, heartbeat=0.2, gate=gate)


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    opened = threading.Event()
    yield opened
    opened.set()  # never leave the simulator's thread waiting


@pytest.mark.parametrize("output", ["pretty", "table", "jsonl"])
def test_a_terminal_written_to_but_not_controlling_gives_eio_and_exit_129(
    sim: Simulator, gate: threading.Event, tmp_path: Path, output: str
) -> None:
    sim.add_run(gated_run(gate))
    cursor, log = tmp_path / "cursor", tmp_path / "stderr"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            [*cli_command(), "run_1", "--base-url", sim.base_url, "-o", output,
             "--cursor-file", str(cursor)],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=stderr,
            env=env(),
            start_new_session=True,  # no controlling terminal: closing this one sends no SIGHUP
        )  # fmt: skip
    os.close(slave)
    try:
        read_until(master, b"message 0")
    finally:
        os.close(master)  # the terminal is gone: the next write to it fails with EIO
    gate.set()
    assert proc.wait(WAIT) == 129
    text = log.read_text()
    assert "internal error" not in text and "Traceback" not in text
    assert "hung up:" in text
    assert saved_cursor(cursor, "run_1") is not None


def read_until(fd: int, wanted: bytes) -> None:
    """Read the terminal until ``wanted`` was written (at most ``WAIT`` seconds)."""
    seen = b""
    deadline = time.monotonic() + WAIT
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while wanted not in seen:
            left = deadline - time.monotonic()
            assert left > 0 and selector.select(left), f"{wanted!r} never written: {seen!r}"
            seen += os.read(fd, 1 << 16)


@pytest.mark.parametrize("output", ["pretty", "table"])
def test_closing_the_controlling_terminal_exits_129(
    sim: Simulator, gate: threading.Event, tmp_path: Path, output: str
) -> None:
    sim.add_run(gated_run(gate))
    cursor = tmp_path / "cursor"
    proc = pexpect.spawn(
        cli_command()[0],
        [*cli_command()[1:], "run_1", "--base-url", sim.base_url, "-o", output,
         "--cursor-file", str(cursor)],
        env=env(),
        dimensions=(30, 120),
        timeout=WAIT,
    )  # fmt: skip
    try:
        proc.expect("message 0")
        terminal = proc.ptyproc
        terminal.fileobj.close()  # the terminal window closed: the kernel sends SIGHUP
        gate.set()
        terminal.wait()
        assert (terminal.exitstatus, terminal.signalstatus) == (129, None)
        assert saved_cursor(cursor, "run_1") is not None
    finally:
        if proc.isalive():
            proc.terminate(force=True)
