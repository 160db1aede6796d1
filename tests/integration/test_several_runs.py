"""Several runs at once: the real CLI against the simulator on loopback.

Each test asserts from both sides: what the CLI printed (every event exactly once, in order
within its run, the endings and exit codes of the contract) and what the simulator saw
(connections open at the same time, a run resumed while the others carried on).
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from bctrl_tail.simulator import RecordedRequest, Response, Run, Simulator, generated_runs
from bctrl_tail.simulator.stream import RunState
from tests.support import KEY, Result, child_env, cli_command, run_cli, saved_cursor

TIME = "2026-06-25T12:00:00.000Z"


def events(n: int, run_id: str, *, with_run_id: bool = False) -> list[dict[str, Any]]:
    """Events with fixed times (so their bytes are known) and text of several widths."""
    return [
        {"id": f"{run_id}_e{i:03d}", "type": "network.request" if i % 2 else "navigation",
         "time": TIME, "seq": i, "message": f"café ☃ {run_id} #{i}",
         **({"runId": run_id} if with_run_id else {})}
        for i in range(n)
    ]  # fmt: skip


def tail(sim: Simulator, *args: str, timeout: float = 30) -> Result:
    return run_cli("--base-url", sim.base_url, "-o", "jsonl", *args, timeout=timeout)


def by_run(result: Result) -> dict[str, list[str]]:
    """The ids output for each run, in output order; every line must name its run."""
    seen: dict[str, list[str]] = defaultdict(list)
    for line in result.lines:
        event = json.loads(line)
        seen[event["runId"]].append(event["id"])
    return dict(seen)


def start(sim: Simulator, *run_ids: str) -> subprocess.Popen[bytes]:
    """The CLI following ``run_ids`` as jsonl, still running: for tests that act meanwhile."""
    return subprocess.Popen(
        [*cli_command(), *run_ids, "--base-url", sim.base_url, "-o", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=child_env({"BCTRL_API_KEY": KEY}),
    )


def stream_requests(sim: Simulator, run_id: str) -> list[RecordedRequest]:
    return [r for r in sim.requests if r.path == f"/v2/runs/{run_id}/events/stream"]


def test_two_runs_stream_at_the_same_time(sim: Simulator) -> None:
    gates = {run_id: threading.Event() for run_id in ("run_a", "run_b")}
    for run_id, gate in gates.items():
        sim.add_run(Run(run_id, events(6, run_id), gate=gate))
    proc = start(sim, "run_a", "run_b")
    try:
        # each run holds its stream open after its first event until its gate is set: both
        # streams are open at once, or this times out
        assert sim.wait_streaming({"run_a", "run_b"}, timeout=20)
    finally:
        for gate in gates.values():
            gate.set()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    result = Result(proc.returncode, out.decode(), err.decode())
    assert by_run(result) == {r: [e["id"] for e in events(6, r)] for r in gates}
    assert sim.peak_streams == 2
    for run_id in gates:
        assert f"run {run_id} ended: completed, 6 events shown" in result.stderr


def test_a_run_cut_mid_event_twice_resumes_while_the_other_carries_on(sim: Simulator) -> None:
    cut = Run("run_cut", events(10, "run_cut"), retry_ms=20)
    frames = RunState(cut)
    starts = [sum(len(frames.frame(i)) for i in range(k)) for k in range(11)]
    cut.drop_at_bytes = [starts[3] + 25, starts[7] + 40]  # inside the 4th and the 8th event
    sim.add_run(cut)
    sim.add_run(Run("run_steady", events(30, "run_steady"), interval=0.01))
    result = tail(sim, "run_cut", "run_steady")
    assert result.code == 0, result.stderr
    assert by_run(result) == {
        "run_cut": [e["id"] for e in events(10, "run_cut")],
        "run_steady": [e["id"] for e in events(30, "run_steady")],
    }
    assert "run run_cut ended: completed, 10 events shown, 2 reconnects" in result.stderr
    assert "run run_steady ended: completed, 30 events shown\n" in result.stderr + "\n"
    assert len(stream_requests(sim, "run_steady")) == 1  # never disturbed
    resumed = [r.query.get("cursor") for r in stream_requests(sim, "run_cut")]
    assert resumed == [None, ["run_cut_e002"], ["run_cut_e006"]]


def test_a_failed_run_with_exit_status_is_3_after_every_run_ended(sim: Simulator) -> None:
    sim.add_run(Run("run_ok", events(3, "run_ok")))
    sim.add_run(Run("run_bad", events(4, "run_bad"), end_status="failed"))
    result = tail(sim, "run_ok", "run_bad", "--exit-status")
    assert result.code == 3, result.stderr
    assert len(result.lines) == 7
    assert "run run_ok ended: completed, 3 events shown" in result.stderr
    assert "run run_bad ended: failed, 4 events shown" in result.stderr
    plain = tail(sim, "run_ok", "run_bad")
    assert plain.code == 0, plain.stderr


def test_an_unknown_run_ends_everything_at_once_naming_it(sim: Simulator) -> None:
    # run_live never ends: only the 404 on the other run can end this tail
    sim.add_run(Run("run_live", events(2, "run_live"), end_status=None, hold_open=True))
    result = tail(sim, "run_live", "run_missing")
    assert result.code == 5
    assert "run run_missing: HTTP 404" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_that_may_not_see_one_run_ends_everything_with_4(sim: Simulator) -> None:
    sim.add_run(Run("run_mine", events(2, "run_mine"), end_status=None, hold_open=True))
    sim.add_run(Run("run_theirs", events(2, "run_theirs"), keys=("bctrl_someone_else",)))
    result = tail(sim, "run_mine", "run_theirs")
    assert result.code == 4
    assert "run run_theirs: HTTP 403" in result.stderr
    assert KEY not in result.stderr + result.stdout


def test_a_run_given_up_on_ends_everything_with_1_naming_it(sim: Simulator) -> None:
    sim.add_run(Run("run_live", events(2, "run_live"), end_status=None, hold_open=True))
    sim.add_run(Run("run_down", [], responses=[Response(500)] * 5))
    result = tail(sim, "run_live", "run_down", "--max-retries", "1")
    assert result.code == 1
    assert "run run_down: gave up after 2 attempts: HTTP 500" in result.stderr


def test_twenty_runs_every_event_exactly_once() -> None:
    runs = generated_runs(20, 150)
    with Simulator() as sim:
        for run in runs:
            sim.add_run(run)
        result = tail(sim, *(run.run_id for run in runs), timeout=60)
        assert sim.peak_streams >= 2
    assert result.code == 0, result.stderr
    assert by_run(result) == {run.run_id: [e["id"] for e in run.events] for run in runs}
    assert result.stderr.count("ended: completed, 150 events shown") == 20


def test_max_events_counts_across_runs(sim: Simulator) -> None:
    # Each run has 3 events, then stays open: 7 can only be reached by counting across runs
    # (a count per run would never get there, and the tail would run into its time limit).
    for run_id in ("run_a", "run_b", "run_c"):
        sim.add_run(Run(run_id, events(3, run_id), end_status=None, hold_open=True))
    result = tail(sim, "run_a", "run_b", "run_c", "-n", "7", "--timeout", "20")
    assert result.code == 0, result.stderr
    assert len(result.lines) == 7
    assert sorted(by_run(result)) == ["run_a", "run_b", "run_c"]
    assert "stopping after 7 events (--max-events)" in result.stderr


def test_until_across_runs_and_unmet(sim: Simulator) -> None:
    marked = events(5, "run_b")
    marked[3]["type"] = "custom.done"
    sim.add_run(Run("run_a", events(5, "run_a"), end_status=None, hold_open=True))
    sim.add_run(Run("run_b", marked, end_status=None, hold_open=True))
    met = tail(sim, "run_a", "run_b", "--until", "custom.*")
    assert met.code == 0, met.stderr
    assert json.loads(met.lines[-1])["type"] == "custom.done"
    sim.add_run(Run("run_c", events(3, "run_c")))
    sim.add_run(Run("run_d", events(3, "run_d")))
    unmet = tail(sim, "run_c", "run_d", "--until", "custom.*")
    assert unmet.code == 6, unmet.stderr
    assert len(unmet.lines) == 6
    assert "no event matched --until before every run ended" in unmet.stderr
    one = tail(sim, "run_c", "--until", "custom.*")
    assert one.code == 6 and len(one.lines) == 3
    failed_first = Run("run_f", events(2, "run_f"), end_status="failed")
    sim.add_run(failed_first)
    assert tail(sim, "run_f", "--until", "x", "--exit-status").code == 3  # the failure wins


def test_a_cursor_file_resumes_two_runs_with_nothing_lost_or_repeated(
    sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "cursors.json"
    path.write_text(
        json.dumps(
            {"format": "bctrl-tail.cursor/1", "baseUrl": sim.base_url, "runs": {"run_x": "e9"}}
        )
    )
    # First the runs have 6 events each and stay open: -n 12 stops after both runs' sixth.
    for run_id in ("run_a", "run_b"):
        sim.add_run(Run(run_id, events(12, run_id)[:6], end_status=None, hold_open=True))
    first = tail(sim, "run_a", "run_b", "--cursor-file", str(path), "-n", "12")
    assert first.code == 0, first.stderr
    assert len(first.lines) == 12
    saved = {run_id: saved_cursor(path, run_id) for run_id in ("run_a", "run_b", "run_x")}
    assert saved == {"run_a": "run_a_e005", "run_b": "run_b_e005", "run_x": "e9"}  # x is kept
    for run_id in ("run_a", "run_b"):  # then they have gone on to 12 and ended
        sim.add_run(Run(run_id, events(12, run_id)))
    second = tail(sim, "run_a", "run_b", "--cursor-file", str(path))
    assert second.code == 0, second.stderr
    shown: dict[str, list[str]] = defaultdict(list)
    for result in (first, second):
        for run_id, run_ids in by_run(result).items():
            shown[run_id] += run_ids
    assert dict(shown) == {r: [e["id"] for e in events(12, r)] for r in ("run_a", "run_b")}
    for run_id in ("run_a", "run_b"):
        assert f"resuming {run_id} after {saved[run_id]} (from {path})" in second.stderr
        assert saved_cursor(path, run_id) == f"{run_id}_e011"


def test_cursor_with_two_runs_is_a_usage_error_and_nothing_is_sent(sim: Simulator) -> None:
    result = tail(sim, "run_a", "run_b", "--cursor", "e1")
    assert result.code == 2
    assert "--cursor applies to one run" in result.stderr
    assert sim.requests == []


def test_more_than_fifty_runs_is_a_usage_error(sim: Simulator) -> None:
    result = tail(sim, *(f"run_{n}" for n in range(51)))
    assert result.code == 2
    assert "at most 50 runs at once, 51 were given" in result.stderr
    assert sim.requests == []


def test_jsonl_adds_run_id_only_where_missing_and_only_with_several_runs(sim: Simulator) -> None:
    sim.add_run(Run("run_a", events(2, "run_a")))
    sim.add_run(Run("run_b", events(2, "run_b", with_run_id=True)))
    several = tail(sim, "run_a", "run_b")
    lines = {json.loads(line)["id"]: line for line in several.lines}
    assert lines["run_a_e000"].endswith(',"runId":"run_a"}')
    assert json.loads(lines["run_b_e000"]) == events(2, "run_b", with_run_id=True)[0]
    one = tail(sim, "run_a")
    assert [json.loads(line) for line in one.lines] == events(2, "run_a")


def test_pretty_names_each_run(sim: Simulator) -> None:
    sim.add_run(Run("run_a", events(2, "run_a")))
    sim.add_run(Run("run_long_b", events(2, "run_long_b")))
    result = tail(sim, "run_a", "run_long_b", "-o", "pretty", "--color", "never")
    assert result.code == 0, result.stderr
    starts = sorted(line.split(" ", 1)[0] for line in result.lines)
    assert starts == ["run_a", "run_a", "run_long_b", "run_long_b"]
    assert all(line.startswith(("run_a      ", "run_long_b ")) for line in result.lines)


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="POSIX signals")
def test_ctrl_c_lists_each_runs_last_id(sim: Simulator) -> None:
    sim.add_run(Run("run_a", events(3, "run_a"), end_status=None, hold_open=True))
    sim.add_run(Run("run_b", [], end_status=None, hold_open=True, heartbeat=0.2))
    proc = start(sim, "run_a", "run_b")
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]  # every event of run_a is out
    assert all(lines)
    assert sim.wait_streaming({"run_a", "run_b"}, timeout=20)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert (
        "interrupted: 3 events shown, 0 reconnects; last ids: run_a run_a_e002, run_b (none)"
        in err.decode()
    )


def test_a_cursor_file_for_another_base_url_is_not_applied(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "cursors.json"
    other = {"format": "bctrl-tail.cursor/1", "baseUrl": "https://api.bctrl.ai",
             "runs": {"run_a": "run_a_e001"}}  # fmt: skip
    path.write_text(json.dumps(other))
    sim.add_run(Run("run_a", events(3, "run_a")))
    result = tail(sim, "run_a", "--cursor-file", str(path))
    assert result.code == 0, result.stderr
    assert len(result.lines) == 3  # from the beginning: that cursor was for another API
    assert f"holds cursors for https://api.bctrl.ai, not {sim.base_url}" in result.stderr
    saved = json.loads(path.read_text())
    assert (saved["baseUrl"], saved["runs"]) == (sim.base_url, {"run_a": "run_a_e002"})


# -- raw output ---------------------------------------------------------------------------------


def raw_blocks(out: str) -> list[tuple[str, str]]:
    """(run, block) for every block of raw output, the run as the last ``: run ID`` comment
    line before it named it; the comment lines themselves taken out."""
    blocks: list[tuple[str, str]] = []
    current = ""
    for block in out.split("\n\n")[:-1]:
        lines = block.split("\n")
        while lines and lines[0].startswith(": run "):
            assert lines[0] != f": run {current}", "a marker repeats the run before it"
            current = lines.pop(0).removeprefix(": run ")
        blocks.append((current, "\n".join(lines)))
    return blocks


def test_raw_names_the_run_before_each_stretch_of_blocks_and_keeps_the_frames(
    sim: Simulator,
) -> None:
    for run_id in ("run_a", "run_b"):
        sim.add_run(Run(run_id, events(6, run_id, with_run_id=True), interval=0.01))
    result = run_cli("--base-url", sim.base_url, "-o", "raw", "run_a", "run_b")
    assert result.code == 0, result.stderr
    blocks = raw_blocks(result.stdout)
    seen: dict[str, list[str]] = defaultdict(list)
    for run, block in blocks:
        assert run in ("run_a", "run_b"), block  # the first block already has its marker
        data = [line for line in block.split("\n") if line.startswith("data: ")]
        if block.startswith("event: run.event"):
            event = json.loads(data[0].removeprefix("data: "))
            assert event["runId"] == run
            seen[run].append(event["id"])
        elif block.startswith("event: run.ended"):
            assert json.loads(data[0].removeprefix("data: "))["runId"] == run
    assert dict(seen) == {r: [e["id"] for e in events(6, r)] for r in ("run_a", "run_b")}
    # the frames themselves are as the simulator sent them
    for run_id in ("run_a", "run_b"):
        state = RunState(sim.runs[run_id])
        sent = [state.frame(i).decode().rstrip("\n") for i in range(6)]
        assert [b for r, b in blocks if r == run_id and b.startswith("event: run.event")] == sent
    one = run_cli("--base-url", sim.base_url, "-o", "raw", "run_a")
    assert one.code == 0, one.stderr
    assert not [line for line in one.stdout.splitlines() if line.startswith(":")]  # unchanged


def sse(evs: list[dict[str, Any]]) -> bytes:
    return b"".join(
        f"event: run.event\nid: {e['id']}\ndata: {json.dumps(e)}\n\n".encode() for e in evs
    )


def test_raw_with_max_events_stops_at_the_event_that_reached_it(sim: Simulator) -> None:
    """run_a's two events come first; run_b's ten then arrive in one read (after a 503 and
    its Retry-After): -n 3 stops at run_b's first, and raw writes nothing after it."""
    sim.add_run(Run("run_a", events(2, "run_a"), end_status=None, hold_open=True))
    sim.add_run(
        Run(
            "run_b",
            [],
            raw_chunks=[sse(events(10, "run_b"))],
            responses=[Response(503, headers={"Retry-After": "1"})],
        )
    )
    result = run_cli("--base-url", sim.base_url, "-o", "raw", "-n", "3", "run_a", "run_b")
    assert result.code == 0, result.stderr
    shown = [
        json.loads(line.removeprefix("data: "))["id"]
        for line in result.stdout.splitlines()
        if line.startswith("data: ")
    ]
    assert shown == ["run_a_e000", "run_a_e001", "run_b_e000"]
    assert result.stdout.endswith("\n\n")  # whole blocks only
    assert [run for run, _ in raw_blocks(result.stdout)][-1] == "run_b"
    assert "stopping after 3 events (--max-events)" in result.stderr
