"""The stream: framing, heartbeats, filters, cursor and limit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bctrl_tail.simulator import Run, Simulator

ISO_MS_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

CONN_A = "11111111-2222-4333-8444-555555555555"
CONN_B = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"

Get = Callable[..., Any]  # conftest's get fixture -> RawResponse
Live = Callable[..., Any]  # conftest's live fixture -> LiveStream


def mixed_events() -> list[dict[str, Any]]:
    return [
        {"id": "e1", "type": "runtime.lifecycle", "status": "started"},
        {"id": "e2", "type": "network.request", "data": {"url": "https://x.test/"}},
        {"id": "e3", "type": "network.response", "category": "network"},
        {"id": "e4", "type": "console.message", "message": "hi"},
        {"id": "e5", "type": "connection.command.sent", "connectionId": CONN_A},
        {"id": "e6", "type": "connection.command.completed", "connectionId": CONN_B},
        {"id": "e7", "type": "custom.thing", "category": "tool"},
        {"id": "e8", "type": "download"},
    ]


def ids(response: Any) -> list[str]:
    return [f["id"] for f in response.events()]


def test_framing_chunks_and_run_ended(sim: Simulator, get: Get) -> None:
    stamped = "2026-01-02T03:04:05.678Z"
    events = [
        {"id": "e1", "type": "navigation", "title": "é"},
        {"id": "e2", "type": "x", "time": stamped},
    ]
    sim.add_run(Run("r1", events, failure=None))
    resp = get("r1")
    assert resp.status == 200
    assert resp.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert resp.headers["cache-control"] == "no-cache"
    assert resp.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in resp.headers
    assert resp.complete
    assert resp.chunks is not None and len(resp.chunks) == 3  # one chunk per frame
    assert all(chunk.endswith(b"\n\n") for chunk in resp.chunks)
    first = resp.chunks[0].decode()
    assert first.startswith("event: run.event\nid: e1\ndata: {")
    data = json.loads(resp.events()[0]["data"])
    assert data["id"] == "e1" and data["title"] == "é"
    assert ISO_MS_Z.fullmatch(data["time"])  # stamped when sent
    assert ", " not in resp.events()[0]["data"]  # compact JSON
    assert json.loads(resp.events()[1]["data"])["time"] == stamped  # kept
    ended = resp.frames()[-1]
    assert ended["event"] == "run.ended" and "id" not in ended
    end = json.loads(ended["data"])
    assert set(end) == {"runId", "status", "finishedAt", "failure"}
    assert end["runId"] == "r1" and end["status"] == "completed" and end["failure"] is None
    assert ISO_MS_Z.fullmatch(end["finishedAt"])


def test_failure_status_and_body(sim: Simulator, get: Get) -> None:
    failure = {"code": "runtime.crashed", "message": "boom"}
    sim.add_run(
        Run("r1", [{"id": "e1", "type": "page.crash"}], end_status="failed", failure=failure)
    )
    end = json.loads(get("r1").frames()[-1]["data"])
    assert end["status"] == "failed" and end["failure"] == failure


def test_no_end_status_ends_without_run_ended(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", [{"id": "e1", "type": "x"}], end_status=None))
    resp = get("r1")
    assert ids(resp) == ["e1"]
    assert [f["event"] for f in resp.frames()] == ["run.event"]
    assert resp.complete


def test_retry_line_and_content_type(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", [{"id": "e1", "type": "x"}], retry_ms=1500, content_type="text/plain"))
    resp = get("r1")
    assert resp.body.startswith(b"retry: 1500\n\n")
    assert resp.headers["content-type"] == "text/plain"


@pytest.mark.parametrize(
    ("style", "marker"),
    [("event", b'event: heartbeat\ndata: {"time":'), ("comment", b": keep-alive\n\n")],
)
def test_heartbeats_while_waiting(sim: Simulator, live: Live, style: str, marker: bytes) -> None:
    gate_free = [{"id": "e1", "type": "x"}, {"id": "e2", "type": "x"}]
    sim.add_run(Run("r1", gate_free, delays=[0, 5], heartbeat=0.05, heartbeat_style=style))
    stream = live("r1")
    stream.wait_for(b"id: e1\n")
    stream.wait_for(marker, timeout=3)
    if style == "event":
        frame = next(f for f in stream.response().frames() if f.get("event") == "heartbeat")
        assert ISO_MS_Z.fullmatch(json.loads(frame["data"])["time"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=network.request", ["e2"]),
        ("type=network.request&type=download", ["e2", "e8"]),
        ("type=network.*", ["e2", "e3"]),
        ("type=network", []),
        ("category=network", ["e2", "e3"]),
        ("category=command&category=file", ["e5", "e6", "e8"]),
        ("category=tool", ["e7"]),  # the event's own category wins over its type
        ("category=event", []),
        (f"connectionId={CONN_A}", ["e5"]),
        (f"connectionId={CONN_B.upper()}", ["e6"]),
        ("category=command&type=connection.command.sent", ["e5"]),
    ],
)
def test_server_filters(sim: Simulator, get: Get, query: str, expected: list[str]) -> None:
    sim.add_run(Run("r1", mixed_events()))
    resp = get(f"/v2/runs/r1/events/stream?{query}")
    assert ids(resp) == expected
    assert resp.frames()[-1]["event"] == "run.ended"


@pytest.mark.parametrize("query", ["category=nope", "limit=0", "limit=x", "connectionId=123"])
def test_invalid_parameters_get_400(sim: Simulator, get: Get, query: str) -> None:
    sim.add_run(Run("r1", mixed_events()))
    resp = get(f"/v2/runs/r1/events/stream?{query}")
    assert resp.status == 400
    assert json.loads(resp.body)["code"] == "request.invalid"


def test_cursor_resumes_after_the_event(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", mixed_events()))
    assert ids(get("/v2/runs/r1/events/stream?cursor=e6")) == ["e7", "e8"]
    assert ids(get("/v2/runs/r1/events/stream?cursor=e8")) == []
    assert len(ids(get("/v2/runs/r1/events/stream?cursor=unknown"))) == 8
    assert ids(get("r1", {"Last-Event-ID": "e7"})) == ["e8"]
    # the cursor parameter wins over the header
    assert ids(get("/v2/runs/r1/events/stream?cursor=e6", {"Last-Event-ID": "e1"})) == ["e7", "e8"]
    assert ids(get("/v2/runs/r1/events/stream?cursor=e4&category=command")) == ["e5", "e6"]


def test_inclusive_cursor_resends_the_cursor_event(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", mixed_events(), inclusive_cursor=True))
    assert ids(get("/v2/runs/r1/events/stream?cursor=e7")) == ["e7", "e8"]


def test_limit_ends_the_response_without_run_ended(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", mixed_events()))
    resp = get("/v2/runs/r1/events/stream?limit=3")
    assert ids(resp) == ["e1", "e2", "e3"]
    assert all(f["event"] == "run.event" for f in resp.frames())
    assert resp.complete
    resp = get("/v2/runs/r1/events/stream?limit=3&cursor=e6")
    assert ids(resp) == ["e7", "e8"]
    assert resp.frames()[-1]["event"] == "run.ended"


def test_filtered_events_keep_the_pace(sim: Simulator, live: Live) -> None:
    events = [{"id": "a", "type": "x"}, {"id": "b", "type": "y"}, {"id": "c", "type": "x"}]
    sim.add_run(Run("r1", events, delays=[0, 0.3, 0.0]))
    stream = live("/v2/runs/r1/events/stream?type=x")
    t_a = stream.wait_for(b"id: a\n")
    t_c = stream.wait_for(b"id: c\n")
    assert t_c - t_a >= 0.25
    assert b"id: b\n" not in stream.data


def test_same_frame_bytes_when_resent(sim: Simulator, get: Get) -> None:
    sim.add_run(Run("r1", [{"id": "e1", "type": "x"}, {"id": "e2", "type": "x"}]))
    first = get("r1").body
    again = get("r1").body
    assert first == again  # times are stamped once per run


def test_many_concurrent_streams(sim: Simulator, raw: Get) -> None:
    events = [{"id": f"e{i}", "type": "x"} for i in range(20)]
    sim.add_run(Run("r1", events, interval=0.005))
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(
            pool.map(lambda _: raw(sim.base_url, "/v2/runs/r1/events/stream"), range(25))
        )
    assert all(len(r.events()) == 20 and r.complete for r in results)
    assert sim.wait_for_requests(25, timeout=1)
