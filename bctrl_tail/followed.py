"""One followed run: its event core, its current connection and decoder, and its backoff.

The tail loop (tail.py) owns the order of things and what reaches the screen; this is the
per-run mechanics it drives: start an attempt, decode what it read, close it, and decide how
long to wait before the next one (or that it is time to give up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bctrl_tail.connection import CONNECT_TIMEOUT, Connection, Inbox
from bctrl_tail.errors import FIRST_CONTACT_RETRIES, ExitCode, GaveUpError, ResponseError
from bctrl_tail.flow import Flow
from bctrl_tail.request import request_headers, request_url
from bctrl_tail.sse import BlockTooLarge, Frame, SSEDecoder

if TYPE_CHECKING:
    import requests

    from bctrl_tail.config import Config

MAX_DELAY = 30.0
MIN_BASE = 0.05
MAX_RETRY_AFTER = 3600.0  # a server's Retry-After is a floor, but not a year-long one
_MAX_DOUBLINGS = 64  # 2**64 s outgrows any cap; 2.0**1024 would overflow


def backoff_delay(
    failures: int, base: float, retry_after: float | None, rand: Callable[[], float]
) -> float:
    """base·2^(failures-1), capped at 30 s, ±20 % jitter (never above the cap);
    Retry-After is a floor, even above the cap: the server said when to come back."""
    doublings = min(max(0, failures - 1), _MAX_DOUBLINGS)
    delay = min(MAX_DELAY, base * 2.0**doublings)
    delay = min(MAX_DELAY, delay * (0.8 + 0.4 * rand()))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


class Followed:
    """One run's connection attempts, each with a fresh decoder, fed to the run's own event
    core; its own cursor, Last-Event-ID, duplicate window (in the core), backoff and count
    of failed attempts."""

    def __init__(self, run_id: str, flow: Flow) -> None:
        self.run_id = run_id
        self.flow = flow
        self.conn: Connection | None = None
        self.decoder: SSEDecoder | None = None  # set while a stream is open
        self.attempts = 0  # connections made
        self.failures = 0  # failed attempts in a row
        self.delivered = False  # the current attempt delivered a frame
        self.answered = False  # some HTTP answer has arrived (see FIRST_CONTACT_RETRIES)
        self.reconnects = 0
        self.last_bytes = 0.0  # when the open stream last sent a byte
        self.retry_at: float | None = None  # waiting to reconnect until then
        self.reason = ""  # why it is waiting
        self.shown_state_at = float("-inf")  # when its countdown was last drawn
        self.last_id: str | None = None  # the id of this run's last event output
        self.done = False
        self.code = ExitCode.OK  # how this run's tail ended, once done

    def connect(
        self,
        session: requests.Session,
        config: Config,
        inbox: Inbox,
        log: Callable[[str], None],
    ) -> Connection:
        """A new attempt. The first sends the starting cursor; a reconnect sends the last id
        seen as both ``cursor`` and ``Last-Event-ID`` (the API honours either)."""
        self.attempts += 1
        self.retry_at = None
        self.delivered = False
        cursor = self.flow.resume_id
        last_event_id = None if self.attempts == 1 else cursor
        self.conn = Connection(
            session,
            request_url(config, self.run_id, cursor),
            request_headers(last_event_id),
            key=config.api_key,
            read_timeout=config.idle_timeout + 1.0,
            # a connect is also a wait without a byte: --idle-timeout bounds it too
            connect_timeout=min(CONNECT_TIMEOUT, config.idle_timeout),
            log=log,
            run_id=self.run_id,
            inbox=inbox,
        )
        return self.conn

    def opened(self, now: float) -> None:
        self.answered = True
        self.decoder = SSEDecoder(self.flow.resume_id or "")
        self.last_bytes = now

    def decode(self, chunk: bytes, now: float) -> list[Frame]:
        self.last_bytes = now
        assert self.decoder is not None
        try:
            return self.decoder.feed(chunk)
        except BlockTooLarge as exc:
            raise ResponseError(str(exc), detail="the server never ended it") from None

    def drop(self) -> None:
        """Close the connection; a retry line in the cut-off last block still counts."""
        conn, self.conn = self.conn, None
        decoder, self.decoder = self.decoder, None
        if conn is not None:
            self.answered = self.answered or conn.status is not None
            conn.close()
        if decoder is not None:
            decoder.close()
            self.flow.stream_closed(decoder.retry_ms)

    def failed(
        self,
        reason: str,
        *,
        detail: str | None,
        hint: str | None,
        retry_after: float | None,
        first_contact: bool,
        max_retries: int,
        rand: Callable[[], float],
        now: float,
    ) -> float:
        """The attempt failed: how long to wait before the next; GaveUpError past
        ``max_retries`` (or past FIRST_CONTACT_RETRIES for a connection-level failure
        before any answer from the server).

        ``failures`` counts consecutive failed attempts; an attempt that delivered a frame
        starts the count again, so a long tail survives any number of drops while a server
        that never gets as far as a frame is given up on.
        """
        self.drop()
        if first_contact and not self.answered:
            max_retries = min(max_retries, FIRST_CONTACT_RETRIES)
        self.failures = 1 if self.delivered else self.failures + 1
        if self.failures > max_retries:
            tries = "" if max_retries == 0 else f" after {self.failures} attempts"
            raise GaveUpError(f"gave up{tries}: {reason}", detail=detail, hint=hint)
        # a server's retry: sets the base, but never below MIN_BASE: retry: 0 plus a server
        # that closes after each comment would otherwise be hammered in a tight loop
        retry_ms = self.flow.retry_ms
        base = 1.0 if retry_ms is None else max(MIN_BASE, retry_ms / 1000)
        delay = backoff_delay(self.failures, base, retry_after, rand)
        self.retry_at, self.reason = now + delay, reason
        self.reconnects += 1
        return delay
