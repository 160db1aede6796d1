"""Fault switches: canned responses, drops, byte cuts, stalls, gates, raw bodies, stop()."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from bctrl_tail.simulator import Response, Run, Simulator

Get = Callable[..., Any]
Live = Callable[..., Any]


def numbered(n: int, text: str = "") -> list[dict[str, Any]]:
    return [
        {"id": f"e{i}", "type": "x", "time": "2026-01-01T00:00:00.000Z", "message": text}
        for i in range(1, n + 1)
    ]


def ids(response: Any) -> list[str]:
    return [f["id"] for f in response.events()]


def test_responses_are_consumed_one_per_request(sim: Simulator, get: Get) -> None:
    responses = [
        Response(503, headers={"Retry-After": "2"}),
        Response(429, headers={"Retry-After": "1"}),
        Response(500, {"error": "custom", "code": "x.y"}),
        Response(502, "plain text"),
    ]
    sim.add_run(Run("r1", numbered(2), responses=responses))
    first = get("r1")
    assert first.status == 503
    assert first.headers["retry-after"] == "2"
    assert first.headers["content-type"] == "application/json"
    body = json.loads(first.body)
    assert body["code"] == "service.unavailable" and body["error"]
    assert re.fullmatch(r"req_\w+", body["requestId"])
    second = get("r1")
    assert second.status == 429 and json.loads(second.body)["code"] == "rate_limited"
    assert second.headers["retry-after"] == "1"
    assert json.loads(get("r1").body) == {"error": "custom", "code": "x.y"}
    assert get("r1").body == b"plain text"
    assert ids(get("r1")) == ["e1", "e2"]  # then the normal stream
    assert ids(get("r1")) == ["e1", "e2"]


def test_204_has_no_body(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", numbered(1), responses=[Response(204)]))
    resp = get("r1")
    assert resp.status == 204 and resp.body == b""


def test_fixed_response_answers_everything(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", numbered(1)))
    sim.fixed_response = Response(503, headers={"Retry-After": "7"})
    for _ in range(3):
        resp = get("r1")
        assert resp.status == 503 and resp.headers["retry-after"] == "7"


def test_drop_every_cuts_after_n_events(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", numbered(5), drop_every=2))
    first = get("r1")
    assert ids(first) == ["e1", "e2"]
    assert not first.complete  # no terminating chunk: an abrupt close
    second = get("/v2/runs/r1/events/stream?cursor=e2")
    assert ids(second) == ["e3", "e4"] and not second.complete
    last = get("/v2/runs/r1/events/stream?cursor=e4")
    assert ids(last) == ["e5"]
    assert last.complete and last.frames()[-1]["event"] == "run.ended"


def no_finish_time(body: bytes) -> bytes:
    return re.sub(rb'"finishedAt":"[^"]*"', b'"finishedAt":"-"', body)


def test_drop_at_bytes_cuts_at_exact_offsets_of_the_full_stream(sim: Simulator, get: Get) -> None:
    events = numbered(4, text="héllo wörld 日本")
    sim.add_run(Run("r1", events))
    full = no_finish_time(get("r1").body)
    assert full.endswith(b"\n\n")
    boundaries = [m.end() for m in re.finditer(b"\n\n", full)]
    # a cut inside the multi-byte character of the second event, then one inside the fourth
    cut1 = full.index("日".encode(), boundaries[0]) + 1
    cut2 = boundaries[2] + 10
    sim.add_run(Run("r1", events, drop_at_bytes=[cut1, cut2]))  # replaces the run
    first = get("r1")
    assert first.body == full[:cut1]  # exactly the bytes before the cut, mid UTF-8 character
    assert not first.complete
    assert ids(first) == ["e1"]
    second = get("/v2/runs/r1/events/stream?cursor=e1")
    assert second.body == full[boundaries[0] : cut2]  # offsets count from the full stream
    assert ids(second) == ["e2", "e3"] and not second.complete
    third = get("/v2/runs/r1/events/stream?cursor=e3")
    assert no_finish_time(third.body) == full[boundaries[2] :]
    assert third.complete
    assert no_finish_time(get("r1").body) == full  # each offset is used once


def test_drop_at_bytes_close_delimited(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", numbered(2), close_delimited=True, drop_at_bytes=[7]))
    first = get("r1")
    assert first.body == b"event: "
    assert json.loads(get("r1").frames()[-1]["data"])["status"] == "completed"


def test_stall_once_after_n_events(sim: Simulator, live: Live) -> None:
    sim.add_run(Run("r1", numbered(3), stall=(1, 0.6)))
    stream = live("r1")
    t1 = stream.wait_for(b"id: e1\n")
    assert stream.quiet_for(0.3)  # nothing at all, not even heartbeats
    t2 = stream.wait_for(b"id: e2\n", timeout=5)
    assert t2 - t1 >= 0.5
    stream.wait_for(b"event: run.ended")
    again = live("r1")  # once per run: no stall the second time
    first_seen = again.wait_for(b"id: e1\n")
    gap = again.wait_for(b"id: e2\n", timeout=5) - first_seen
    again.wait_for(b"event: run.ended", timeout=5)
    assert gap < 0.3  # the stall between them was 0.6 s the first time


def test_close_delimited_body(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", numbered(2), close_delimited=True))
    resp = get("r1")
    assert resp.status == 200
    assert "transfer-encoding" not in resp.headers
    assert "content-length" not in resp.headers
    assert resp.headers["connection"] == "close"
    assert resp.body.startswith(b"event: run.event\nid: e1\n")
    assert ids(resp) == ["e1", "e2"]
    assert resp.frames()[-1]["event"] == "run.ended"


def test_raw_chunks_are_written_as_given(sim: Simulator, get: Get) -> None:
    chunks = [b"event: run.event\r\nid: 1\r\n", b'data: {"id":"1"}\r\n\r\n', b"\xe6\x97", b"\xa5"]
    sim.add_run(Run("r1", [], raw_chunks=chunks))
    resp = get("r1")
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/event-stream")
    assert resp.chunks == chunks and resp.complete


def test_an_empty_raw_chunk_does_not_end_the_body(sim: Simulator, get: Get) -> None:
    """Chunked encoding ends a body with a chunk of length 0: an empty write is skipped."""
    chunks = [b"", b"data: a\n\n", b"", b"data: b\n\n"]
    sim.add_run(Run("r1", [], raw_chunks=chunks))
    resp = get("r1")
    assert resp.chunks == [b"data: a\n\n", b"data: b\n\n"] and resp.complete


def test_gate_holds_the_rest_until_set(sim: Simulator, live: Live) -> None:
    gate = threading.Event()
    sim.add_run(Run("r1", numbered(3), gate=gate))
    stream = live("r1")
    stream.wait_for(b"id: e1\n")
    assert stream.quiet_for(0.2)
    gate.set()
    stream.read_to_end()
    assert stream.response().complete
    assert ids(stream.response()) == ["e1", "e2", "e3"]


def test_hold_open_keeps_the_response_open(sim: Simulator, live: Live) -> None:
    sim.add_run(Run("r1", numbered(1), end_status=None, hold_open=True, heartbeat=0.05))
    stream = live("r1")
    stream.wait_for(b"id: e1\n")
    stream.wait_for(b"event: heartbeat")
    stream.wait_for(b'event: heartbeat\ndata: {"time"', timeout=3)
    assert not stream.closed


@pytest.mark.parametrize("kind", ["stall", "gate", "hold", "slow"])
def test_stop_is_prompt_with_open_streams(kind: str, live_factory: Any) -> None:
    runs = {
        "stall": Run("r1", numbered(2), stall=(1, 60)),
        "gate": Run("r1", numbered(2), gate=threading.Event()),
        "hold": Run("r1", numbered(1), end_status=None, hold_open=True),
        "slow": Run("r1", numbered(2), interval=60, heartbeat=30),
    }
    simulator = Simulator().start()
    simulator.add_run(runs[kind])
    stream = live_factory(simulator)
    if kind != "slow":
        stream.wait_for(b"id: e1\n")
    assert simulator.wait_for_requests(1, timeout=5)
    started = time.monotonic()
    simulator.stop()
    assert time.monotonic() - started < 10  # not the 30-60 s the open streams would take
    stream.read_to_end(timeout=5)  # the server closed the connection
    assert stream.closed
    simulator.stop()  # idempotent


def test_wait_for_requests_and_recorded_requests(sim: Simulator, get: Get) -> None:
    assert not sim.wait_for_requests(1, timeout=0.05)
    sim.add_run(Run("r1", numbered(1)))
    get("/v2/runs/r1/events/stream?type=a&type=b&cursor=e0", {"Last-Event-ID": "e0"})
    assert sim.wait_for_requests(1, timeout=1)
    request = sim.requests[0]
    assert request.method == "GET"
    assert request.path == "/v2/runs/r1/events/stream"
    assert request.raw_path == "/v2/runs/r1/events/stream?type=a&type=b&cursor=e0"
    assert request.query == {"type": ["a", "b"], "cursor": ["e0"]}
    assert request.headers["last-event-id"] == "e0"
    assert request.headers["Last-Event-ID"] == "e0"
    assert request.time <= time.monotonic()
