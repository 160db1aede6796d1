"""The demo runs and replays of JSONL recordings."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bctrl_tail.events import CATEGORIES, category_of_type
from bctrl_tail.simulator import (
    ReplayError,
    Run,
    Simulator,
    demo_run,
    demo_runs,
    load_replay,
    load_replays,
)

Raw = Callable[..., Any]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.parametrize("failing", [False, True])
def test_demo_run_shape(failing: bool) -> None:
    run = demo_run("run_x", failing=failing)
    events = run.events
    assert 60 <= len(events) <= 100
    assert run.delays is not None and 25 <= sum(run.delays) <= 35  # about 30 s at speed 1
    assert run.heartbeat is not None and run.heartbeat <= 3
    assert {e["category"] for e in events} == set(CATEGORIES)
    for seq, event in enumerate(events, start=1):
        assert event["id"] == f"evt_{seq:04d}" and event["seq"] == seq
        assert event["runId"] == "run_x"
        assert isinstance(event["data"], dict)
        assert "time" not in event  # stamped when sent
        if event["category"] != "event":
            assert event["category"] == category_of_type(event["type"])
    types = {e["type"] for e in events}
    for wanted in (
        "runtime.lifecycle",
        "navigation",
        "page.load",
        "network.request",
        "network.response",
        "network.failed",
        "console.message",
        "page.error",
        "dialog",
        "download",
        "captcha.solve.started",
        "tool.call",
        "connection.command.sent",
        "connection.command.completed",
    ):
        assert wanted in types
    statuses = {e["data"].get("status") for e in events if e["type"] == "network.response"}
    assert {200, 404, 500} <= statuses
    failed = next(e for e in events if e["type"] == "network.failed")
    assert failed["data"]["errorText"] == "net::ERR_NAME_NOT_RESOLVED"
    levels = {e["data"]["level"] for e in events if e["type"] == "console.message"}
    assert {"log", "warn", "error"} <= levels
    commands = [e for e in events if e["type"].startswith("connection.command.")]
    assert all(UUID.fullmatch(e["connectionId"]) for e in commands)
    assert events[0]["type"] == "runtime.lifecycle" and events[0]["status"] == "started"
    if failing:
        assert "captcha.solve.failed" in types and "captcha.solve.succeeded" not in types
        assert run.end_status == "failed"
        assert run.failure is not None and run.failure["code"] == "runtime.crashed"
        assert "page.crash" in [e["type"] for e in events[-2:]]
    else:
        assert "captcha.solve.succeeded" in types and "captcha.solve.failed" not in types
        assert run.end_status == "completed" and run.failure is None


def test_demo_runs() -> None:
    runs = demo_runs(speed=4)
    assert [r.run_id for r in runs] == ["run_demo", "run_demo_failed"]
    assert [r.end_status for r in runs] == ["completed", "failed"]
    assert all(r.speed == 4 for r in runs)


@pytest.mark.parametrize(
    ("run_id", "status"), [("run_demo", "completed"), ("run_demo_failed", "failed")]
)
def test_demo_served_fast_with_current_times(raw: Raw, run_id: str, status: str) -> None:
    with Simulator() as sim:
        for run in demo_runs(speed=1000):
            sim.add_run(run)
        resp = raw(sim.base_url, f"/v2/runs/{run_id}/events/stream")
    events = [json.loads(f["data"]) for f in resp.events()]
    assert len(events) == len(demo_run(run_id, failing=status == "failed").events)
    now = dt.datetime.now(dt.timezone.utc)
    for event in events:
        sent = dt.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        assert abs((now - sent).total_seconds()) < 60
    end = json.loads(resp.frames()[-1]["data"])
    assert end["status"] == status and end["runId"] == run_id


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def record(i: int, seconds: float, **extra: Any) -> str:
    time = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=seconds)
    event = {"id": f"evt_{i}", "runId": "run_rec", "type": "x", **extra}
    event.setdefault("time", time.isoformat().replace("+00:00", "Z"))
    return json.dumps(event)


def test_replay_paces_from_recorded_times(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "rec.jsonl",
        [record(1, 0), "", record(2, 1.5), "   ", record(3, 61), record(4, 60.5)],
    )
    run = load_replay(path)
    assert run.run_id == "run_rec"
    assert [e["id"] for e in run.events] == ["evt_1", "evt_2", "evt_3", "evt_4"]
    assert run.delays == pytest.approx([0.0, 1.5, 5.0, 0.0])  # capped, never negative
    assert run.end_status == "completed"


def test_replay_rate_and_run_id(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "rec.jsonl", [record(1, 0), record(2, 100)])
    run = load_replay(path, "other", rate=4)
    assert run.run_id == "other"
    assert run.delays is None and run.interval == 0.25
    with pytest.raises(ValueError):
        load_replay(path, rate=0)


def test_replay_run_id_from_file_stem_and_time_fields(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "type": "x", "timestamp": "2026-03-01T12:00:00Z"}),
        json.dumps({"id": "b", "type": "x", "createdAt": 1772366402000}),  # epoch ms, +2 s
        json.dumps({"id": "c", "type": "x"}),
    ]
    run = load_replay(write_lines(tmp_path / "my-run.jsonl", lines))
    assert run.run_id == "my-run"
    assert run.delays == pytest.approx([0.0, 2.0, 0.0])


@pytest.mark.parametrize(
    ("bad", "reason"),
    [("{not json", "invalid JSON"), ("[1, 2]", "JSON object"), ('"text"', "JSON object")],
)
def test_replay_bad_line_names_file_and_line(tmp_path: Path, bad: str, reason: str) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [record(1, 0), "", bad, record(2, 1)])
    with pytest.raises(ReplayError) as info:
        load_replay(path)
    message = str(info.value)
    assert f"{path}:3:" in message and reason in message
    assert isinstance(info.value, ValueError)


def test_replay_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"missing\.jsonl"):
        load_replay(tmp_path / "missing.jsonl")


def test_replay_served_keeps_original_fields(tmp_path: Path, raw: Raw) -> None:
    lines = [
        record(1, 0, category="network", data={"url": "https://x.test/é"}),
        json.dumps({"id": "evt_2", "type": "y", "timestamp": "2026-03-01T12:00:01Z"}),
    ]
    run = load_replay(write_lines(tmp_path / "rec.jsonl", lines), rate=1000)
    original = [json.loads(line) for line in lines]
    with Simulator() as sim:
        sim.add_run(run)
        resp = raw(sim.base_url, "/v2/runs/run_rec/events/stream")
    assert [json.loads(f["data"]) for f in resp.events()] == original


def test_replay_of_a_served_demo_roundtrips(tmp_path: Path, raw: Raw) -> None:
    with Simulator() as sim:
        sim.add_run(Run("run_demo", demo_run().events, speed=1000))
        resp = raw(sim.base_url, "/v2/runs/run_demo/events/stream")
    recorded = [f["data"] for f in resp.events()]
    path = write_lines(tmp_path / "demo.jsonl", recorded)
    run = load_replay(path)
    assert run.run_id == "run_demo"
    assert [
        json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in run.events
    ] == recorded


def test_replay_refuses_an_id_that_would_break_sse_framing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id":"e1","type":"a"}\n{"id":"e2\\ndata: injected","type":"b"}\n')
    with pytest.raises(ReplayError, match=f"{bad}:2"):
        load_replay(bad)


def test_replay_splits_a_recording_of_several_runs(tmp_path: Path) -> None:
    lines = [
        record(1, 0, runId="run_a"),
        record(2, 1, runId="run_b"),
        json.dumps({"id": "n1", "type": "x"}),
        record(3, 3, runId="run_a"),
        record(4, 4, runId="run_b"),
    ]
    path = write_lines(tmp_path / "batch.jsonl", lines)
    runs = load_replays(path)
    assert [run.run_id for run in runs] == ["run_a", "run_b", "batch"]  # first appearance
    assert [[e["id"] for e in run.events] for run in runs] == [
        ["evt_1", "evt_3"],
        ["evt_2", "evt_4"],
        ["n1"],
    ]
    assert runs[0].delays == pytest.approx([0.0, 3.0])  # each paced by its own times
    assert [run.run_id for run in load_replays(path, "loose")] == ["run_a", "run_b", "loose"]
    with pytest.raises(ReplayError, match="holds 3 runs"):
        load_replay(path)
    with pytest.raises(ReplayError, match=r"--run-id .* runs: run_a, run_b"):
        load_replays(write_lines(tmp_path / "two.jsonl", [lines[0], lines[1]]), "x")


def test_replay_of_one_run_keeps_its_events_without_a_run_id(tmp_path: Path) -> None:
    lines = [record(1, 0), json.dumps({"id": "n1", "type": "x"}), record(2, 1)]
    path = write_lines(tmp_path / "one.jsonl", lines)
    (run,) = load_replays(path)
    assert run.run_id == "run_rec" and [e["id"] for e in run.events] == ["evt_1", "n1", "evt_2"]
    assert [run.run_id for run in load_replays(path, "renamed")] == ["renamed"]


def test_replay_serves_events_without_a_time_as_recorded(tmp_path: Path, raw: Raw) -> None:
    line = json.dumps({"id": "a", "type": "x", "runId": "run_plain"})
    run = load_replay(write_lines(tmp_path / "plain.jsonl", [line]))
    with Simulator() as sim:
        sim.add_run(run)
        sim.add_run(Run("run_made", [{"id": "a", "type": "x"}]))
        replayed = raw(sim.base_url, "/v2/runs/run_plain/events/stream")
        made = raw(sim.base_url, "/v2/runs/run_made/events/stream")
    assert [json.loads(f["data"]) for f in replayed.events()] == [json.loads(line)]
    assert "time" in json.loads(made.events()[0]["data"])  # a built run is still stamped
