"""The event core without sockets: real SSE bytes through the decoder into ``Flow``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bctrl_tail.config import Config, Options, build_config
from bctrl_tail.errors import ExitCode
from bctrl_tail.events import RunEnded
from bctrl_tail.flow import DEDUPE_WINDOW, MAX_KEPT_ID, Flow, Step, end_line
from bctrl_tail.sse import Frame, SSEDecoder

NOW = dt.datetime(2026, 6, 25, 12, 0, tzinfo=dt.timezone.utc)


def config(**options: Any) -> Config:
    opts = Options(run_ids=("run_1",), **options)
    return build_config(opts, env={"BCTRL_API_KEY": "bctrl_k"}, stdout_is_tty=False, now=NOW)


def frames(stream: bytes) -> list[Frame]:
    return SSEDecoder().feed(stream)


def block(event_id: str, obj: Any, name: str = "run.event") -> bytes:
    return f"id: {event_id}\nevent: {name}\ndata: {json.dumps(obj)}\n\n".encode()


def ids(step: Step) -> list[str]:
    return [event.id for event in step.events]


def test_events_are_made_counted_and_tagged_with_their_run() -> None:
    flow = Flow(config(), "run_7")
    step = flow.feed(frames(block("e1", {"type": "a"}) + block("e2", {"type": "b"})))
    assert ids(step) == ["e1", "e2"]
    first = step.events[0]
    assert (first.run_id, first.type, first.text) == ("run_7", "a", '{"type":"a"}')
    assert (flow.shown, flow.last_id, flow.resume_id) == (2, "e2", "e2")
    assert step.delivered and step.stop is None and step.raw == [] and step.notes == []


def test_duplicates_are_dropped_across_batches_and_the_cursor_event_is_not_shown() -> None:
    flow = Flow(config(cursor="e1"), "run_1")
    first = flow.feed(frames(block("e1", {}) + block("e2", {})))
    second = flow.feed(frames(block("e2", {}) + block("e3", {})))
    assert (ids(first), ids(second)) == (["e2"], ["e3"])
    assert second.notes == [("debug", "skipping duplicate event 'e2'")]


def test_the_duplicate_window_is_bounded() -> None:
    flow = Flow(config(), "run_1")
    stream = b"".join(block(f"e{i}", {}) for i in range(DEDUPE_WINDOW + 1))
    assert len(flow.feed(frames(stream)).events) == DEDUPE_WINDOW + 1
    # e0 fell out of the window: shown again; e1 is still remembered
    assert ids(flow.feed(frames(block("e1", {}) + block("e0", {})))) == ["e0"]


def test_ids_longer_than_1_kib_are_not_remembered() -> None:
    flow = Flow(config(), "run_1")
    long_id, short_id = "x" * (MAX_KEPT_ID + 1), "y" * MAX_KEPT_ID
    stream = block(long_id, {}) + block(short_id, {})
    assert ids(flow.feed(frames(stream))) == [long_id, short_id]
    assert ids(flow.feed(frames(stream))) == [long_id]  # the long id was never kept


def test_selection_and_non_object_data() -> None:
    flow = Flow(config(grep=("keep",)), "run_1")
    stream = block("e1", {"m": "keep"}) + block("e2", {"m": "drop"}) + b"id: e3\ndata: keep?\n\n"
    stream += b"id: e4\ndata: drop\n\n"  # not an object either, and filtered out: no warning
    step = flow.feed(frames(stream))
    assert ids(step) == ["e1", "e3"]
    assert step.events[1].data == {"event": "message", "id": "e3", "data": "keep?"}
    assert step.notes == [("warn", "event e3 has data that is not a JSON object")]


def test_max_events_stops_mid_batch() -> None:
    flow = Flow(config(max_events=2), "run_1")
    step = flow.feed(frames(b"".join(block(f"e{i}", {}) for i in range(5))))
    assert (ids(step), step.stop) == (["e0", "e1"], ExitCode.OK)
    assert step.notes == []  # the tail, which counts across runs, says it once
    assert flow.resume_id == "e1"  # the frames after the stop were not looked at


def test_until_stops_after_the_matching_event() -> None:
    flow = Flow(config(until=("page.*",)), "run_1")
    stream = block("e1", {"type": "x"}) + block("e2", {"type": "page.load"}) + block("e3", {})
    step = flow.feed(frames(stream))
    assert (ids(step), step.stop) == (["e1", "e2"], ExitCode.OK)


def test_run_ended_decides_the_exit_code() -> None:
    ended = b'event: run.ended\ndata: {"runId":"run_1","status":"failed"}\n\n'
    plain = Flow(config(), "run_1").feed(frames(ended))
    strict_flow = Flow(config(exit_status=True), "run_1")
    strict = strict_flow.feed(frames(ended + block("late", {})))
    assert (plain.stop, strict.stop) == (ExitCode.OK, ExitCode.RUN_FAILED)
    assert strict.ended == strict_flow.ended == RunEnded("run_1", "failed", "", "", "")
    assert strict.events == []


def test_raw_keeps_every_block_but_unselected_and_duplicate_events() -> None:
    flow = Flow(config(exclude=("drop",)), "run_1", raw=True)
    stream = (
        b": hello\n\n"
        + block("e1", {"m": "a"})
        + block("e1", {"m": "a"})
        + block("e2", {"m": "drop"})
        + b"event: heartbeat\ndata: {}\n\n"
        + b"event: surprise\r\ndata: x\r\n\r\n"
        + b"retry: 5\n\n"
    )
    step = flow.feed(frames(stream))
    assert step.raw == [
        b": hello\n\n",
        block("e1", {"m": "a"}),
        b"event: heartbeat\ndata: {}\n\n",
        b"event: surprise\ndata: x\n\n",
        b"retry: 5\n\n",
    ]
    assert ("debug", "skipping unknown event 'surprise'") in step.notes
    assert flow.retry_ms == 5
    assert step.raw_upto == [2]  # e1's block is the second: a stop at e1 writes two blocks


def test_raw_upto_marks_where_each_events_block_ends() -> None:
    flow = Flow(config(), "run_1", raw=True)
    stream = b": hi\n\n" + block("e1", {}) + b"event: heartbeat\ndata: {}\n\n" + block("e2", {})
    step = flow.feed(frames(stream))
    assert ids(step) == ["e1", "e2"]
    assert step.raw_upto == [2, 4]
    assert Flow(config(), "run_1").feed(frames(stream)).raw_upto == []  # raw off: nothing kept


def test_delivery_is_data_or_a_comment_but_not_a_bare_retry() -> None:
    flow = Flow(config(), "run_1")
    assert not flow.feed(frames(b"retry: 10\nid: 3\n\n")).delivered
    assert flow.resume_id == "3"
    assert flow.feed(frames(b": ping\n\n")).delivered
    assert flow.feed(frames(b"event: heartbeat\ndata: {}\n\n")).delivered


def test_a_retry_cut_off_with_the_stream_still_counts() -> None:
    flow = Flow(config(), "run_1")
    decoder = SSEDecoder()
    flow.feed(decoder.feed(b"retry: 700\ndata: x"))
    decoder.close()
    flow.stream_closed(decoder.retry_ms)
    assert flow.retry_ms == 700


def test_end_line_for_every_way_a_run_ends() -> None:
    ok = RunEnded("", "completed", "", "", "")
    failed = RunEnded("run_9", "failed", "", "runtime.crashed", "out of memory")
    assert (
        end_line("run_1", ok, shown=1, reconnects=0) == "run run_1 ended: completed, 1 event shown"
    )
    assert end_line("run_1", failed, shown=5, reconnects=2) == (  # the id followed, not
        "run run_1 ended: failed (runtime.crashed: out of memory), 5 events shown, 2 reconnects"
    )  # the server's runId: that is what the user gave and will look for
    assert end_line("run_1", None, shown=3, reconnects=0, stopped="interrupted", last_id="e2") == (
        "interrupted: 3 events shown, 0 reconnects, last id e2"
    )


def test_raw_output_has_no_warning_for_non_object_data() -> None:
    stream = b"id: e1\ndata: plain\n\n"
    raw = Flow(config(), "run_1", raw=True).feed(frames(stream))
    assert (ids(raw), raw.raw, raw.notes) == (["e1"], [stream], [])
    wrapped = Flow(config(), "run_1").feed(frames(stream))
    assert wrapped.notes == [("warn", "event e1 has data that is not a JSON object")]
