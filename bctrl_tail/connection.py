"""One HTTP connection to the event stream: request, status checks, and raw byte chunks.

Bytes are read with ``read1`` so that each chunk is handed on the moment it arrives, on chunked
and on close-delimited bodies alike (iterating a requests response waits for its chunk size).
A reader thread hands them over, so the tail loop can wait with a deadline (idle timeout,
--timeout, a pending redraw) without ever poisoning the socket with a read timeout. Bytes are
collected in a list that the tail loop takes whole (a queue per HTTP chunk cost 1.3 us per
event on a chunked backlog); the queue only carries a wake-up for them, the end and errors.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import requests

from bctrl_tail.errors import TailError
from bctrl_tail.netfail import NETWORK_ERRORS, connect_error, stream_error
from bctrl_tail.request import Headers
from bctrl_tail.responses import REDIRECTS, check_response, redirect_target
from bctrl_tail.transport import BearerAuth, prepare_https, route

CONNECT_TIMEOUT = 10.0
READ_SIZE = 65536
COALESCE_MAX = 262144
_EOF = b""
_BYTES = object()  # queued when bytes wait in the inbox: the tail loop takes them all


class EndOfStream(Exception):
    """The server closed the response (without a run.ended frame, as far as bytes go)."""


class Connection:
    """One attempt: a worker thread connects, checks the answer, then reads chunks.

    The tail loop only ever waits on the queue, with a timeout of its choosing, so a server
    that never answers cannot hang it past --timeout, and signals are handled at once.
    It is given what a request needs — URL, headers, key, read timeout — and nothing else.
    ``log`` receives -v lines (redirects followed); it is called from the reader thread.
    """

    def __init__(
        self,
        session: requests.Session,
        url: str,
        headers: Headers,
        *,
        key: str,
        read_timeout: float,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.url = url
        self.status: int | None = None  # of the last answer, once one has arrived
        self.response: requests.Response | None = None
        self._headers = headers
        self._key = key
        self._log = log
        self._session = session
        self._read_timeout = read_timeout
        self._proxy = ""  # host:port of the proxy the last request went through
        self._queue: queue.Queue[object] = queue.Queue()
        self._inbox: list[bytes] = []  # bytes read and not yet taken, at most ~COALESCE_MAX
        self._inbox_size = 0
        self._room = threading.Condition()  # guards the inbox; notified when it is taken
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bctrl-tail-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """The reader thread. It alone reads and closes the response (unless ``close``
        gives up waiting for it), so no two threads ever use the response at once."""
        try:
            try:
                self._open()
            except BaseException as exc:  # handed to the tail loop, which owns the decision
                self._put(exc)
                return
            self._put(None)  # the stream is open
            reads = _reads(self.response.raw if self.response is not None else None)
            while not self._stop.is_set():
                try:
                    data = next(reads, _EOF)
                except BaseException as exc:
                    self._put(exc)
                    return
                if not data:
                    self._put(_EOF)
                    return
                self._deliver(data)
        finally:
            if self.response is not None:
                with contextlib.suppress(Exception):
                    self.response.close()

    def _open(self) -> None:
        url = self.url
        hops = 0
        while True:
            response = self._send(url)
            self.response = response
            self.status = response.status_code
            if self._stop.is_set():  # closed while connecting: _run's finally closes it
                return
            if response.status_code not in REDIRECTS:
                break
            target = redirect_target(response, url, hops, self._key)
            self._log(f"HTTP {response.status_code}: redirected to {target}")
            url, hops = target, hops + 1
        if response.status_code == 204:
            raise NoContent
        check_response(response, secret=self._key, proxy=self._proxy)

    def _send(self, url: str) -> requests.Response:
        """One request, redirects not followed (``_open`` decides), netrc never read."""
        way = route(url)
        self._proxy = way.proxy_address
        if url.startswith("https:"):
            prepare_https(self._session)
        request = requests.Request("GET", url, headers=self._headers, auth=BearerAuth(self._key))
        prepared = self._session.prepare_request(request)
        prepared.url = url  # as built: requests' requoting would turn %2E%2E back into ..
        try:
            return self._session.send(
                prepared,
                stream=True,
                allow_redirects=False,
                proxies=way.proxies,
                verify=True,  # with the session's trust context: public CAs + named bundles
                timeout=(CONNECT_TIMEOUT, self._read_timeout),
            )
        except NETWORK_ERRORS as exc:
            raise connect_error(exc, url, way) from None

    def _put(self, item: object) -> None:
        self._queue.put(item)

    def _deliver(self, data: bytes) -> None:
        """Add ``data`` to the inbox, waking the tail loop if it was empty; wait while the
        inbox is full (the tail loop is behind), so memory stays bounded."""
        with self._room:
            while self._inbox_size >= COALESCE_MAX and not self._stop.is_set():
                self._room.wait(0.2)
            wake = not self._inbox
            self._inbox.append(data)
            self._inbox_size += len(data)
        if wake:
            self._queue.put(_BYTES)

    def _take(self) -> bytes:
        with self._room:
            parts, self._inbox, self._inbox_size = self._inbox, [], 0
            self._room.notify()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def wait_open(self, timeout: float | None) -> bool:
        """True once the stream is open; False if `timeout` passed first; raises its error."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return False
        if isinstance(item, BaseException):
            raise _as_tail_error(item)
        return True

    def next_chunk(self, timeout: float | None) -> bytes | None:
        """The next bytes; None when `timeout` passed with no bytes; EndOfStream at the end.

        All the bytes read so far come at once (up to about COALESCE_MAX), so a backlog is
        decoded and flushed per batch, not per HTTP chunk; nothing ever waits for more, so a
        lone event is handed on at once. The end or an error comes after the bytes before it.
        """
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _BYTES:
            return self._take()
        if isinstance(item, BaseException):
            raise _as_tail_error(item)
        raise EndOfStream

    def close(self) -> None:
        """Close promptly: shut the socket so a blocked read returns, and join the reader,
        which closes the response. A reader still connecting cannot be woken; it is a daemon
        and closes what it gets as soon as ``send`` returns, so it is not waited for long."""
        self._stop.set()
        response = self.response
        if response is not None:
            with contextlib.suppress(Exception):
                response.raw.shutdown()  # urllib3 >= 2.3: wakes a read blocked on the socket
        self._thread.join(timeout=1.0 if response is not None else 0.1)
        if response is not None and self._thread.is_alive():
            with contextlib.suppress(Exception):
                response.close()


def _reads(raw: Any) -> Iterator[bytes]:
    """The body's bytes as they arrive. A chunked body is read a whole HTTP chunk at a time
    with urllib3's public ``read_chunked`` (a server flushes one chunk per event): 2.3 us per
    chunk, where ``read1`` takes 5.4 us to return the same chunk."""
    if raw.chunked and raw.supports_chunked_reads():
        yield from raw.read_chunked(READ_SIZE, decode_content=True)
        return
    while data := raw.read1(READ_SIZE, decode_content=True):
        yield data


class NoContent(Exception):
    """HTTP 204: the server has nothing to stream; the tail stops with exit 0."""


def _as_tail_error(exc: BaseException) -> BaseException:
    """Errors from the reader thread: typed ones as they are, network failures while reading
    as a reason to resume, and anything else (a bug) as it is, to be reported as one."""
    if isinstance(exc, NETWORK_ERRORS) and not isinstance(exc, TailError):
        return stream_error(exc)
    return exc
