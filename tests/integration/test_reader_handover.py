"""The reader thread's hand-over (connection.py) over a real loopback socket: a body many times
the reader's buffer arrives whole and in order, through the path where the reader waits for
room, on chunked and close-delimited bodies alike."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading

import pytest

from bctrl_tail import connection
from bctrl_tail.connection import BUFFER_MAX, Connection, new_inbox
from bctrl_tail.request import request_headers
from bctrl_tail.transport import new_session

CHUNK = b"x" * 300 + b"\n"


def body_chunks(count: int) -> list[bytes]:
    """Distinct pieces, so a lost, doubled or reordered piece changes the digest."""
    return [b"%08d:" % n + CHUNK for n in range(count)]


class OneShotServer:
    """Answers one request with ``chunks``, chunked or close-delimited, as fast as it can."""

    def __init__(self, chunks: list[bytes], *, chunked: bool) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/v2/runs/r/events/stream"
        self._chunks, self._chunked = chunks, chunked
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._sock.accept()
        with conn:
            conn.settimeout(30)
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            framing = b"Transfer-Encoding: chunked" if self._chunked else b"Connection: close"
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n%s\r\n\r\n" % framing
            )
            for piece in self._chunks:
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if self._chunked else piece)
            if self._chunked:
                conn.sendall(b"0\r\n\r\n")
            conn.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_a_body_many_buffers_long_arrives_whole_and_in_order(
    chunked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = threading.Event()
    original = Connection._wait_for_room

    def counted(self: Connection) -> None:
        waits.set()
        original(self)

    monkeypatch.setattr(connection.Connection, "_wait_for_room", counted)
    chunks = body_chunks(8 * BUFFER_MAX // len(CHUNK))
    expected = b"".join(chunks)
    server = OneShotServer(chunks, chunked=chunked)
    inbox = new_inbox()
    conn = Connection(
        new_session(), server.url, request_headers(None), key="k", read_timeout=30, inbox=inbox
    )
    received = hashlib.sha256()
    size = 0
    try:
        # Take only once the reader has filled its buffer and waits: the slow consumer a
        # backlog makes of the tail loop, without a sleep.
        assert waits.wait(30), "the reader never filled its buffer"
        done = False
        while not done:
            assert inbox.get(timeout=30) is conn
            for item in conn.take():
                if item is None:
                    continue  # the stream is open
                assert isinstance(item, bytes), item
                if item == b"":
                    done = True
                received.update(item)
                size += len(item)
    finally:
        conn.close()
        server.close()
    assert size == len(expected)
    assert received.digest() == hashlib.sha256(expected).digest()
