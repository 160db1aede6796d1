"""Offline use: the standalone simulator's switches as the client sees them, and record/replay."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_latency import read_line_with_timeout
from tests.support import child_env, run_cli


class Server:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bctrl_tail.simulator", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=child_env(),
        )
        line = read_line_with_timeout(self.proc.stdout, 15)
        assert line and "serving http://" in line, line
        self.url = line.split("serving ", 1)[1].strip()

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=10)
        assert self.proc.returncode == 0, err
        return err


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    srv = Server(*request.param)
    try:
        yield srv
    finally:
        if srv.proc.poll() is None:
            srv.stop()


def demo_ids(stdout: str) -> list[str]:
    return [json.loads(line)["id"] for line in stdout.splitlines()]


EXPECTED = [f"evt_{i:04d}" for i in range(1, 75)]


@pytest.mark.parametrize("server", [["--speed", "500", "--drop-every", "30"]], indirect=True)
def test_drop_every_is_ridden_out(server: Server) -> None:
    result = run_cli("run_demo", "--base-url", server.url, timeout=60)
    assert result.code == 0, result.stderr
    assert demo_ids(result.stdout) == EXPECTED
    assert result.stderr.count("reconnecting in") == 2


@pytest.mark.parametrize("server", [["--speed", "500", "--stall", "5:3"]], indirect=True)
def test_stall_meets_the_idle_timeout(server: Server) -> None:
    result = run_cli("run_demo", "--base-url", server.url, "--idle-timeout", "0.5", "-v")
    assert result.code == 0, result.stderr
    assert demo_ids(result.stdout) == EXPECTED
    assert "idle timeout" in result.stderr


@pytest.mark.parametrize(
    "server", [["--speed", "500", "--status", "503", "--status-count", "2", "--retry-after", "1"]],
    indirect=True,
)  # fmt: skip
def test_status_with_retry_after_then_the_stream(server: Server) -> None:
    result = run_cli("run_demo", "--base-url", server.url)
    assert result.code == 0, result.stderr
    assert demo_ids(result.stdout) == EXPECTED
    assert result.stderr.count("HTTP 503") == 2


@pytest.mark.parametrize("server", [["--status", "404"]], indirect=True)
def test_status_404_is_exit_5(server: Server) -> None:
    assert run_cli("run_demo", "--base-url", server.url).code == 5


@pytest.mark.parametrize(
    "server", [["--speed", "500", "--require-key", "bctrl_sim_key_123", "-v"]], indirect=True
)
def test_require_key_is_checked_and_never_logged(server: Server) -> None:
    assert run_cli("run_demo", "--base-url", server.url, key="wrong").code == 4
    ok = run_cli("run_demo", "--base-url", server.url, key="bctrl_sim_key_123")
    assert ok.code == 0
    assert "bctrl_sim_key_123" not in server.stop()


def test_record_then_replay_gives_identical_lines(tmp_path: Path) -> None:
    recorded = run_cli("--demo", "--demo-speed", "200", "-o", "jsonl", key=None)
    assert recorded.code == 0
    recording = tmp_path / "run.jsonl"
    recording.write_text(recorded.stdout)
    srv = Server("--no-demo", "--replay", str(recording), "--rate", "2000")
    try:
        replayed = run_cli("run_demo", "--base-url", srv.url)
        filtered = run_cli("run_demo", "--base-url", srv.url, "-c", "network", "--limit", "7")
    finally:
        srv.stop()
    assert replayed.code == 0, replayed.stderr
    assert replayed.stdout == recorded.stdout
    network = [ln for ln in recorded.stdout.splitlines() if json.loads(ln)["category"] == "network"]
    assert filtered.stdout.splitlines() == network


def test_malformed_recording_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id":"e1","type":"navigation"}\n{not json\n')
    proc = subprocess.run(
        [sys.executable, "-m", "bctrl_tail.simulator", "--port", "0", "--replay", str(bad)],
        capture_output=True,
        text=True,
        timeout=20,
        env=child_env(),
    )
    assert proc.returncode == 2
    assert f"{bad}:2" in proc.stderr


def test_a_second_tail_of_an_ended_run_gets_its_history_at_once_with_the_same_times() -> None:
    from bctrl_tail.simulator import Run, Simulator

    events = [{"id": f"e{n}", "type": "navigation"} for n in range(4)]
    with Simulator() as sim:
        sim.add_run(Run("run_1", events, delays=[0.0, 0.3, 0.3, 0.3]))
        args = ("run_1", "--base-url", sim.base_url, "-o", "jsonl")
        first = run_cli(*args, key="k")
        second = run_cli(*args, "--time-format", "relative", key="k")
        since = run_cli(*args, "--since", "0.5s", key="k")
    assert first.code == second.code == since.code == 0
    assert first.lines == second.lines and len(first.lines) == 4  # the same times, not new ones
    times = [json.loads(line)["time"] for line in first.lines]
    assert times == sorted(times)
    assert len(since.lines) < 4  # the oldest events are older than --since: dropped
