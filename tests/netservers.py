"""Real network pieces for the network tests, all on loopback: a TLS front, a recording proxy.

Both relay bytes between two sockets as they come, so a server-sent event stream passes through
them unbuffered, as it would through nginx or squid. Nothing here reads or prints a key; the
proxy records what it saw so that tests can assert what a proxy could read.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pipe(src: socket.socket, dst: socket.socket, seen: Callable[[bytes], None]) -> None:
    """Copy bytes until either side closes, then close both so the other pipe ends too."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            seen(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def relay(client: socket.socket, upstream: socket.socket, seen: Callable[[bytes], None]) -> None:
    """Relay both ways on two threads; return when both directions are done."""
    back = threading.Thread(target=_pipe, args=(upstream, client, lambda _: None), daemon=True)
    back.start()
    _pipe(client, upstream, seen)
    back.join(timeout=10)
    for sock in (client, upstream):
        sock.close()


class _Listener:
    """A listening socket on 127.0.0.1 with an accept loop on a daemon thread."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = int(self._sock.getsockname()[1])
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self) -> _Listener:
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> _Listener:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class TLSFront(_Listener):
    """Terminates TLS with the given certificate and relays the plain bytes to 127.0.0.1:PORT,
    as a TLS-terminating load balancer in front of an API does."""

    def __init__(self, context: ssl.SSLContext, upstream_port: int) -> None:
        super().__init__()
        self.context = context
        self.upstream_port = upstream_port
        self.handshake_errors: list[str] = []

    def serve(self, client: socket.socket) -> None:
        client.settimeout(10)
        try:
            tls = self.context.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError) as exc:
            self.handshake_errors.append(type(exc).__name__)
            client.close()
            return
        tls.settimeout(None)
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        relay(tls, upstream, lambda _: None)


@dataclass
class ProxyLog:
    """What a proxy saw: request lines (absolute-form GETs and CONNECTs) and every byte."""

    request_lines: list[str] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)
    bytes_seen: bytearray = field(default_factory=bytearray)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def add(self, line: str, head: bytes) -> None:
        with self.changed:
            self.request_lines.append(line)
            self.heads.append(head)
            self.changed.notify_all()

    def saw(self, data: bytes) -> None:
        with self.lock:
            self.bytes_seen += data


class RecordingProxy(_Listener):
    """An HTTP proxy (absolute-form requests and CONNECT tunnels) that sends every target to
    127.0.0.1 on the requested port, so a made-up host name reaches a loopback server only
    through the proxy. It records everything it was asked and everything it relayed.

    ``credentials`` (``user:password``): requests without that Basic ``Proxy-Authorization``
    are answered 407, as squid with ``auth_param basic`` does. ``status``: every request is
    answered with that status and an HTML page, as a proxy that cannot reach the target does.
    """

    def __init__(self, *, credentials: str | None = None, status: int | None = None) -> None:
        super().__init__()
        self.log = ProxyLog()
        self.credentials = credentials
        self.status = status

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(65536)
            if not data:
                client.close()
                return
            head += data
        head, _, rest = head.partition(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        self.log.add(line, head)
        self.log.saw(head + b"\r\n\r\n" + rest)
        method, target, version = line.split(" ", 2)
        refusal = self._refusal(head)
        if refusal is not None:
            client.sendall(refusal)
            client.close()
            return
        if method == "CONNECT":
            port = int(target.rsplit(":", 1)[1])
            upstream = socket.create_connection(("127.0.0.1", port))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay(client, upstream, self.log.saw)
            return
        # absolute-form: http://host:port/path -> origin-form to 127.0.0.1:port
        after_scheme = target.split("://", 1)[1]
        authority, _, path = after_scheme.partition("/")
        port = int(authority.rsplit(":", 1)[1]) if ":" in authority else 80
        upstream = socket.create_connection(("127.0.0.1", port))
        rewritten = f"{method} /{path} {version}".encode("latin-1")
        upstream.sendall(rewritten + head[len(line) :] + b"\r\n\r\n" + rest)
        relay(client, upstream, self.log.saw)

    def _refusal(self, head: bytes) -> bytes | None:
        """The answer that ends this request at the proxy, or None to relay it."""
        if self.credentials is not None:
            token = base64.b64encode(self.credentials.encode()).decode()
            wanted = f"proxy-authorization: basic {token}".lower()
            if wanted not in head.decode("latin-1").lower().split("\r\n"):
                return _page(407, "Proxy Authentication Required",
                             'Proxy-Authenticate: Basic realm="test proxy"\r\n')  # fmt: skip
        if self.status is not None:
            return _page(self.status, "Proxy Error")
        return None


def _page(status: int, reason: str, extra_headers: str = "") -> bytes:
    body = f"<html><head><title>{status} {reason}</title></head><body>{reason}</body></html>"
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html\r\n{extra_headers}"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
    ).encode()


class FullBacklog:
    """A port that never completes a connection: a listening socket that never accepts, its
    one-place queue taken by a connection of our own, so the kernel drops every further SYN
    and a client's connect times out, as it does behind a firewall that drops packets."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(0)
        self.port = int(self._sock.getsockname()[1])
        self._filler = socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def drops_connections(self, within: float = 0.5) -> bool:
        """Whether a connect to it really times out here (it does on Linux)."""
        with socket.socket() as probe:
            probe.settimeout(within)
            try:
                probe.connect(("127.0.0.1", self.port))
            except TimeoutError:
                return True
            except OSError:
                return False
            return False

    def __enter__(self) -> FullBacklog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._filler.close()
        self._sock.close()
