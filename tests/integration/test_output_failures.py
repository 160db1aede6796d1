"""When stdout or stderr cannot be written: one line, a documented exit code, and a cursor file
that never moves past an event the output did not take.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from bctrl_tail.simulator import Run, Simulator
from tests.support import KEY, child_env, cli_command, saved_cursor

TIME = "2026-06-25T12:00:00.000Z"
WAIT = 20.0
DEV_FULL = Path("/dev/full")


def events(n: int, prefix: str = "e") -> list[dict[str, Any]]:
    return [
        {"id": f"{prefix}{i}", "type": "console.message", "time": TIME, "message": f"message {i}"}
        for i in range(n)
    ]


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    opened = threading.Event()
    yield opened
    opened.set()  # never leave the simulator's thread waiting


def start(*args: str, stdout: Any, stderr: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*cli_command(), *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        env=child_env({"BCTRL_API_KEY": KEY}),
    )


def finish(proc: subprocess.Popen[bytes]) -> tuple[int, str, bytes]:
    """The exit code, stderr (text) and stdout (bytes), within ``WAIT``."""
    try:
        out, err = proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"still running {WAIT}s later") from None
    return proc.returncode, (err or b"").decode(), out or b""


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full here")
@pytest.mark.parametrize("output", ["jsonl", "pretty", "raw"])
def test_a_full_disk_is_one_line_exit_1_and_the_cursor_file_stays(
    sim: Simulator, tmp_path: Path, output: str
) -> None:
    sim.add_run(Run("run_1", events(5)))
    cursor = tmp_path / "cursor"
    with DEV_FULL.open("wb") as full:
        proc = start("run_1", "--base-url", sim.base_url, "-o", output,
                     "--cursor-file", str(cursor), stdout=full)  # fmt: skip
    code, err, _ = finish(proc)
    assert code == 1
    assert (
        err.splitlines()[-1] == "bctrl-tail: error: cannot write to stdout: No space left on device"
    )
    for noise in ("internal error", "Traceback", "Exception ignored", "Errno"):
        assert noise not in err
    assert saved_cursor(cursor, "run_1") is None  # not one event was written


def test_a_reader_that_left_does_not_move_the_cursor_past_what_it_took(
    sim: Simulator, gate: threading.Event, tmp_path: Path
) -> None:
    """e0 is read; the reader leaves; e1..e9 fail to be written (EPIPE): exit 0 as for
    `| head -1`, and the next run starts after e0, not after e9."""
    sim.add_run(Run("run_1", events(10), gate=gate))
    cursor = tmp_path / "cursor"
    proc = start("run_1", "--base-url", sim.base_url, "--cursor-file", str(cursor),
                 stdout=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    assert b'"id":"e0"' in lines.get(timeout=WAIT)
    proc.stdout.close()  # the reader is gone
    gate.set()
    code, err, _ = finish(proc)
    assert code == 0, err
    assert saved_cursor(cursor, "run_1") == "e0"


def closed(fd: int) -> Any:
    """A preexec_fn that closes ``fd`` in the child, as `>&-` or `2>&-` would."""
    return lambda: os.close(fd)


def test_started_with_stdout_closed_is_one_line_and_exit_1(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(2)))
    proc = subprocess.Popen(
        [*cli_command(), "run_1", "--base-url", sim.base_url],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=child_env({"BCTRL_API_KEY": KEY}),
        preexec_fn=closed(1),
    )
    code, err, _ = finish(proc)
    assert (code, err) == (1, "bctrl-tail: error: cannot write to stdout: it is closed\n")


@pytest.mark.parametrize(("run_id", "expected"), [("run_1", 0), ("run_missing", 5)])
def test_started_with_stderr_closed_keeps_the_exit_codes(
    sim: Simulator, run_id: str, expected: int
) -> None:
    sim.add_run(Run("run_1", events(2)))
    proc = subprocess.Popen(
        [*cli_command(), run_id, "--base-url", sim.base_url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=child_env({"BCTRL_API_KEY": KEY}),
        preexec_fn=closed(2),
    )
    code, _, out = finish(proc)
    assert code == expected
    assert out.count(b"\n") == (2 if expected == 0 else 0)


def read_stderr(stream: IO[bytes], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line.decode())


@pytest.mark.parametrize("stop", [["-n", "3"], ["--until", "console.*"]], ids=["-n", "--until"])
def test_a_failed_run_still_makes_exit_3_when_a_stop_condition_ends_the_tail(
    sim: Simulator, gate: threading.Event, stop: list[str]
) -> None:
    """run_bad ends failed first; then run_ok's next event meets -n or --until: with
    --exit-status, 3, not 0 (a CI job would go green on a failed run)."""
    bad = [{"id": "b0", "type": "network.request", "time": TIME}]
    sim.add_run(Run("run_bad", bad, end_status="failed"))
    ok = [{"id": "k0", "type": "network.request", "time": TIME}, *events(3)]
    sim.add_run(Run("run_ok", ok, end_status=None, hold_open=True, heartbeat=0.2, gate=gate))
    proc = start("run_bad", "run_ok", "--base-url", sim.base_url, "--exit-status", *stop,
                 stdout=subprocess.DEVNULL)  # fmt: skip
    assert proc.stderr is not None
    said: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=read_stderr, args=(proc.stderr, said), daemon=True)
    reader.start()
    while "run_bad" not in (line := said.get(timeout=WAIT)) or "ended: failed" not in line:
        pass
    gate.set()  # run_ok goes on only now
    assert proc.wait(timeout=WAIT) == 3
