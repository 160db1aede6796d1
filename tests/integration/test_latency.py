"""An event is on stdout while the server still holds the connection open."""

from __future__ import annotations

import json
import subprocess
import threading

import pytest

from bctrl_tail.simulator import Run, Simulator
from tests.support import KEY, child_env, cli_command


def read_line_with_timeout(stream: object, timeout: float) -> str | None:
    """One line from a pipe, or None when nothing came in time (no sleeps: a reader thread)."""
    box: list[str] = []
    done = threading.Event()

    def reader() -> None:
        box.append(stream.readline())  # type: ignore[attr-defined]
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    return box[0] if done.wait(timeout) else None


@pytest.mark.parametrize("close_delimited", [False, True], ids=["chunked", "close-delimited"])
@pytest.mark.parametrize("output", ["jsonl", "raw"])
def test_first_event_arrives_while_the_server_waits(
    sim: Simulator, close_delimited: bool, output: str
) -> None:
    gate = threading.Event()
    events = [{"id": "e1", "type": "navigation"}, {"id": "e2", "type": "page.load"}]
    sim.add_run(Run("run_1", events, gate=gate, close_delimited=close_delimited))
    proc = subprocess.Popen(
        [*cli_command(), "run_1", "--base-url", sim.base_url, "-o", output],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=child_env({"BCTRL_API_KEY": KEY}),
    )
    try:
        line = read_line_with_timeout(proc.stdout, 30)  # a guard: the server holds on
        assert line is not None, "no output while the server held the connection"
        assert not gate.is_set()
        if output == "jsonl":
            assert json.loads(line)["id"] == "e1"
        else:
            assert line.startswith("event: run.event")
        gate.set()
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "e2" in out
    finally:
        gate.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
