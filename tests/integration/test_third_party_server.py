"""Interop with an SSE server nobody on this team wrote: sse-starlette on uvicorn.

The server is killed (SIGKILL) mid-stream and started again on the same port; the tail must
reconnect, resume after the last id it output (sent back as cursor= and as UTF-8
Last-Event-ID, ids in several scripts), and output every event exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.netservers import free_port
from tests.support import KEY, child_env, cli_command

pytest.importorskip("sse_starlette")
pytest.importorskip("uvicorn")

SERVER = Path(__file__).resolve().parents[1] / "data" / "starlette_sse_server.py"
SCRIPTS = ["ascii", "事件", "событие", "حدث", "🎉", "Ωμέγα", "イベント", "✓"]
IDS = [f"{n:02d}-{SCRIPTS[n % len(SCRIPTS)]}" for n in range(40)]


class Server:
    """The uvicorn process; ``start`` returns once it says it is serving."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), str(self.port), str(self.log)],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=child_env(),
        )
        assert self.proc.stderr is not None
        ready = _wait_for_line(self.proc.stderr, "Uvicorn running on", timeout=20)
        assert ready, "uvicorn did not start"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def requests(self) -> list[dict[str, str]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def _wait_for_line(stream: IO[str], needle: str, timeout: float) -> bool:
    """Read lines until one holds ``needle``, in a thread so that the wait is bounded; keep
    draining afterwards so the server never blocks on a full pipe."""
    found = threading.Event()

    def read() -> None:
        for line in stream:
            if needle in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    return found.wait(timeout)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(free_port(), tmp_path / "requests.jsonl")
    srv.start()
    yield srv
    srv.kill()


def test_kill_and_restart_mid_stream_loses_and_repeats_nothing(server: Server) -> None:
    tail = subprocess.Popen(
        [*cli_command(), "run_x", "--base-url", f"http://127.0.0.1:{server.port}",
         "-o", "jsonl", "--timeout", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env=child_env({"BCTRL_API_KEY": KEY}),
    )  # fmt: skip
    try:
        assert tail.stdout is not None
        seen = [json.loads(tail.stdout.readline())["id"] for _ in range(10)]
        server.kill()  # mid-stream: 30 events still to come
        server.start()
        rest, stderr = tail.communicate(timeout=60)
    finally:
        tail.kill()
        tail.wait()
    assert tail.returncode == 0, stderr
    output = seen + [json.loads(line)["id"] for line in rest.splitlines()]
    assert output == IDS  # nothing lost, nothing repeated, in order
    assert "run run_x ended: completed" in stderr
    resumed = [r for r in server.requests() if r["cursor"]]
    assert resumed, server.requests()
    last_before_kill = resumed[0]["cursor"]
    assert last_before_kill in output[9:15]  # a few more may have arrived before the kill
    assert bytes.fromhex(resumed[0]["last_event_id_hex"]).decode("utf-8") == last_before_kill
