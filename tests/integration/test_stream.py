"""Frames, output modes, selection, stop conditions and exit codes, against the simulator."""

from __future__ import annotations

import json
import subprocess

import pytest

from bctrl_tail.simulator import Response, Run, Simulator
from tests.support import KEY, child_env, cli_command, run_cli

TIME = "2026-06-25T12:00:00.000Z"


def events(n: int, **extra: object) -> list[dict[str, object]]:
    types = ["navigation", "network.request", "network.failed", "console.message", "page.load"]
    return [
        {"id": f"evt_{i:04d}", "runId": "run_1", "type": types[i % len(types)], "time": TIME,
         "seq": i, "message": f"event number {i}", **extra}
        for i in range(n)
    ]  # fmt: skip


def test_jsonl_is_the_events_compact_one_per_line(sim: Simulator) -> None:
    evs = events(7)
    evs[3]["message"] = 'naïve ☃ \u2028 "quoted"\nnew line'
    sim.add_run(Run("run_1", evs))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert result.code == 0, result.stderr
    assert result.lines == [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in evs]
    assert "run run_1 ended: completed" in result.stderr


def test_auto_output_is_jsonl_when_piped(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(3)))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert [json.loads(line)["id"] for line in result.lines] == ["evt_0000", "evt_0001", "evt_0002"]


def test_a_table_written_to_a_pipe_ends_its_last_line(sim: Simulator) -> None:
    # In a CI log that merges stdout and stderr, the end-of-run line must not join the table.
    sim.add_run(Run("run_1", events(3)))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "table")
    assert result.code == 0, result.stderr
    assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n")
    assert "3 events shown" in result.stdout.splitlines()[0]  # the final view, whole


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_a_table_with_stderr_in_a_file_logs_reconnects_as_they_happen(
    sim: Simulator, verbose: list[str]
) -> None:
    # The header shows the state on the terminal; a log file gets the lines themselves.
    sim.add_run(Run("run_1", events(6), drop_every=2, retry_ms=10))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "table", *verbose)
    assert result.code == 0, result.stderr
    assert result.stderr.count("reconnecting in") == 3  # cut after events 2, 4 and 6
    assert result.stderr.index("reconnecting in") < result.stderr.index("ended: completed")
    assert "6 events shown, 3 reconnects" in result.stderr


def test_heartbeats_comments_and_unknown_frames_are_not_output(sim: Simulator) -> None:
    chunks = [
        b": keep-alive\n\n",
        b'event: heartbeat\ndata: {"time":"2026-06-25T12:00:05.000Z"}\n\n',
        b'event: run.event\nid: e1\ndata: {"id":"e1","type":"navigation"}\n\n',
        b'event: agent.thinking\ndata: {"x":1}\n\n',
        b'id: e2\ndata: {"id":"e2","type":"page.load"}\n\n',
        b'event: message\nid: e3\ndata: {"id":"e3","type":"dialog"}\n\n',
        b'event: run.ended\ndata: {"runId":"run_1","status":"completed","failure":null}\n\n',
    ]
    sim.add_run(Run("run_1", [], raw_chunks=chunks))
    result = run_cli("run_1", "--base-url", sim.base_url, "-v")
    assert result.code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.lines] == ["e1", "e2", "e3"]
    assert "agent.thinking" in result.stderr


def test_raw_mode_prints_frames_as_received(sim: Simulator) -> None:
    chunks = [
        b": keep-alive\r\n\r\n",
        b'event: run.event\rid: e1\rdata: {"id":"e1",\r\r',
        b'event: run.ended\ndata: {"status":"completed"}\n\n',
    ]
    sim.add_run(Run("run_1", [], raw_chunks=chunks))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "raw")
    assert result.code == 0, result.stderr
    assert result.stdout == (
        ": keep-alive\n\n"
        'event: run.event\nid: e1\ndata: {"id":"e1",\n\n'
        'event: run.ended\ndata: {"status":"completed"}\n\n'
    )


def test_data_that_is_not_an_object_is_wrapped_with_a_warning(sim: Simulator) -> None:
    chunks = [
        b"id: e1\ndata: not json at all\n\n",
        b'id: e2\ndata: [1, 2]\n\n',
        b'event: run.ended\ndata: {"status":"completed"}\n\n',
    ]  # fmt: skip
    sim.add_run(Run("run_1", [], raw_chunks=chunks))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == 0
    assert [json.loads(line) for line in result.lines] == [
        {"event": "message", "id": "e1", "data": "not json at all"},
        {"event": "message", "id": "e2", "data": "[1, 2]"},
    ]
    assert result.stderr.count("warning:") == 2


@pytest.mark.parametrize(
    ("status", "flag", "code"),
    [
        ("completed", "--exit-status", 0),
        ("stopped", "--exit-status", 0),
        ("succeeded", "--exit-status", 0),
        ("failed", "--exit-status", 3),
        ("cancelled", "--exit-status", 3),
        ("failed", "--quiet", 0),
    ],
)
def test_run_ended_exit_codes(sim: Simulator, status: str, flag: str, code: int) -> None:
    failure = {"code": "runtime.crashed", "message": "boom"} if status == "failed" else None
    sim.add_run(Run("run_1", events(2), end_status=status, failure=failure))
    result = run_cli("run_1", "--base-url", sim.base_url, flag)
    assert result.code == code
    assert len(result.lines) == 2
    if flag == "--quiet":
        assert result.stderr == ""
    else:
        assert f"ended: {status}" in result.stderr


def test_run_ended_stops_even_if_the_server_keeps_the_connection(sim: Simulator) -> None:
    chunks = [
        b'id: e1\ndata: {"id":"e1","type":"navigation"}\n\n',
        b'event: run.ended\ndata: {"status":"failed","failure":{"code":"x.y","message":"m"}}\n\n',
    ]
    sim.add_run(Run("run_1", [], raw_chunks=chunks, hold_open=True))
    result = run_cli("run_1", "--base-url", sim.base_url, "--exit-status", timeout=15)
    assert result.code == 3
    assert "x.y: m" in result.stderr


def test_max_events(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(50)))
    result = run_cli("run_1", "--base-url", sim.base_url, "-n", "3")
    assert result.code == 0
    assert len(result.lines) == 3


def test_until_stops_right_after_the_matching_event(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(50)))
    result = run_cli("run_1", "--base-url", sim.base_url, "--until", "console.*", "--until", "x")
    assert result.code == 0
    assert [json.loads(line)["type"] for line in result.lines][-1] == "console.message"
    assert len(result.lines) == 4


@pytest.mark.parametrize(
    ("args", "note"),
    [
        (["-n", "3"], "stopping after 3 events (--max-events)"),
        (["--until", "console.*"], "stopping at 'console.message' (--until)"),
    ],
)
def test_the_stop_note_follows_the_event_it_speaks_of(
    sim: Simulator, args: list[str], note: str
) -> None:
    """stdout and stderr into one pipe, as a terminal shows them: the note comes after the
    last event shown, once, even when the whole stream arrives in one batch."""
    sim.add_run(Run("run_1", events(50)))
    proc = subprocess.run(
        [*cli_command(), "run_1", "--base-url", sim.base_url, "-o", "pretty", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=child_env({"BCTRL_API_KEY": KEY}),
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    shown = [i for i, line in enumerate(lines) if "event number" in line]
    assert [i for i, line in enumerate(lines) if note in line] == [shown[-1] + 1], lines


def test_timeout_exits_124(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(1), end_status=None, hold_open=True, heartbeat=0.1))
    result = run_cli("run_1", "--base-url", sim.base_url, "--timeout", "1")
    assert result.code == 124
    assert len(result.lines) == 1
    last = json.loads(result.lines[0])["id"]  # where to resume, as Ctrl-C says it
    assert f"--timeout 1s elapsed: 1 event shown, 0 reconnects, last id {last}" in result.stderr


def test_timeout_while_server_never_answers(sim: Simulator) -> None:
    import threading

    gate = threading.Event()
    sim.add_run(Run("run_1", events(1), raw_chunks=[], gate=gate, hold_open=True))
    result = run_cli("run_1", "--base-url", sim.base_url, "--timeout", "1.5")
    gate.set()
    assert result.code == 124


def test_grep_exclude_select_on_the_json_text(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(20)))
    result = run_cli(
        "run_1", "--base-url", sim.base_url,
        "--grep", r'"type":"network\.', "--grep", "page.load", "--exclude", "failed",
    )  # fmt: skip
    types = {json.loads(line)["type"] for line in result.lines}
    assert types == {"network.request", "page.load"}
    assert len(result.lines) == 8


def test_since_drops_older_events(sim: Simulator) -> None:
    evs = events(4)
    evs[0]["time"] = "2020-01-01T00:00:00Z"
    evs[1].pop("time")
    evs[1]["timestamp"] = "2020-01-01T00:00:00Z"
    evs[2].pop("time")
    evs[2]["createdAt"] = "2999-01-01T00:00:00Z"
    evs[3]["time"] = "2999-01-01T00:00:00Z"
    sim.add_run(Run("run_1", evs))
    result = run_cli("run_1", "--base-url", sim.base_url, "--since", "2h")
    assert [json.loads(line)["id"] for line in result.lines] == ["evt_0002", "evt_0003"]
    iso = run_cli("run_1", "--base-url", sim.base_url, "--since", "2019-12-31T00:00:00Z")
    assert len(iso.lines) == 4


@pytest.mark.parametrize(
    ("status", "code", "needle"),
    [(401, 4, "auth.required"), (403, 4, "auth.forbidden"), (404, 5, "run.not_found"),
     (400, 1, "HTTP 400"), (418, 1, "HTTP 418")],
)  # fmt: skip
def test_http_errors(sim: Simulator, status: int, code: int, needle: str) -> None:
    body = {
        401: {"error": "missing or invalid key", "code": "auth.required", "requestId": "req_1"},
        403: {"error": "forbidden", "code": "auth.forbidden", "requestId": "req_2"},
        404: {"error": "run not found", "code": "run.not_found", "requestId": "req_3"},
    }.get(status, "<html>nope</html>")
    sim.add_run(Run("run_1", events(1), responses=[Response(status, body)]))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == code
    assert needle in result.stderr
    assert 1 <= len(result.stderr.strip().splitlines()) <= 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    if status in (401, 403, 404):
        assert "req_" in result.stderr
    assert len(sim.requests) == 1


def test_unknown_run_is_404(sim: Simulator) -> None:
    result = run_cli("nope", "--base-url", sim.base_url)
    assert result.code == 5


def test_wrong_content_type_exits_1(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(1), content_type="application/json"))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == 1
    assert "content type" in result.stderr
    assert len(sim.requests) == 1


def test_204_stops_with_exit_0(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(1), responses=[Response(204, b"")]))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == 0
    assert result.stdout == ""


def test_key_never_printed_on_errors(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(1), responses=[Response(401, {"error": f"bad key {KEY}"})]))
    result = run_cli("run_1", "--base-url", sim.base_url, "-v")
    assert result.code == 4
    assert KEY not in result.stderr + result.stdout


def test_connection_refused_gives_up_with_exit_1() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_cli("run_1", "--base-url", f"http://127.0.0.1:{port}", "--max-retries", "0")
    assert result.code == 1
    assert "connection refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_jsonl_shows_all_nine_categories() -> None:
    result = run_cli("--demo", "--demo-speed", "100", "-o", "jsonl", key=None, timeout=60)
    assert result.code == 0, result.stderr
    categories = {json.loads(line)["category"] for line in result.lines}
    assert categories == {"runtime", "command", "network", "console", "file", "tool",
                          "browser", "captcha", "event"}  # fmt: skip


def test_demo_failing_run_with_exit_status() -> None:
    result = run_cli("--demo", "run_demo_failed", "--demo-speed", "100", "--exit-status", key=None)
    assert result.code == 3
    assert "ended: failed" in result.stderr
