"""A run's failure count: which ended connections count as failed attempts (real SSE bytes,
the tail's clock given by hand)."""

from __future__ import annotations

import datetime as dt

import pytest

from bctrl_tail.config import Options, build_config
from bctrl_tail.errors import GaveUpError
from bctrl_tail.flow import Flow
from bctrl_tail.followed import LIVE_FOR, Followed

NOW = dt.datetime(2026, 6, 25, 12, 0, tzinfo=dt.timezone.utc)
COMMENT = b": keep-alive\n\n"


def followed() -> Followed:
    opts = Options(run_ids=("run_1",))
    config = build_config(opts, env={"BCTRL_API_KEY": "bctrl_k"}, stdout_is_tty=False, now=NOW)
    return Followed("run_1", Flow(config, "run_1"))


def connection(run: Followed, start: float, chunks: list[tuple[float, bytes]]) -> int:
    """One answered connection: ``chunks`` (time, bytes) fed as the tail feeds them, then the
    server closes; the failure count after it (GaveUpError past --max-retries 3)."""
    run.delivered = False  # as connect() does
    run.opened(start)
    for at, chunk in chunks:
        if run.flow.feed(run.decode(chunk, at)).delivered:
            run.delivered = True
    end = chunks[-1][0] if chunks else start
    run.failed(
        "the server closed the stream",
        detail=None,
        hint=None,
        retry_after=None,
        first_contact=False,
        max_retries=3,
        rand=lambda: 0.5,
        now=end,
    )
    return run.failures


def test_a_comment_then_the_end_adds_up_to_giving_up() -> None:
    run = followed()
    assert [connection(run, t, [(t, COMMENT)]) for t in (0, 10, 20)] == [1, 2, 3]
    with pytest.raises(GaveUpError, match="gave up after 4 attempts"):
        connection(run, 30, [(30, COMMENT)])


def test_streaming_liveness_for_live_for_seconds_starts_the_count_again() -> None:
    run = followed()
    assert connection(run, 0, [(0, COMMENT)]) == 1
    assert connection(run, 10, [(10, COMMENT), (10 + LIVE_FOR * 0.9, COMMENT)]) == 2
    assert connection(run, 20, [(20, COMMENT), (20 + LIVE_FOR, COMMENT)]) == 1


def test_a_new_event_starts_the_count_again_and_its_replay_does_not() -> None:
    run = followed()
    event = b'id: e1\ndata: {"id":"e1"}\n\n'
    assert [connection(run, t, [(t, event)]) for t in (0, 10, 20)] == [1, 2, 3]
