"""What a hostile or broken server sends never crashes the tail or corrupts its output."""

from __future__ import annotations

import json

import pytest

from bctrl_tail.simulator import Run, Simulator
from tests.support import run_cli

END = b'event: run.ended\ndata: {"status":"completed"}\n\n'


def serve(sim: Simulator, *chunks: bytes) -> None:
    sim.add_run(Run("run_1", [], raw_chunks=[*chunks, END]))


@pytest.mark.parametrize("output", ["jsonl", "pretty", "raw"])
def test_lone_surrogates_and_unencodable_text(sim: Simulator, output: str) -> None:
    serve(sim, b'id: e1\ndata: {"id":"e1","type":"x\\ud800y","message":"\\udfff \\u2603"}\n\n')
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", output)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if output == "jsonl":
        assert json.loads(result.lines[0])["type"] == "x\ud800y"  # escaped, still exact
    else:
        assert result.stdout


def test_non_utf8_stdout_does_not_kill_pretty(sim: Simulator) -> None:
    serve(sim, 'id: e1\ndata: {"id":"e1","type":"t","message":"✓ done"}\n\n'.encode())
    result = run_cli(
        "run_1", "--base-url", sim.base_url, "-o", "pretty", env={"PYTHONIOENCODING": "latin-1"}
    )
    assert result.code == 0, result.stderr
    assert "done" in result.stdout


def test_deep_nesting_and_nan_are_wrapped_not_fatal(sim: Simulator) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    serve(
        sim,
        b"id: e1\ndata: " + deep + b"\n\n",
        b'id: e2\ndata: {"n":NaN}\n\n',
        b'id: e3\ndata: {"big":1e999}\n\n',
        b'id: e4\ndata: {"id":"e4","type":"ok"}\n\n',
    )
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.lines]  # every line is strict JSON
    assert [line.get("id") for line in lines] == ["e1", "e2", "e3", "e4"]
    assert lines[1] == {"event": "message", "id": "e2", "data": '{"n":NaN}'}
    assert lines[3] == {"id": "e4", "type": "ok"}
    assert result.stderr.count("not a JSON object") == 3


def test_start_cursor_is_not_shown_by_an_inclusive_server(sim: Simulator) -> None:
    events = [{"id": f"e{i}", "type": "navigation"} for i in range(4)]
    sim.add_run(Run("run_1", events, inclusive_cursor=True))
    result = run_cli("run_1", "--base-url", sim.base_url, "--cursor", "e1")
    assert [json.loads(line)["id"] for line in result.lines] == ["e2", "e3"]


@pytest.mark.parametrize("option", ["--timeout", "--idle-timeout"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e300"])
def test_non_finite_durations_are_usage_errors(sim: Simulator, option: str, value: str) -> None:
    result = run_cli("run_1", "--base-url", sim.base_url, option, value)
    assert result.code == 2
    assert option in result.stderr
    assert sim.requests == []


def test_proxy_settings_from_the_environment_are_used(sim: Simulator) -> None:
    # The simulator stands in for the proxy: it sees the absolute URI a proxy is sent.
    result = run_cli(
        "run_1",
        "--base-url",
        "http://bctrl.invalid",
        "--allow-http",
        "--max-retries",
        "0",
        env={"HTTP_PROXY": sim.base_url, "NO_PROXY": "", "no_proxy": ""},
    )
    assert sim.requests, result.stderr
    assert sim.requests[0].raw_path.startswith("http://bctrl.invalid/v2/runs/run_1/events/stream")


def test_ca_bundle_from_the_environment_is_used(sim: Simulator) -> None:
    https_url = sim.base_url.replace("http://", "https://")
    result = run_cli(
        "run_1",
        "--base-url",
        https_url,
        "--max-retries",
        "0",
        env={"REQUESTS_CA_BUNDLE": "/nonexistent/ca-bundle.pem"},
    )
    assert result.code == 1
    assert "/nonexistent/ca-bundle.pem" in result.stderr  # requests looked for the bundle


def test_raw_output_writes_non_object_data_without_a_warning(sim: Simulator) -> None:
    # raw writes frames unchanged: the "not a JSON object" warning is about the wrapping the
    # other modes do, so it has nothing to say here
    frames = b"id: e1\ndata: plain text\n\n" + b"id: e2\ndata: [1, 2]\n\n"
    serve(sim, frames)
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "raw")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(frames.decode())
    assert "not a JSON object" not in result.stderr
    jsonl = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert jsonl.stderr.count("not a JSON object") == 2  # the other modes still warn
