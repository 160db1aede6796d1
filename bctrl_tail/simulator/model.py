"""The simulator's data model: a run to serve, a canned response, a recorded request."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

JSONObject = dict[str, Any]


@dataclass
class Response:
    """A canned non-stream answer for one request.

    ``body``: a dict is sent as JSON, ``str``/``bytes`` as they are; ``None`` means a bctrl-style
    error body ``{"error", "code", "requestId"}`` that fits the status.
    """

    status: int
    body: bytes | str | JSONObject | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    """One run the simulator serves, with its pacing and its fault switches (all deterministic).

    Delays, the interval and the heartbeat period are divided by ``speed``; ``stall`` seconds
    are wall-clock seconds.
    """

    run_id: str
    events: list[JSONObject]  # each with at least "id" and "type"; served in order
    end_status: str | None = "completed"  # run.ended status; None: no run.ended, end (close)
    failure: JSONObject | None = None  # run.ended "failure" ({"code", "message"})
    interval: float = 0.0  # seconds before each event
    delays: list[float] | None = None  # seconds before event i (overrides interval)
    heartbeat: float | None = None  # heartbeat period while waiting
    heartbeat_style: str = "event"  # "event" (`event: heartbeat`) or "comment" (`: keep-alive`)
    retry_ms: int | None = None  # `retry: N` at the start of each response
    inclusive_cursor: bool = False  # resuming with cursor=X re-sends X (a non-standard server)
    close_delimited: bool = False  # no chunked encoding, no Content-Length: the body ends by close
    drop_every: int | None = None  # abrupt close after every N events sent on a connection
    # Cut the connection once at each offset (in order) of the full uncut stream body: the
    # run.event and run.ended frames the request's filters select from the run's start (retry
    # lines and heartbeats not counted). A resumed response starts at its cursor's offset.
    drop_at_bytes: list[int] | None = None
    stall: tuple[int, float] | None = None  # (N, S): once per run, silent S s after N events
    responses: list[Response] = field(default_factory=list)  # popped one per request, first
    raw_chunks: list[bytes] | None = None  # answer 200 and write exactly these chunks
    gate: threading.Event | None = None  # after the first event, wait for the gate to be set
    content_type: str = "text/event-stream; charset=utf-8"
    speed: float = 1.0  # divides delays, interval and heartbeat
    # add "time" (when it was due) to events that carry no time; False: send them as they are
    stamp_times: bool = True
    hold_open: bool = False  # end_status None: keep the response open (heartbeats) until stop
    # The keys that may see this run (others that the simulator knows get 403); None: any key
    # the simulator accepts. These keys are accepted by the simulator as well.
    keys: tuple[str, ...] | None = field(default=None, repr=False)

    def delay_before(self, index: int) -> float:
        """Seconds to wait before sending event ``index``, speed applied."""
        if self.delays is not None and index < len(self.delays):
            delay = self.delays[index]
        else:
            delay = self.interval
        return max(0.0, delay) / self.speed if self.speed > 0 else 0.0

    @property
    def heartbeat_every(self) -> float | None:
        """The heartbeat period with speed applied, or None when there are no heartbeats."""
        if self.heartbeat is None or self.heartbeat <= 0:
            return None
        return self.heartbeat / self.speed if self.speed > 0 else self.heartbeat


class Headers(dict[str, str]):
    """Request headers with case-insensitive keys (stored lower-case); the repr hides secrets."""

    _SECRET = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.lower() if isinstance(key, str) else key)

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __repr__(self) -> str:
        shown = {k: ("<redacted>" if k in self._SECRET else v) for k, v in self.items()}
        return f"Headers({shown!r})"

    __str__ = __repr__


@dataclass
class RecordedRequest:
    """One request the simulator received. ``headers`` may hold the key: never print it."""

    method: str
    path: str  # percent-decoded path, without the query
    raw_path: str  # the request target exactly as on the request line
    query: dict[str, list[str]]
    headers: Headers = field(repr=False)
    time: float  # time.monotonic() when the request was read
