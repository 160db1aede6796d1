"""Which connections count as failed attempts for --max-retries: one that brought no new event
and did not keep streaming (a comment, a heartbeat or a replayed event, then the end) does; one
that brought a new event, or kept streaming heartbeats for a while, starts the count again."""

from __future__ import annotations

import http.server
import threading
import time
from typing import Any

import pytest

from bctrl_tail.followed import LIVE_FOR
from bctrl_tail.simulator import Run, Simulator
from tests.support import run_cli

RETRY = b"retry: 5\n\n"  # the 50 ms floor: the give-ups below take no real backoff
ENDED = b'event: run.ended\ndata: {"status":"completed"}\n\n'


@pytest.mark.parametrize(
    "chunk",
    [b": hi\n\n", b"event: heartbeat\ndata: {}\n\n", b'id: e1\ndata: {"id":"e1"}\n\n'],
    ids=["comment", "heartbeat", "the-same-event-again"],
)
def test_a_server_that_closes_after_nothing_new_is_given_up_on(
    sim: Simulator, chunk: bytes
) -> None:
    sim.add_run(Run("run_1", [], raw_chunks=[RETRY + chunk]))
    result = run_cli("run_1", "--base-url", sim.base_url, "--max-retries", "2", "--timeout", "8")
    assert result.code == 1, result.stderr
    assert "gave up after 3 attempts: the server closed the stream" in result.stderr
    assert len(sim.requests) == 3


class Scripted(http.server.ThreadingHTTPServer):
    """A stream server on loopback whose n-th answer is ``answer(n)``: a list of (seconds to
    wait, bytes to send); the body ends by closing the connection."""

    def __init__(self, answer: Any) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.answer = answer
        self.count = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> Scripted:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


class _ScriptedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # close-delimited body
    server: Scripted

    def do_GET(self) -> None:
        self.server.count += 1
        script = self.server.answer(self.server.count)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for wait, data in script:
            if self.server.stop.wait(wait):
                return
            self.wfile.write(data)
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_comment_then_a_new_event_per_connection_never_fails() -> None:
    def answer(n: int) -> list[tuple[float, bytes]]:
        if n > 5:
            return [(0, ENDED)]
        return [(0, RETRY + b": hi\n\n"), (0, f'id: e{n}\ndata: {{"id":"e{n}"}}\n\n'.encode())]

    with Scripted(answer) as server:
        result = run_cli("run_1", "--base-url", server.base_url, "--max-retries", "1")
    assert result.code == 0, result.stderr
    assert result.lines == [f'{{"id":"e{n}"}}' for n in range(1, 6)]
    assert server.count == 6


def test_a_quiet_run_whose_connections_are_cut_after_a_while_is_never_given_up_on() -> None:
    # No event for three connections in a row, each cut after heartbeats for a bit longer than
    # LIVE_FOR (a proxy that closes long streams): the run is alive, so --max-retries 1 holds.
    beats = int(LIVE_FOR / 0.25) + 2

    def answer(n: int) -> list[tuple[float, bytes]]:
        if n > 3:
            return [(0, ENDED)]
        return [(0, RETRY + b": hi\n\n"), *[(0.25, b": keep-alive\n\n")] * beats]

    with Scripted(answer) as server:
        started = time.monotonic()
        result = run_cli("run_1", "--base-url", server.base_url, "--max-retries", "1")
    assert result.code == 0, result.stderr
    assert "run run_1 ended: completed, 0 events shown, 3 reconnects" in result.stderr
    assert server.count == 4
    assert time.monotonic() - started >= 3 * LIVE_FOR  # the cuts came after LIVE_FOR each
