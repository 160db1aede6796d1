"""One HTTP connection to the event stream: request, status checks, and raw byte chunks.

Bytes are read with ``read1`` so that each chunk is handed on the moment it arrives, on chunked
and on close-delimited bodies alike (iterating a requests response waits for its chunk size).
Each connection's reader thread keeps what it read in a small bounded buffer of its own and, when
that buffer was empty, puts the connection in one inbox shared by every followed run; the tail
loop waits on that inbox alone, with a deadline (idle timeouts, --timeout, a pending redraw),
without ever poisoning a socket with a read timeout, and takes a connection's whole buffer at
once. So a backlog costs one hand-over per batch rather than per HTTP chunk (a server that
flushes every event sends one chunk per event), and a quiet run costs a blocked thread.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import requests

from bctrl_tail.errors import TailError
from bctrl_tail.netfail import NETWORK_ERRORS, connect_error, stream_error
from bctrl_tail.request import Headers
from bctrl_tail.responses import REDIRECTS, check_response, redirect_target
from bctrl_tail.transport import BearerAuth, Route, prepare_https, route

CONNECT_TIMEOUT = 10.0
READ_SIZE = 65536
BUFFER_MAX = 131072  # bytes a reader may hold before the tail loop takes them: it then waits
_EOF = b""

# What a reader thread hands over: None once the stream is open, then byte chunks, then b""
# at the end of the body; or the exception that ended the attempt.
Item = bytes | BaseException | None
Inbox = queue.Queue["Connection"]  # connections with something to take


def new_inbox() -> Inbox:
    return queue.Queue()  # a connection or two per followed run at most: bounded by them


class Connection:
    """One attempt for one run: a worker thread connects, checks the answer, then reads
    chunks into the connection's buffer, and puts the connection in the shared inbox.

    The tail loop only ever waits on the inbox, with a timeout of its choosing, so a server
    that never answers cannot hang it past --timeout, and signals are handled at once.
    It is given what a request needs — URL, headers, key, timeouts — and nothing else.
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
        connect_timeout: float = CONNECT_TIMEOUT,
        log: Callable[[str], None] = lambda line: None,
        run_id: str = "",
        inbox: Inbox | None = None,
    ) -> None:
        self.run_id = run_id  # the followed run this attempt is for
        self.url = url
        self.status: int | None = None  # of the last answer, once one has arrived
        self.response: requests.Response | None = None
        self._headers = headers
        self._key = key
        self._log = log
        self._session = session
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._route = Route(None)  # how the last request went: directly or through a proxy
        self._inbox = inbox if inbox is not None else new_inbox()
        # Handed over without a lock (a lock per HTTP chunk cost more than reading it): the
        # reader only appends to _buffer and only writes _put_bytes and _full; the tail loop
        # only removes from its front and only writes _taken_bytes and _waiting (False).
        self._buffer: list[Item] = []
        self._put_bytes = 0  # bytes ever put in _buffer
        self._taken_bytes = 0  # bytes ever taken out, or a little less (see ``take``)
        self._waiting = False  # the connection is in the inbox: no need to put it again
        self._full = False  # the reader waits for room
        self._room = threading.Event()
        self._stopping = False  # ``stop`` was called: read by the reader per chunk
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
            put = self._put
            item: Item = _EOF  # the end of the body, unless a read fails
            try:
                for chunk in _reads(self.response.raw if self.response is not None else None):
                    put(chunk)
                    if self._stopping:
                        return
            except BaseException as exc:
                item = exc
            put(item)
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
        check_response(response, secret=self._key, route=self._route)

    def _send(self, url: str) -> requests.Response:
        """One request, redirects not followed (``_open`` decides), netrc never read."""
        way = self._route = route(url)
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
                timeout=(self._connect_timeout, self._read_timeout),
            )
        except NETWORK_ERRORS as exc:
            raise connect_error(exc, url, way) from None

    def _put(self, item: Item) -> None:
        """Hand ``item`` over: into the buffer, and this connection into the inbox if it is
        not there yet. A full buffer makes the reader wait (and the server, through TCP)."""
        if self._put_bytes - self._taken_bytes >= BUFFER_MAX:
            self._wait_for_room()
        if self._stopping:
            return
        self._buffer.append(item)
        if isinstance(item, bytes):
            self._put_bytes += len(item)
        if not self._waiting:
            self._waiting = True
            self._inbox.put(self)

    def _wait_for_room(self) -> None:
        """Until the tail loop has taken enough; ``_full`` asks ``take`` to say so. The flag
        is raised before the last look, so a take between the two is never missed."""
        while not self._stopping:
            self._room.clear()
            self._full = True
            if self._put_bytes - self._taken_bytes < BUFFER_MAX:
                break
            self._room.wait(0.2)
        self._full = False

    def take(self) -> list[Item]:
        """Everything handed over since the last take, in order (the tail loop's side).

        ``_waiting`` is lowered first: whatever the reader appends from then on puts the
        connection in the inbox again, so nothing is left behind. Items appended after the
        byte count is read but before the list is measured are taken now and counted at the
        next take (there is one, for the same reason): the reader may wait a little early,
        never too late."""
        self._waiting = False
        put = self._put_bytes
        buffer = self._buffer
        count = len(buffer)
        items = buffer[:count]
        del buffer[:count]
        self._taken_bytes = put
        if self._full:
            self._room.set()
        return items

    def stop(self) -> None:
        """Start closing without waiting: the reader stops handing anything over, and a read
        blocked on the socket returns. ``close`` then waits for the reader."""
        self._stopping = True
        self._stop.set()
        self._room.set()  # a reader waiting for room in its buffer
        response = self.response
        if response is not None:
            with contextlib.suppress(Exception):
                response.raw.shutdown()  # urllib3 >= 2.3: wakes a read blocked on the socket

    def close(self) -> None:
        """Close promptly: shut the socket so a blocked read returns, and join the reader,
        which closes the response. A reader still connecting cannot be woken; it is a daemon
        and closes what it gets as soon as ``send`` returns, so it is not waited for long."""
        self.stop()
        response = self.response
        self._thread.join(timeout=1.0 if response is not None else 0.1)
        if response is not None and self._thread.is_alive():
            with contextlib.suppress(Exception):
                response.close()


def _reads(raw: Any) -> Iterator[bytes]:
    """The body's bytes as they arrive. A chunked body is read a whole HTTP chunk at a time
    with urllib3's public ``read_chunked`` (a server flushes one chunk per event): 2.3 us per
    chunk, where ``read1`` takes 5.4 us to return the same chunk."""
    if raw.chunked and raw.supports_chunked_reads():
        return iter(raw.read_chunked(READ_SIZE, decode_content=True))
    return iter(functools.partial(raw.read1, READ_SIZE, decode_content=True), _EOF)


class NoContent(Exception):
    """HTTP 204: the server has nothing to stream; the tail stops with exit 0."""


def as_tail_error(exc: BaseException) -> BaseException:
    """Errors from the reader thread: typed ones as they are, network failures while reading
    as a reason to resume, and anything else (a bug) as it is, to be reported as one."""
    if isinstance(exc, NETWORK_ERRORS) and not isinstance(exc, TailError):
        return stream_error(exc)
    return exc
