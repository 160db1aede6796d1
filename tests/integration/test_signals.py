"""Ctrl-C, SIGTERM and a closed stdout: exit code, summary, cursor file, and nothing left over.

The CLI runs as a subprocess whose stdout is read on a thread, so a test can wait for lines
(with a timeout) and then signal it. Nothing sleeps to wait.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import queue
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from bctrl_tail.config import Options, build_config
from bctrl_tail.errors import GaveUpError, TimedOut
from bctrl_tail.events import RunEvent
from bctrl_tail.render.jsonl import JsonlRenderer
from bctrl_tail.reporter import Reporter
from bctrl_tail.simulator import Response, Run, Simulator
from bctrl_tail.tail import Tail
from tests.support import KEY, child_env, cli_command, saved_cursor

TIME = "2026-06-25T12:00:00.000Z"
# SIGINT must reach the CLI as KeyboardInterrupt even when this test runner was started with
# SIGINT ignored (a background job): exec keeps SIG_DFL, and Python then installs its handler.
_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def events(n: int) -> list[dict[str, Any]]:
    return [{"id": f"evt_{i:05d}", "type": "console.message", "time": TIME, "seq": i,
             "message": f"event ☃ {i}"} for i in range(n)]  # fmt: skip


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll `predicate` until it holds or `timeout` passes (for state with no event to wait on)."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        tick.wait(0.02)
    return True


class Tailing:
    """bctrl-tail as a running subprocess; stdout lines and stderr are collected on threads."""

    def __init__(self, *args: str, read_stdout: bool = True) -> None:
        command = [*cli_command(), *args]
        if not os.path.isabs(command[0]):
            command[0] = str(Path(command[0]).resolve())
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _DEFAULT_SIGINT, *command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env({"BCTRL_API_KEY": KEY}),
            start_new_session=True,  # signals from a terminal reach pytest, not the CLI
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.lines: list[bytes] = []
        self._queue: queue.Queue[bytes] = queue.Queue()
        self._stderr: list[bytes] = []
        self._threads = [threading.Thread(target=self._read_err, args=(self.proc.stderr,))]
        if read_stdout:
            self._threads.append(threading.Thread(target=self._read_out, args=(self.proc.stdout,)))
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    def _read_out(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.lines.append(line)
            self._queue.put(line)

    def _read_err(self, stream: IO[bytes]) -> None:
        self._stderr.append(stream.read())

    def line(self, timeout: float = 10) -> bytes:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise AssertionError(f"no line within {timeout}s") from None

    def wait(self, timeout: float = 10) -> tuple[int, str]:
        """The exit code and stderr, once the process has exited (within `timeout`)."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"bctrl-tail still running {timeout}s later") from None
        for thread in self._threads:
            thread.join(timeout=5)
        assert_reaped(self.proc.pid)
        return code, b"".join(self._stderr).decode()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


def assert_reaped(pid: int) -> None:
    """The process is gone (exited and reaped): nothing of it is left running."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def last_id(lines: list[bytes]) -> str:
    return str(json.loads(lines[-1])["id"])


SUMMARY = re.compile(
    r"^bctrl-tail: (interrupted|terminated|hung up): (\d+) events? shown, (\d+) reconnects?, "
    r"last id (\S+)$",
    re.M,
)


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [
        (signal.SIGINT, 130, "interrupted"),
        (signal.SIGTERM, 143, "terminated"),
        (signal.SIGHUP, 129, "hung up"),  # the terminal was closed
    ],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_signal_exits_with_a_summary_and_saves_the_cursor_file(
    sim: Simulator, tmp_path: Path, sig: signal.Signals, code: int, word: str
) -> None:
    # 1000 events over ~5 s, the connection dropped every 40 events: signalled mid-stream.
    sim.add_run(Run("run_1", events(1000), interval=0.005, retry_ms=5, drop_every=40))
    cursor = tmp_path / "cursor"
    tailing = Tailing("run_1", "--base-url", sim.base_url, "-o", "jsonl", "--cursor-file",
                      str(cursor))  # fmt: skip
    for _ in range(100):
        tailing.line()
    signalled = time.monotonic()
    tailing.proc.send_signal(sig)
    exit_code, stderr = tailing.wait()
    assert time.monotonic() - signalled < 10  # not the rest of the run
    assert exit_code == code, stderr
    assert "Traceback" not in stderr
    summary = SUMMARY.findall(stderr)
    shown = len(tailing.lines)
    assert summary == [
        (word, str(shown), str(stderr.count("reconnecting in")), last_id(tailing.lines))
    ]
    assert int(summary[0][2]) >= 2
    assert shown < 1000
    assert saved_cursor(cursor, "run_1") == last_id(tailing.lines)
    assert [e["id"] for e in map(json.loads, tailing.lines)] == [e["id"] for e in events(shown)]


def test_two_tails_at_once_share_one_cursor_file(sim: Simulator, tmp_path: Path) -> None:
    # Each tail saves at exit; the second must not write back the file as it read it at its
    # start (without the first tail's run), nor undo what the first saved.
    cursor = tmp_path / "cursor"
    tails = {}
    for run_id in ("run_a", "run_b"):
        sim.add_run(Run(run_id, events(3), end_status=None, hold_open=True))
        tails[run_id] = Tailing(run_id, "--base-url", sim.base_url, "-o", "jsonl",
                                "--cursor-file", str(cursor))  # fmt: skip
    for tailing in tails.values():
        for _ in range(3):
            tailing.line()  # both are running, each has read the file as it was
    for tailing in tails.values():
        tailing.proc.send_signal(signal.SIGTERM)
        assert tailing.wait()[0] == 143
    assert {run_id: saved_cursor(cursor, run_id) for run_id in tails} == {
        "run_a": "evt_00002",
        "run_b": "evt_00002",
    }


def test_signal_while_waiting_for_bytes_exits_promptly(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(2), end_status=None, hold_open=True))  # then silence
    tailing = Tailing("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    tailing.line()
    tailing.line()
    signalled = time.monotonic()
    tailing.proc.send_signal(signal.SIGINT)
    exit_code, stderr = tailing.wait()
    assert exit_code == 130
    assert time.monotonic() - signalled < 10  # not the idle timeout (60 s)
    assert SUMMARY.findall(stderr) == [("interrupted", "2", "0", "evt_00001")]


def test_signal_while_backing_off_exits_promptly(sim: Simulator) -> None:
    sim.fixed_response = Response(503, headers={"Retry-After": "30"})
    tailing = Tailing("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert sim.wait_for_requests(1, timeout=10)
    assert tailing.proc.poll() is None
    signalled = time.monotonic()
    tailing.proc.send_signal(signal.SIGTERM)
    exit_code, stderr = tailing.wait()
    assert exit_code == 143
    assert time.monotonic() - signalled < 10  # not the 30 s Retry-After
    assert SUMMARY.findall(stderr)[0][:2] == ("terminated", "0")
    assert len(sim.requests) == 1


def test_signal_while_the_server_never_answers_exits_promptly() -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        tailing = Tailing("run_1", "--base-url", base, "-o", "jsonl")
        conn, _ = listener.accept()  # the request is on its way: the CLI waits for an answer
        with conn:
            signalled = time.monotonic()
            tailing.proc.send_signal(signal.SIGTERM)
            exit_code, stderr = tailing.wait()
    assert exit_code == 143
    assert time.monotonic() - signalled < 10  # not the idle timeout (60 s)
    assert SUMMARY.findall(stderr) == [("terminated", "0", "0", "(none)")]


def read_line_raw(stream: IO[bytes], timeout: float) -> bytes:
    """One line from a pipe without Python buffering (so nothing more is consumed)."""
    fd = stream.fileno()
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise AssertionError(f"no line within {timeout}s")
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\n", 1)[0]


@pytest.mark.parametrize("output", ["jsonl", "raw", "pretty"])
def test_stdout_closed_early_exits_quietly(sim: Simulator, output: str, tmp_path: Path) -> None:
    """`bctrl-tail ... | head -1`: the reader goes away; exit 0, nothing on stderr."""
    sim.add_run(Run("run_1", events(2000), interval=0.01))  # 20 s, were it read to the end
    cursor = tmp_path / "cursor"
    tailing = Tailing("run_1", "--base-url", sim.base_url, "-o", output, "--color", "never",
                      "--cursor-file", str(cursor), read_stdout=False)  # fmt: skip
    assert tailing.proc.stdout is not None
    first = read_line_raw(tailing.proc.stdout, timeout=10)
    assert first
    closed = time.monotonic()
    tailing.proc.stdout.close()
    exit_code, stderr = tailing.wait()
    assert (exit_code, stderr) == (0, "")
    assert time.monotonic() - closed < 10
    assert (saved_cursor(cursor, "run_1") or "").startswith("evt_")  # saved this way out too


def test_cursor_file_is_saved_within_a_second_while_the_stream_is_quiet(
    sim: Simulator, tmp_path: Path
) -> None:
    # evt_00001 comes 0.3 s after evt_00000 (inside the 1 s save interval), then silence.
    sim.add_run(Run("run_1", events(3), delays=[0, 0.3, 600]))
    cursor = tmp_path / "cursor"
    tailing = Tailing("run_1", "--base-url", sim.base_url, "-o", "jsonl", "--cursor-file",
                      str(cursor))  # fmt: skip
    tailing.line()
    tailing.line()
    seen = time.monotonic()
    saved = wait_until(lambda: saved_cursor(cursor, "run_1") == "evt_00001", 10)
    elapsed = time.monotonic() - seen
    tailing.proc.send_signal(signal.SIGTERM)
    exit_code, _ = tailing.wait()
    assert saved
    assert elapsed < 10  # at the next save, not at the next event (600 s) or the exit
    assert exit_code == 143


# -- in process: no reader thread outlives its connection -----------------------------------------


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "bctrl-tail-reader" and t.is_alive()]


def make_tail(base_url: str, renderer: JsonlRenderer, **options: Any) -> Tail:
    opts = Options(run_ids=("run_1",), api_key=KEY, base_url=base_url, output="jsonl", **options)
    config = build_config(opts, env={}, stdout_is_tty=False, now=dt.datetime.now(dt.timezone.utc))
    return Tail(config, renderer, Reporter(io.StringIO(), quiet=True))


class InterruptAfter(JsonlRenderer):
    """Raises KeyboardInterrupt on the n-th event, as Ctrl-C would in the main thread."""

    def __init__(self, n: int) -> None:
        super().__init__(io.BytesIO())
        self.n = n

    def on_event(self, event: RunEvent) -> None:
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt
        super().on_event(event)


@pytest.fixture
def no_leftover_threads() -> Iterator[None]:
    assert reader_threads() == []
    yield
    assert reader_threads() == []


@pytest.mark.usefixtures("no_leftover_threads")
def test_no_reader_thread_is_left_after_reconnects_an_end_or_an_interrupt(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(30), retry_ms=1, drop_every=3))
    out = io.BytesIO()
    assert make_tail(sim.base_url, JsonlRenderer(out)).run() == 0
    assert out.getvalue().count(b"\n") == 30
    assert len(sim.requests) == 11
    assert reader_threads() == []

    sim.add_run(Run("run_1", events(30), end_status=None, hold_open=True))
    with pytest.raises(KeyboardInterrupt):
        make_tail(sim.base_url, InterruptAfter(5)).run()
    assert reader_threads() == []

    sim.fixed_response = Response(500)
    with pytest.raises(GaveUpError):
        make_tail(sim.base_url, JsonlRenderer(io.BytesIO()), max_retries=0).run()


@pytest.mark.usefixtures("no_leftover_threads")
def test_a_reader_still_connecting_when_closed_ends_on_its_own() -> None:
    """It cannot be woken (no socket yet); its read timeout (idle + 1 s = 6 s) ends it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        tail = make_tail(base, JsonlRenderer(io.BytesIO()), timeout=0.3, idle_timeout=5)
        closed = time.monotonic()
        with pytest.raises(TimedOut):
            tail.run()
        assert time.monotonic() - closed < 3  # close() did not wait for it
        for thread in reader_threads():
            thread.join(timeout=15)  # ReadTimeout after 6 s, with the socket still open
