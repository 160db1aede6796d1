"""One timeline per run, per-run keys, and the simulator's view of open streams."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from bctrl_tail.simulator import Run, Simulator, generated_run, generated_runs

Get = Callable[..., Any]
Live = Callable[..., Any]
Raw = Callable[..., Any]
KEY = "bctrl_timeline_key_123456"
OTHER = "bctrl_other_key_654321"


def times(response: Any) -> dict[str, str]:
    return {f["id"]: json.loads(f["data"])["time"] for f in response.events()}


def test_a_live_run_continues_where_it_is_across_connections(sim: Simulator, live: Live) -> None:
    events = [{"id": f"e{n}", "type": "x"} for n in range(1, 4)]
    sim.add_run(Run("r1", events, delays=[0.0, 0.0, 60.0]))
    first = live("r1")
    first.wait_for(b"id: e2\n")
    first.close()
    # A second connection from the start: e1 and e2 are history (due already), so they come
    # at once with the times the first connection saw; e3 is not due for a minute.
    second = live("r1")
    second.wait_for(b"id: e2\n", timeout=5)
    assert b"id: e3" not in second.data
    assert second.quiet_for(0.3)
    assert times(first.response()) == times(second.response())


def test_an_ended_run_is_served_whole_at_once_with_its_original_times(
    sim: Simulator, get: Get
) -> None:
    events = [{"id": f"e{n}", "type": "x"} for n in range(1, 4)]
    sim.add_run(Run("r1", events, delays=[0.0, 1.0, 1.0]))
    started = time.monotonic()
    first = get("r1")
    played = time.monotonic() - started
    assert played >= 2.0  # the first connection saw the run at its pace
    started = time.monotonic()
    again = get("r1")
    assert time.monotonic() - started < played / 2  # not replayed from the start
    assert again.body == first.body  # the same frames: same times, same finishedAt
    ended = json.loads(again.frames()[-1]["data"])
    assert ended["finishedAt"] == times(first)["e3"]
    stamps = list(times(first).values())
    assert stamps == sorted(stamps)


def test_a_resumed_connection_keeps_the_times(sim: Simulator, get: Get) -> None:
    events = [{"id": f"e{n}", "type": "x"} for n in range(1, 5)]
    sim.add_run(Run("r1", events, interval=0.05))
    whole = times(get("r1"))
    resumed = times(get("/v2/runs/r1/events/stream?cursor=e2"))
    assert resumed == {k: v for k, v in whole.items() if k in ("e3", "e4")}


@pytest.mark.parametrize(
    ("key", "run_id", "status", "code"),
    [
        (KEY, "open", 200, None),
        (KEY, "theirs", 403, "auth.forbidden"),
        (OTHER, "theirs", 200, None),
        (OTHER, "open", 200, None),
        ("bctrl_unknown_key_000", "theirs", 401, "auth.invalid_key"),
        ("bctrl_unknown_key_000", "open", 401, "auth.invalid_key"),
        (None, "theirs", 401, "auth.required"),
        (KEY, "missing", 404, "run.not_found"),
    ],
)
def test_a_wrong_key_is_401_and_a_key_that_may_not_see_the_run_is_403(
    raw: Raw, key: str | None, run_id: str, status: int, code: str | None
) -> None:
    with Simulator(require_key=KEY) as sim:
        sim.add_run(Run("open", [{"id": "e1", "type": "x"}]))
        sim.add_run(Run("theirs", [{"id": "e1", "type": "x"}], keys=(OTHER,)))
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        resp = raw(sim.base_url, f"/v2/runs/{run_id}/events/stream", headers)
        assert resp.status == status
        if code is not None:
            assert json.loads(resp.body)["code"] == code
        assert KEY.encode() not in resp.body and OTHER.encode() not in resp.body


def test_run_keys_work_without_require_key(raw: Raw) -> None:
    with Simulator() as sim:
        sim.add_run(Run("theirs", [{"id": "e1", "type": "x"}], keys=(OTHER,)))
        sim.add_run(Run("open", [{"id": "e1", "type": "x"}]))
        path = "/v2/runs/theirs/events/stream"
        assert raw(sim.base_url, path, {"Authorization": "Bearer nope"}).status == 403
        assert raw(sim.base_url, path).status == 401
        assert raw(sim.base_url, path, {"Authorization": f"Bearer {OTHER}"}).status == 200
        assert raw(sim.base_url, "/v2/runs/open/events/stream").status == 200


def test_wait_streaming_sees_streams_open_at_the_same_time(sim: Simulator, live: Live) -> None:
    for run_id in ("a", "b"):
        sim.add_run(Run(run_id, [{"id": "e1", "type": "x"}], end_status=None, hold_open=True))
    assert not sim.wait_streaming({"a", "b"}, timeout=0.05)
    first = live("a")
    first.wait_for(b"id: e1")
    assert not sim.wait_streaming({"a", "b"}, timeout=0.05)
    second = live("b")
    second.wait_for(b"id: e1")
    assert sim.wait_streaming({"a", "b"}, timeout=5)
    assert sim.peak_streams == 2


def test_generated_runs() -> None:
    runs = generated_runs(12, 30)
    assert [run.run_id for run in runs][:2] == ["run_gen_001", "run_gen_002"]
    assert len({run.run_id for run in runs}) == 12
    run = runs[0]
    assert len(run.events) == 30 and run.end_status == "completed"
    assert [e["id"] for e in run.events][:2] == ["evt_000001", "evt_000002"]
    assert all(e["runId"] == "run_gen_001" and e["type"] for e in run.events)
    assert run.delay_before(5) == 0.0
    assert generated_run("x", 3, interval=0.5).delay_before(1) == 0.5


def test_generated_runs_are_served_concurrently(sim: Simulator, get: Get) -> None:
    for run in generated_runs(3, 50):
        sim.add_run(run)
    resp = get("run_gen_003")
    assert [f["id"] for f in resp.events()] == [f"evt_{n:06d}" for n in range(1, 51)]
    assert json.loads(resp.frames()[-1]["data"])["status"] == "completed"
