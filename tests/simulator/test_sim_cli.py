"""The standalone simulator (`python -m bctrl_tail.simulator`) as a subprocess."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bctrl_tail.simulator.__main__ import build_parser
from tests.support import run_cli

ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"http://127\.0\.0\.1:(\d+)")
SECRET = "bctrl_cli_secret_987654321"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class Proc:
    """A running simulator whose stdout lines are read by a thread into a queue."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "bctrl_tail.simulator", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout: float = 15) -> str | None:
        line = self.lines.get(timeout=timeout)
        if line is not None:
            self.seen.append(line)
        return line

    def read_until(self, pattern: str, timeout: float = 15) -> str:
        while True:
            line = self.next_line(timeout)
            assert line is not None, f"stdout ended before {pattern!r}: {self.seen}"
            if re.search(pattern, line):
                return line

    def base_url(self) -> str:
        match = URL.search(self.read_until(URL.pattern))
        assert match is not None
        return match.group(0)

    def finish(self, timeout: float = 15) -> tuple[int, str]:
        """Wait for the exit; return the code and stderr."""
        code = self.popen.wait(timeout=timeout)
        assert self.popen.stderr is not None
        err = self.popen.stderr.read()
        while self.next_line(timeout) is not None:
            pass
        return code, err


@pytest.fixture
def start() -> Iterator[Callable[..., Proc]]:
    procs: list[Proc] = []

    def do_start(*args: str, env: dict[str, str] | None = None) -> Proc:
        proc = Proc(list(args), env)
        procs.append(proc)
        return proc

    yield do_start
    for proc in procs:
        if proc.popen.poll() is None:
            proc.popen.kill()
            proc.popen.wait(timeout=10)
        for stream in (proc.popen.stdout, proc.popen.stderr):
            if stream is not None:
                stream.close()


def stream_text(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    with requests.get(url, headers=headers, stream=True, timeout=15) as resp:
        return resp.status_code, b"".join(resp.iter_content(chunk_size=None)).decode()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serves_the_demo_and_stops_cleanly(start: Callable[..., Proc], sig: int) -> None:
    proc = start("--port", "0", "--speed", "1000")
    url = proc.base_url()
    run_lines = [proc.read_until(r"run_demo\s+\d+ events"), proc.read_until(r"run_demo_failed\s")]
    assert "ends completed" in run_lines[0] and "ends failed" in run_lines[1]
    hint = proc.read_until("bctrl-tail --base-url")
    assert f"bctrl-tail --base-url {url} run_demo" in hint and "BCTRL_API_KEY=" in hint
    status, text = stream_text(f"{url}/v2/runs/run_demo_failed/events/stream?category=captcha")
    assert status == 200
    ended = text.split("event: run.ended\ndata: ", 1)[1]
    assert json.loads(ended.split("\n", 1)[0])["status"] == "failed"
    assert "captcha.solve.failed" in text
    proc.popen.send_signal(sig)
    code, err = proc.finish()
    assert code == 0
    assert "Traceback" not in err


def test_stops_with_a_stream_open(start: Callable[..., Proc]) -> None:
    proc = start("--port", "0", "-q")  # speed 1: the demo takes about 30 s
    url = proc.base_url()
    with requests.get(f"{url}/v2/runs/run_demo/events/stream", stream=True, timeout=15) as resp:
        first = next(resp.iter_lines())
        assert first == b"event: run.event"
        proc.popen.send_signal(signal.SIGTERM)
        code, err = proc.finish()
    assert code == 0 and "Traceback" not in err
    assert proc.seen == [f"bctrl simulator serving {url}"]  # -q: the URL line only


def test_replay_and_faults(start: Callable[..., Proc], tmp_path: Path, raw: Any) -> None:
    recording = tmp_path / "rec.jsonl"
    events = [{"id": f"r{i}", "runId": "run_rec", "type": "x"} for i in range(5)]
    recording.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    proc = start(
        "--port", "0", "--no-demo", "--replay", str(recording), "--run-id", "rec 1",
        "--rate", "1000", "--drop-every", "2", "--heartbeat-style", "comment",
    )  # fmt: skip
    url = proc.base_url()
    line = proc.read_until(r"rec 1\s+5 events")
    assert line
    assert "'rec 1'" in proc.read_until("bctrl-tail --base-url")  # shell-quoted
    cut = raw(url, "/v2/runs/rec%201/events/stream")
    assert cut.status == 200 and not cut.complete  # dropped after 2 events
    assert [f["id"] for f in cut.events()] == ["r0", "r1"]
    assert b"run.ended" not in cut.body
    assert stream_text(f"{url}/v2/runs/run_demo/events/stream")[0] == 404
    proc.popen.send_signal(signal.SIGINT)
    assert proc.finish()[0] == 0


def test_status_and_retry_after(start: Callable[..., Proc]) -> None:
    proc = start("--port", "0", "--status", "503", "--retry-after", "3", "--status-count", "1")
    url = proc.base_url()
    resp = requests.get(f"{url}/v2/runs/run_demo/events/stream", timeout=15)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "3"
    assert resp.json()["code"] == "service.unavailable"
    with requests.get(f"{url}/v2/runs/run_demo/events/stream", stream=True, timeout=15) as ok:
        assert ok.status_code == 200
    proc.popen.send_signal(signal.SIGTERM)
    assert proc.finish()[0] == 0


def test_required_key_from_env_is_never_printed(start: Callable[..., Proc]) -> None:
    proc = start("--port", "0", "-v", "--speed", "1000", env={"BCTRL_SIMULATOR_KEY": SECRET})
    url = proc.base_url()
    hint = proc.read_until("bctrl-tail --base-url")
    assert "BCTRL_API_KEY=" in hint
    assert requests.get(f"{url}/v2/runs/run_demo/events/stream", timeout=15).status_code == 401
    status, _ = stream_text(
        f"{url}/v2/runs/run_demo/events/stream", {"Authorization": f"Bearer {SECRET}"}
    )
    assert status == 200
    proc.popen.send_signal(signal.SIGTERM)
    code, err = proc.finish()
    assert code == 0
    assert "GET /v2/runs/run_demo/events/stream 401" in err  # -v: one line per request
    assert SECRET not in err and all(SECRET not in line for line in proc.seen)


def test_malformed_replay_exits_2_naming_the_line(
    start: Callable[..., Proc], tmp_path: Path
) -> None:
    recording = tmp_path / "broken.jsonl"
    recording.write_text('{"id": "a", "type": "x"}\n\n{"id": \n', encoding="utf-8")
    proc = start("--port", "0", "--replay", str(recording))
    code, err = proc.finish()
    assert code == 2
    assert err.count("\n") == 1 and f"{recording}:3:" in err
    assert proc.seen == []


def test_port_in_use_exits_1(start: Callable[..., Proc]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start("--port", str(port))
        code, err = proc.finish()
    assert code == 1
    assert err.count("\n") == 1 and "address already in use" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "-1"],
        ["--port", "70000"],
        ["--status", "99"],
        ["--stall-after", "2"],
        ["--speed", "0"],
        ["--rate", "x"],
        ["--drop-every", "0"],
        ["--heartbeat-style", "loud"],
        ["--stall", "a:b"],
        ["--retry-after", "2"],
        ["--run-id", "x"],
        ["--no-demo"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from bctrl_tail.simulator.__main__ import main

    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_stall_option_forms() -> None:
    from bctrl_tail.simulator.__main__ import build_runs

    parser = build_parser()
    for argv, expected in [
        (["--stall", "3:1.5"], (3, 1.5)),
        (["--stall", "2", "--stall-after", "0"], (0, 2.0)),
        (["--stall", "2"], (1, 2.0)),
    ]:
        runs: list[Any] = build_runs(parser.parse_args(argv), parser)
        assert all(run.stall == expected for run in runs)


def test_generate_serves_n_runs(start: Callable[..., Proc]) -> None:
    proc = start("--port", "0", "--no-demo", "--generate", "5", "--events", "7")
    url = proc.base_url()
    assert proc.read_until(r"run_gen_001\s+7 events, ends completed")
    every = proc.read_until("bctrl-tail --base-url")
    assert every.endswith("run_gen_001 run_gen_002 run_gen_003 run_gen_004 run_gen_005")
    status, text = stream_text(f"{url}/v2/runs/run_gen_005/events/stream")
    assert status == 200 and text.count("event: run.event\n") == 7
    proc.popen.send_signal(signal.SIGTERM)
    assert proc.finish()[0] == 0


def test_replay_of_several_runs_serves_one_run_per_run_id(
    start: Callable[..., Proc], tmp_path: Path
) -> None:
    """The several-runs recipe's events.jsonl (runs interleaved, each event with its runId)
    replays as one run per runId, each in file order and byte for byte as recorded; events
    without a runId are a run named after the file, and get no time added."""
    live = start("--port", "0", "--speed", "1000", "-q")
    recorded = run_cli("run_demo", "run_demo_failed", "--base-url", live.base_url(), "-o", "jsonl")
    assert recorded.code == 0, recorded.stderr
    orphan = {"id": "note_1", "type": "console.message", "message": "no run id"}
    recording = tmp_path / "events.jsonl"
    orphan_line = json.dumps(orphan, separators=(",", ":"))
    recording.write_text(recorded.stdout + orphan_line + "\n", encoding="utf-8")
    expected: dict[str, list[str]] = {}
    for line in recording.read_text(encoding="utf-8").splitlines():
        expected.setdefault(json.loads(line).get("runId", "events"), []).append(line)
    assert sorted(expected) == ["events", "run_demo", "run_demo_failed"]

    replay = start("--port", "0", "--no-demo", "--replay", str(recording), "--speed", "1000")
    url = replay.base_url()
    for run_id, lines in expected.items():  # listed in the order they first appear
        assert replay.read_until(rf"^  {run_id}\s+{len(lines)} events, ends completed$")
    assert replay.read_until("^tail them all at once with:")
    assert replay.next_line() == (
        f"  BCTRL_API_KEY=anything bctrl-tail --base-url {url} {' '.join(expected)}"
    )
    for run_id, lines in expected.items():
        served = run_cli(run_id, "--base-url", url, "-o", "jsonl")
        assert served.code == 0, served.stderr
        assert served.lines == lines  # in file order, as recorded: nothing merged or stamped
    assert "time" not in json.loads(expected["events"][0])
    replay.popen.send_signal(signal.SIGTERM)
    assert replay.finish()[0] == 0


def test_a_bound_is_said_the_same_way_from_either_side(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--rate -5 and --rate 0 break the same rule, so they get the same sentence."""
    from bctrl_tail.simulator.__main__ import main

    said = {}
    for args in (["--rate", "-5"], ["--rate", "0"], ["--port", "-1"], ["--port", "70000"]):
        with pytest.raises(SystemExit):
            main(args)
        said[args[1]] = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        said["-5"]
        == "bctrl-tail-simulator: error: argument --rate: must be greater than 0, got '-5'"
    )
    assert said["0"] == said["-5"].replace("'-5'", "'0'")
    assert said["-1"].endswith("--port: must be 0-65535, got '-1'")
    assert said["70000"] == said["-1"].replace("'-1'", "'70000'")
