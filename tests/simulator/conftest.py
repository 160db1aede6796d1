"""Fixtures for the simulator's tests: a started simulator and raw HTTP over loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from bctrl_tail.simulator import Simulator


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes  # the payload, de-chunked
    chunks: list[bytes] | None  # the chunk payloads when chunked
    complete: bool  # chunked: the terminating chunk arrived; else: always True
    header_names: list[str] = field(default_factory=list)

    def frames(self) -> list[dict[str, str]]:
        return parse_frames(self.body)

    def events(self) -> list[dict[str, str]]:
        return [f for f in self.frames() if f.get("event") == "run.event"]


def parse_frames(body: bytes) -> list[dict[str, str]]:
    """SSE blocks as dicts of field -> value (``:`` for a comment); the tail without a blank
    line is dropped, as a client would."""
    text = body.decode("utf-8", errors="replace")
    blocks = text.split("\n\n")[:-1]
    frames = []
    for block in blocks:
        frame: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            frame[name or ":"] = value[1:] if value.startswith(" ") else value
        frames.append(frame)
    return frames


def _dechunk(data: bytes) -> tuple[bytes, list[bytes], bool]:
    chunks: list[bytes] = []
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return b"".join(chunks), chunks, False
        size = int(data[pos:end], 16)
        if size == 0:
            return b"".join(chunks), chunks, data[end:].startswith(b"\r\n\r\n")
        start = end + 2
        if len(data) < start + size + 2:
            return b"".join(chunks), chunks, False
        chunks.append(data[start : start + size])
        pos = start + size + 2


def open_request(
    base_url: str, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> socket.socket:
    """Send one request (``Connection: close``) and return the socket to read from."""
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def parse_response(data: bytes) -> RawResponse:
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    names = []
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        names.append(name.strip().lower())
    status = int(status_line.split()[1])
    if headers.get("transfer-encoding") == "chunked":
        body, chunks, complete = _dechunk(rest)
        return RawResponse(status, headers, body, chunks, complete, names)
    return RawResponse(status, headers, rest, None, True, names)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    with sock:
        while True:
            piece = sock.recv(65536)
            if not piece:
                return data
            data += piece


def raw_get(base_url: str, path: str, headers: dict[str, str] | None = None) -> RawResponse:
    """One request over a fresh connection, read until the server closes it."""
    return parse_response(read_all(open_request(base_url, path, headers)))


class LiveStream:
    """Reads a response incrementally, to watch timing (gates, stalls, heartbeats)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.data = b""
        self.closed = False

    def wait_for(self, marker: bytes, timeout: float = 10.0) -> float:
        """Read until ``marker`` is in the data; return the monotonic time it arrived."""
        deadline = time.monotonic() + timeout
        while marker not in self.data:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{marker!r} did not arrive; got {self.data[-300:]!r}"
            self.sock.settimeout(remaining)
            piece = self.sock.recv(65536)
            if not piece:
                self.closed = True
                raise AssertionError(f"closed before {marker!r}; got {self.data[-300:]!r}")
            self.data += piece
        return time.monotonic()

    def quiet_for(self, seconds: float) -> bool:
        """True when nothing at all arrives within ``seconds``."""
        self.sock.settimeout(seconds)
        try:
            piece = self.sock.recv(65536)
        except TimeoutError:
            return True
        self.data += piece
        self.closed = not piece
        return False

    def read_to_end(self, timeout: float = 10.0) -> bytes:
        self.sock.settimeout(timeout)
        while True:
            piece = self.sock.recv(65536)
            if not piece:
                self.closed = True
                return self.data
            self.data += piece

    def response(self) -> RawResponse:
        return parse_response(self.data)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def get(sim: Simulator) -> Callable[..., RawResponse]:
    """``get(path_or_run_id, headers=None)`` against the ``sim`` fixture."""

    def do_get(target: str, headers: dict[str, str] | None = None) -> RawResponse:
        path = target if target.startswith("/") else f"/v2/runs/{target}/events/stream"
        return raw_get(sim.base_url, path, headers)

    return do_get


@pytest.fixture
def live(sim: Simulator) -> Iterator[Callable[..., LiveStream]]:
    streams: list[LiveStream] = []

    def open_live(target: str, headers: dict[str, str] | None = None) -> LiveStream:
        path = target if target.startswith("/") else f"/v2/runs/{target}/events/stream"
        stream = LiveStream(open_request(sim.base_url, path, headers))
        streams.append(stream)
        return stream

    yield open_live
    for stream in streams:
        stream.close()


@pytest.fixture
def raw() -> Callable[..., RawResponse]:
    """``raw(base_url, path, headers=None)``: one request on a fresh connection."""
    return raw_get


@pytest.fixture
def live_factory() -> Iterator[Callable[..., LiveStream]]:
    """``live_factory(simulator, run_id)``: a LiveStream on any simulator."""
    streams: list[LiveStream] = []

    def open_live(simulator: Simulator, run_id: str = "r1") -> LiveStream:
        path = f"/v2/runs/{run_id}/events/stream"
        stream = LiveStream(open_request(simulator.base_url, path))
        streams.append(stream)
        return stream

    yield open_live
    for stream in streams:
        stream.close()
