"""Routing, run ids as one percent-decoded path segment, the key check and logging."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests

from bctrl_tail.simulator import Run, Simulator

Raw = Callable[..., Any]
KEY = "bctrl_test_0123456789secret"


def one_event(run_id: str) -> Run:
    return Run(run_id, [{"id": "e1", "type": "x", "runId": run_id}])


def test_unknown_run_is_404_with_a_bctrl_body(sim: Simulator, raw: Raw) -> None:
    resp = raw(sim.base_url, "/v2/runs/nope/events/stream")
    assert resp.status == 404
    assert resp.headers["content-type"] == "application/json"
    body = json.loads(resp.body)
    assert body["error"] == "run not found or not visible to actor"
    assert body["code"] == "run.not_found"
    assert body["requestId"].startswith("req_")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v2/runs/r1",
        "/v2/runs/r1/events",
        "/v2/runs/r1/events/stream/",
        "/v1/runs/r1/events/stream",
    ],
)
def test_other_paths_are_404(sim: Simulator, raw: Raw, path: str) -> None:
    sim.add_run(one_event("r1"))
    assert raw(sim.base_url, path).status == 404


def test_other_methods_are_405(sim: Simulator) -> None:
    sim.add_run(one_event("r1"))
    resp = requests.post(f"{sim.base_url}/v2/runs/r1/events/stream", timeout=5)
    assert resp.status_code == 405
    assert resp.json()["code"] == "method.not_allowed"
    assert sim.requests[-1].method == "POST"


@pytest.mark.parametrize(
    ("run_id", "segment"),
    [("a/b", "a%2Fb"), ("../x", "..%2Fx"), ("run é 1", "run%20%C3%A9%201"), ("a?b#c", "a%3Fb%23c")],
)
def test_run_id_is_one_percent_decoded_segment(
    sim: Simulator, raw: Raw, run_id: str, segment: str
) -> None:
    sim.add_run(one_event(run_id))
    resp = raw(sim.base_url, f"/v2/runs/{segment}/events/stream")
    assert resp.status == 200
    assert json.loads(resp.events()[0]["data"])["runId"] == run_id
    assert sim.requests[-1].raw_path == f"/v2/runs/{segment}/events/stream"


def test_unencoded_slash_does_not_match(sim: Simulator, raw: Raw) -> None:
    sim.add_run(one_event("a/b"))
    assert raw(sim.base_url, "/v2/runs/a/b/events/stream").status == 404


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "auth.required"),
        ("", 401, "auth.required"),
        (f"Basic {KEY}", 401, "auth.required"),
        ("Bearer", 401, "auth.required"),
        ("Bearer wrong_key", 401, "auth.invalid_key"),
        (f"Bearer {KEY}x", 401, "auth.invalid_key"),
    ],
)
def test_key_check(raw: Raw, authorization: str | None, status: int, code: str) -> None:
    with Simulator(require_key=KEY) as sim:
        sim.add_run(one_event("r1"))
        headers = {} if authorization is None else {"Authorization": authorization}
        resp = raw(sim.base_url, "/v2/runs/r1/events/stream", headers)
        assert resp.status == status
        body = json.loads(resp.body)
        assert body["code"] == code and body["error"] and body["requestId"].startswith("req_")
        assert KEY not in resp.body.decode()


def test_right_key_streams_and_unknown_run_still_needs_a_key(raw: Raw) -> None:
    with Simulator(require_key=KEY) as sim:
        sim.add_run(one_event("r1"))
        ok = raw(sim.base_url, "/v2/runs/r1/events/stream", {"Authorization": f"bearer {KEY}"})
        assert ok.status == 200 and len(ok.events()) == 1
        assert raw(sim.base_url, "/v2/runs/zz/events/stream").status == 401


def test_request_log_lines_never_show_the_key(raw: Raw, capfd: pytest.CaptureFixture[str]) -> None:
    with Simulator(require_key=KEY, quiet=False) as sim:
        sim.add_run(one_event("r1"))
        raw(
            sim.base_url,
            "/v2/runs/r1/events/stream?cursor=cursor_value_xyz",
            {"Authorization": f"Bearer {KEY}"},
        )
        raw(sim.base_url, "/v2/runs/r1/events/stream", {"Authorization": "Bearer nope"})
        raw(sim.base_url, "/v2/runs/r1/events/stream?limit=1", {"Authorization": f"Bearer {KEY}"})
        assert KEY not in repr(sim.requests[0])
        assert KEY not in repr(sim.requests[0].headers)
        assert sim.requests[0].headers["Authorization"] == f"Bearer {KEY}"  # tests may check it
    out, err = capfd.readouterr()
    assert KEY not in out + err
    assert "cursor_value_xyz" not in err  # query values are not logged either
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("GET /v2/runs/r1/events/stream?cursor=… 200")
    assert lines[1].endswith(" 401")


def test_quiet_by_default(sim: Simulator, raw: Raw, capfd: pytest.CaptureFixture[str]) -> None:
    sim.add_run(one_event("r1"))
    raw(sim.base_url, "/v2/runs/r1/events/stream")
    raw(sim.base_url, "/nothing")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_base_url_and_context_manager() -> None:
    sim = Simulator()
    assert sim.base_url == "http://127.0.0.1:0"
    with sim:
        port = int(sim.base_url.rsplit(":", 1)[1])
        assert port > 0
        assert requests.get(f"{sim.base_url}/x", timeout=5).status_code == 404
    assert sim.base_url.endswith(f":{port}")


def test_requests_library_reads_the_stream(sim: Simulator) -> None:
    sim.add_run(Run("r1", [{"id": f"e{i}", "type": "x"} for i in range(3)]))
    with requests.get(f"{sim.base_url}/v2/runs/r1/events/stream", stream=True, timeout=5) as resp:
        assert resp.status_code == 200
        text = b"".join(resp.iter_content(chunk_size=None)).decode()
    assert text.count("event: run.event\n") == 3
    assert text.endswith("\n\n") and "event: run.ended" in text


def read_until(sock: socket.socket, end: bytes) -> bytes:
    """Read until ``end`` has arrived (b"": until the server closes); TCP may split anywhere."""
    data = b""
    while not (end and end in data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize(
    ("line", "status"),
    [(b"NONSENSE", 400), (b"GET", 400), (b"\xff\xfe", 400), (b"GET / FOO/1.1", 400),
     (b"GET / HTTP/1.1 extra", 400), (b"GET / HTTP/9.9", 505)],
)  # fmt: skip
def test_a_malformed_request_line_gets_a_full_http_answer(
    sim: Simulator, line: bytes, status: int
) -> None:
    # Python 3.10 and 3.13 alike: a status line, headers, a body of the stated length, and the
    # connection closed (the base class sent a bare HTML body, as if to an HTTP/0.9 client).
    host, port = sim.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(line + b"\r\nHost: x\r\n\r\n")
        answer = read_until(sock, b"")
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith(f"HTTP/1.1 {status} ")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body) > 0


def test_bad_requests_and_vanishing_clients_print_nothing(
    sim: Simulator, raw: Raw, capfd: pytest.CaptureFixture[str]
) -> None:
    sim.add_run(Run("r1", [{"id": f"e{i}", "type": "x"} for i in range(50)], interval=0.01))
    resp = raw(sim.base_url, "/" + "x" * 70000)
    assert resp.status == 414
    host, port = sim.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /v2/runs/r1/events/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_until(sock, b"\r\n").startswith(b"HTTP/1.1 200 ")  # then gone mid-stream
    assert sim.wait_for_requests(1, timeout=5)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert read_until(sock, b"").startswith(b"HTTP/1.1 400 ")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
