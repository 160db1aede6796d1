"""The simulator: a bctrl-compatible SSE server on the standard library's http.server."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType

from bctrl_tail.simulator.handler import Handler
from bctrl_tail.simulator.model import RecordedRequest, Response, Run
from bctrl_tail.simulator.protocol import bearer_token, invalid_key, missing_key, same_key
from bctrl_tail.simulator.stream import RunState


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.simulator = simulator
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS look-up (getfqdn) that can be slow: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that resets its connection is normal; anything else gets one line, no
        # traceback (which could show request data).
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            self.simulator.log(f"internal error: {type(exc).__name__}: {exc}")


class Simulator:
    """A bctrl-compatible SSE server for tests, ``bctrl-tail --demo`` and manual trials.

    Serves ``GET /v2/runs/{id}/events/stream`` for the runs added with :meth:`add_run`, on a
    daemon thread, one thread per connection. ``stop()`` closes every open connection and wakes
    every wait (pacing, heartbeats, stalls, gates) through :attr:`shutdown_event`.

    Keys: with ``require_key`` (or a run with ``keys``), a request without a bearer key, or
    with a key the simulator does not know, is 401; a known key that a run's ``keys`` do not
    list is 403 for that run.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        require_key: str | None = None,
        quiet: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.require_key = require_key
        self.quiet = quiet
        self.fixed_response: Response | None = None  # when set, every request gets this answer
        self.requests: list[RecordedRequest] = []
        self.shutdown_event = threading.Event()
        self._states: dict[str, RunState] = {}
        self._lock = threading.Lock()
        self._requests_changed = threading.Condition(self._lock)
        self._connections: set[socket.socket] = set()
        self._streaming: dict[str, int] = {}  # run id -> open stream responses
        self.peak_streams = 0  # the most stream responses that were open at once
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    # -- runs and requests -----------------------------------------------------------------------

    def add_run(self, run: Run) -> None:
        """Serve ``run``, replacing a run with the same id (and resetting its fault state)."""
        with self._lock:
            self._states[run.run_id] = RunState(run)

    @property
    def runs(self) -> dict[str, Run]:
        with self._lock:
            return {run_id: state.run for run_id, state in self._states.items()}

    def wait_for_requests(self, n: int, timeout: float) -> bool:
        """Block until at least ``n`` requests were received; False on timeout."""
        with self._requests_changed:
            return self._requests_changed.wait_for(lambda: len(self.requests) >= n, timeout)

    def wait_streaming(self, run_ids: set[str], timeout: float) -> bool:
        """Block until every run in ``run_ids`` has a stream response open at the same moment;
        False on timeout."""
        with self._requests_changed:
            return self._requests_changed.wait_for(
                lambda: all(self._streaming.get(run_id) for run_id in run_ids), timeout
            )

    def log(self, line: str) -> None:
        """One diagnostic line on stderr (never headers, never a key)."""
        sys.stderr.write(f"[simulator] {line}\n")
        sys.stderr.flush()

    # -- what the request handler asks of the server (handler.Host) -----------------------------

    def received(self, request: RecordedRequest) -> None:
        with self._requests_changed:
            self.requests.append(request)
            self._requests_changed.notify_all()

    def connection_opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def connection_closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def fixed_answer(self) -> Response | None:
        return self.fixed_response

    def run_state(self, run_id: str) -> RunState | None:
        with self._lock:
            return self._states.get(run_id)

    def refusal(self, authorization: str | None, run_id: str | None) -> Response | None:
        with self._lock:
            restricted = [s.run.keys for s in self._states.values() if s.run.keys is not None]
            state = self._states.get(run_id) if run_id is not None else None
        allowed = state.run.keys if state is not None else None
        if self.require_key is None and allowed is None:
            return None  # an open simulator
        token = bearer_token(authorization)
        if token is None:
            return Response(401, missing_key())
        if self.require_key is not None:
            known = [self.require_key, *(key for keys in restricted for key in keys)]
            # every comparison runs: the timing must not tell which key nearly matched
            if not any([same_key(token, key) for key in known]):
                return Response(401, invalid_key())
        if allowed is not None and not any([same_key(token, key) for key in allowed]):
            return Response(403)
        return None

    def stream_opened(self, run_id: str) -> None:
        with self._requests_changed:
            self._streaming[run_id] = self._streaming.get(run_id, 0) + 1
            self.peak_streams = max(self.peak_streams, sum(self._streaming.values()))
            self._requests_changed.notify_all()

    def stream_closed(self, run_id: str) -> None:
        with self._requests_changed:
            left = self._streaming.get(run_id, 0) - 1
            if left > 0:
                self._streaming[run_id] = left
            else:
                self._streaming.pop(run_id, None)
            self._requests_changed.notify_all()

    # -- life cycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``: the real port once started."""
        host = self.host
        port = self._bound_port if self._bound_port is not None else self.port
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> Simulator:
        """Listen and serve in a daemon thread. Raises OSError when the address is unusable."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self.shutdown_event.clear()
        self._server = _HTTPServer((self.host, self.port), self)
        self._bound_port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="bctrl-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection, promptly. Idempotent."""
        self.shutdown_event.set()
        server, self._server = self._server, None
        if server is None:
            return
        # Refuse new connections first, as a stopped server does: one accepted into the
        # backlog now would only be closed unanswered, which a client cannot tell from a crash.
        with contextlib.suppress(OSError):
            server.socket.shutdown(socket.SHUT_RDWR)
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
