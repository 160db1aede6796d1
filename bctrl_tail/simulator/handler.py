"""The request handler: routing, the key check, canned answers and the stream response."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol, cast
from urllib.parse import parse_qs, unquote

from bctrl_tail import __version__
from bctrl_tail.simulator.model import Headers, RecordedRequest, Response, Run
from bctrl_tail.simulator.protocol import ROUTE, error_body, request_id, stream_request
from bctrl_tail.simulator.stream import ClientGone, Cut, Output, RunState, Stopped, Streamer

_NO_BODY = frozenset({204, 304})


class Host(Protocol):
    """What a request handler needs from the server that runs it, and nothing more."""

    quiet: bool
    shutdown_event: threading.Event  # set at shutdown: every wait ends

    def log(self, line: str) -> None: ...

    def connection_opened(self, connection: socket.socket) -> None: ...

    def connection_closed(self, connection: socket.socket) -> None: ...

    def received(self, request: RecordedRequest) -> None: ...

    def fixed_answer(self) -> Response | None:
        """An answer every request gets, before routing (a fault switch), or None."""
        ...

    def refusal(self, authorization: str | None, run_id: str | None) -> Response | None:
        """The 401/403 answer for this Authorization header and run, or None when allowed."""
        ...

    def run_state(self, run_id: str) -> RunState | None: ...

    def stream_opened(self, run_id: str) -> None: ...

    def stream_closed(self, run_id: str) -> None: ...


class _HasHost(Protocol):
    simulator: Host


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A request line the base class cannot read is answered as HTTP/1.1: with the HTTP/0.9
    # default, that 400 went out with no status line and no headers, just an HTML body.
    default_request_version = "HTTP/1.1"
    server_version = f"bctrl-simulator/{__version__}"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    @property
    def sim(self) -> Host:
        return cast(_HasHost, self.server).simulator

    def setup(self) -> None:
        super().setup()
        self.sim.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.sim.connection_closed(self.connection)

    # -- logging: one line per request, never headers, never query values ------------------------

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if not self.sim.quiet:
            path, _, query = getattr(self, "path", "").partition("?")
            keys = sorted({part.split("=", 1)[0] for part in query.split("&") if part})
            shown = path + ("?" + "&".join(f"{k}=…" for k in keys) if keys else "")
            self.sim.log(f"{getattr(self, 'command', '') or '-'} {shown} {code}")

    def log_message(self, format: str, *args: Any) -> None:
        if not self.sim.quiet:
            self.sim.log(format % args)

    # -- routing ---------------------------------------------------------------------------------

    def record(self) -> tuple[str, dict[str, list[str]]]:
        """Record this request; return its raw path (without the query) and its parsed query."""
        path, _, query_text = self.path.partition("?")
        query = parse_qs(query_text, keep_blank_values=True)
        headers = Headers()
        for key, value in self.headers.items():
            headers[key] = value
        recorded = RecordedRequest(
            self.command, unquote(path), self.path, query, headers, time.monotonic()
        )
        self.sim.received(recorded)
        return path, query

    def do_GET(self) -> None:
        sim = self.sim
        path, query = self.record()
        match = ROUTE.fullmatch(path)
        run_id = unquote(match.group(1)) if match is not None else None
        refused = sim.refusal(self.headers.get("Authorization"), run_id)
        if refused is not None:
            self.send_canned(refused)
            return
        fixed = sim.fixed_answer()
        if fixed is not None:
            self.send_canned(fixed)
            return
        if run_id is None:
            self.send_canned(Response(404, error_body(404, "no such endpoint", "not_found")))
            return
        state = sim.run_state(run_id)
        if state is None:
            self.send_canned(Response(404))
            return
        canned = state.take_response()
        if canned is not None:
            self.send_canned(canned)
            return
        sim.stream_opened(run_id)
        try:
            self.stream(state, query)
        finally:
            sim.stream_closed(run_id)

    def stream(self, state: RunState, query: dict[str, list[str]]) -> None:
        run = state.run
        out = Output(self.wfile.write, self.connection, not run.close_delimited, state)
        if run.raw_chunks is not None:
            self.send_stream_headers(run)
            self.write_raw(out, run.raw_chunks)
            return
        request = stream_request(query, self.headers.get("Last-Event-ID"))
        if isinstance(request, str):
            self.send_canned(Response(400, error_body(400, request)))
            return
        self.send_stream_headers(run)
        try:
            Streamer(out, run, self.sim.shutdown_event).serve(state, request)
        except (Cut, Stopped):
            self.abort()
        except ClientGone:
            self.close_connection = True

    def _not_allowed(self) -> None:
        self.record()
        self.send_canned(Response(405, headers={"Allow": "GET"}))

    do_POST = do_PUT = do_PATCH = do_DELETE = _not_allowed

    # -- responses -------------------------------------------------------------------------------

    def send_canned(self, response: Response) -> None:
        status = response.status
        body = error_body(status) if response.body is None else response.body
        if isinstance(body, dict):
            data, content_type = json.dumps(body, ensure_ascii=False).encode(), "application/json"
        elif isinstance(body, str):
            data, content_type = body.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = body, "application/octet-stream"
        headers = {"Content-Type": content_type, "Cache-Control": "no-store", **response.headers}
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status in _NO_BODY or status < 200:
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def send_stream_headers(self, run: Run) -> None:
        self.send_response(200)
        self.send_header("Content-Type", run.content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Accel-Buffering", "no")
        self.send_header("X-Request-Id", request_id())
        if run.close_delimited or run.end_status is None:
            self.send_header("Connection", "close")  # also sets self.close_connection
        if not run.close_delimited:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_raw(self, out: Output, chunks: list[bytes]) -> None:
        try:
            for chunk in chunks:
                out.send(chunk, counted=False)
            out.finish()
        except ClientGone:
            self.close_connection = True

    def abort(self) -> None:
        """Close the connection at once: no terminating chunk, no run.ended."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
