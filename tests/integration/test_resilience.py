"""Reconnect, resume, backoff, dedupe and the cursor file: the CLI against faulty servers.

Every test runs the real CLI as a subprocess against the simulator on loopback. Nothing sleeps
to wait: the tests wait for the process (bounded) and read the requests the simulator recorded.
Simulated runs send a small ``retry:`` so that reconnecting after a delivered frame is fast;
answers before any stream (429, 503) wait the real 1 s base, which the timing tests rely on.
"""

from __future__ import annotations

import bisect
import email.utils
import http.server
import itertools
import json
import math
import os
import random
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bctrl_tail.simulator import RecordedRequest, Response, Run, Simulator
from tests.support import KEY, Result, run_cli

TIME = "2026-06-25T12:00:00.000Z"
TEXTS = ["naïve café", "☃ snow", "日本語テキスト", "emoji 🎉🚀", "plain ascii", "Ωμέγα ß"]


def events(n: int, prefix: str = "evt") -> list[dict[str, Any]]:
    """Events with fixed times and multi-byte text, so that the stream bytes are predictable."""
    types = ["navigation", "network.request", "console.message", "page.load"]
    return [
        {"id": f"{prefix}_{i:05d}", "type": types[i % len(types)], "time": TIME, "seq": i,
         "message": f"{TEXTS[i % len(TEXTS)]} #{i}"}
        for i in range(n)
    ]  # fmt: skip


def compact(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def frame_bytes(event: dict[str, Any]) -> bytes:
    """The bytes the simulator sends for an event (its frames are built exactly like this)."""
    return f"event: run.event\nid: {event['id']}\ndata: {compact(event)}\n\n".encode()


def expected_jsonl(evs: list[dict[str, Any]]) -> bytes:
    return "".join(compact(e) + "\n" for e in evs).encode()


def ids(result: Result) -> list[str]:
    return [json.loads(line)["id"] for line in result.lines]


def cursor_of(request: RecordedRequest) -> str | None:
    values = request.query.get("cursor")
    return values[-1] if values else None


def tail(sim: Simulator, *args: str, run_id: str = "run_1", timeout: float = 20) -> Result:
    return run_cli(run_id, "--base-url", sim.base_url, "-o", "jsonl", *args, timeout=timeout)


def requests_for(sim: Simulator, run_id: str) -> list[RecordedRequest]:
    return [r for r in sim.requests if r.path == f"/v2/runs/{run_id}/events/stream"]


# -- cuts at byte offsets: nothing lost, nothing repeated, nothing truncated ----------------------


def cut_offsets(stream: bytes, ends: list[int], count: int, seed: int) -> list[int]:
    """`count` sorted distinct offsets into `stream`: random ones plus the awkward cases."""
    rng = random.Random(seed)
    mid_char = [i for i in range(1, len(stream)) if stream[i] & 0xC0 == 0x80]
    id_lines = [m.start() + 5 for m in re.finditer(rb"\nid: ", stream)]
    special = {
        rng.choice(mid_char),  # inside a multi-byte UTF-8 character
        rng.choice(id_lines),  # in the middle of an id line
        rng.choice(ends[:-1]),  # exactly between two frames
        ends[-1] - 1,  # just before the blank line that ends the last event
    }
    offsets = set(special)
    while len(offsets) < count:
        offsets.add(rng.randrange(1, len(stream)))
    return sorted(offsets)


@pytest.fixture(scope="module")
def uncut_stdout() -> bytes:
    """The stdout of an uncut run of the 20,000-event stream: what every cut run must match."""
    with Simulator() as server:
        server.add_run(Run("run_1", events(20_000), retry_ms=5))
        result = run_cli("run_1", "--base-url", server.base_url, "-o", "jsonl", timeout=30)
    assert result.code == 0, result.stderr
    assert len(server.requests) == 1
    return result.stdout.encode()


@pytest.mark.parametrize("inclusive", [False, True], ids=["exclusive", "inclusive-cursor"])
def test_50_cuts_lose_repeat_and_truncate_nothing(
    sim: Simulator, uncut_stdout: bytes, inclusive: bool
) -> None:
    evs = events(20_000)
    frames = [frame_bytes(e) for e in evs]
    stream = b"".join(frames)
    ends = list(itertools.accumulate(len(f) for f in frames))
    offsets = cut_offsets(stream, ends, 50, seed=20260625)
    assert any(stream[o] & 0xC0 == 0x80 for o in offsets)  # at least one cut mid-character
    assert any(stream[o - 1 : o] != b"\n" for o in offsets)  # and mid-line
    sim.add_run(Run("run_1", evs, retry_ms=5, drop_at_bytes=offsets, inclusive_cursor=inclusive))

    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl", timeout=30)

    assert result.code == 0, result.stderr
    assert result.stdout.encode() == uncut_stdout == expected_jsonl(evs)
    assert result.stderr.count("reconnecting in") == 50
    # Every cut made the CLI reconnect once, resuming after the last complete event.
    assert len(sim.requests) == 51
    assert cursor_of(sim.requests[0]) is None
    for offset, request in zip(offsets, sim.requests[1:], strict=True):
        complete = bisect.bisect_right(ends, offset)  # events whose last byte arrived
        want = evs[complete - 1]["id"] if complete else None
        assert cursor_of(request) == want
        assert request.headers.get("Last-Event-ID") == want


# -- idle timeout ----------------------------------------------------------------------------------


def test_a_stall_longer_than_the_idle_timeout_reconnects_and_completes(sim: Simulator) -> None:
    evs = events(10)
    sim.add_run(Run("run_1", evs, retry_ms=5, stall=(5, 10.0)))
    result = tail(sim, "--idle-timeout", "0.5")
    assert result.code == 0, result.stderr
    assert result.stdout.encode() == expected_jsonl(evs)
    assert "idle timeout" in result.stderr
    first, second = sim.requests
    assert cursor_of(second) == "evt_00004"
    # the idle timeout fired, not the end of the 10 s stall
    assert 0.5 <= second.time - first.time < 10.0


def test_heartbeats_and_comments_keep_a_quiet_stream_alive(sim: Simulator) -> None:
    styles = ("event", "comment")
    for style in styles:  # 1.6 s between the two events, a heartbeat every 0.1 s
        sim.add_run(
            Run(f"run_{style}", events(2), delays=[0, 1.6], heartbeat=0.1, heartbeat_style=style)
        )
    with ThreadPoolExecutor(len(styles)) as pool:
        results = list(
            pool.map(lambda s: tail(sim, "--idle-timeout", "0.8", run_id=f"run_{s}"), styles)
        )
    for style, result in zip(styles, results, strict=True):
        assert result.code == 0, result.stderr
        assert len(result.lines) == 2
        assert len(requests_for(sim, f"run_{style}")) == 1  # no reconnect


# -- status codes and backoff ----------------------------------------------------------------------


@dataclass
class Outcome:
    result: Result
    requests: list[RecordedRequest]

    @property
    def times(self) -> list[float]:
        return [r.time for r in self.requests]


@dataclass
class DatedOutcome:
    result: Result
    times: list[float]


class RetryAtDate(http.server.ThreadingHTTPServer):
    """A server on loopback for run_date: its first answer is a 503 whose Retry-After is an
    HTTP date set when that request arrives (2 to 3 s later: HTTP dates have whole seconds),
    then the run's events. Dating the answer at the request, not at the start of the test, keeps
    the date well past the 1.2 s the backoff alone would wait however slowly the CLI starts."""

    def __init__(self, evs: list[dict[str, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), _RetryAtDateHandler)
        self.body = (
            b"".join(frame_bytes(e) for e in evs)
            + b'event: run.ended\ndata: {"status":"completed"}\n\n'
        )
        self.times: list[float] = []  # time.monotonic() of each request
        self.not_before = math.inf  # time.monotonic() value of the date sent
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> RetryAtDate:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _RetryAtDateHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RetryAtDate

    def do_GET(self) -> None:
        server, mono, wall = self.server, time.monotonic(), time.time()
        server.times.append(mono)
        if len(server.times) == 1:
            not_before = math.floor(wall) + 3
            server.not_before = mono + (not_before - wall)
            body = b'{"error":"unavailable","code":"service.unavailable"}'
            self.send_response(503)
            self.send_header("Retry-After", email.utils.formatdate(not_before, usegmt=True))
            self.send_header("Content-Type", "application/json")
        else:
            body = server.body
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class BackoffRuns:
    outcomes: dict[str, Outcome]
    dated: DatedOutcome  # run_date, served by RetryAtDate
    date_not_before: float  # time.monotonic() value of the HTTP date sent as Retry-After


RETRYABLE = (408, 500, 502, 504)


@pytest.fixture(scope="module")
def backoff_runs() -> Iterator[BackoffRuns]:
    """The runs that wait out real delays (1 s base, Retry-After), started together so that
    their waits overlap; each test below checks one of them."""
    after_2s = Response(429, headers={"Retry-After": "2"})
    runs = [
        Run("run_429", events(3), responses=[after_2s]),
        Run("run_503", events(5), responses=[Response(503), Response(503)]),
        Run("run_down", events(1), responses=[Response(503) for _ in range(5)]),
        *(Run(f"run_{status}", events(2), responses=[Response(status)]) for status in RETRYABLE),
    ]
    options = {"run_down": ("--max-retries", "2")}
    scenarios = {run.run_id: (run, options.get(run.run_id, ())) for run in runs}
    with Simulator() as server, RetryAtDate(events(3)) as dated:
        for run, _ in scenarios.values():
            server.add_run(run)
        with ThreadPoolExecutor(len(scenarios) + 1) as pool:
            futures = {
                run_id: pool.submit(tail, server, *args, run_id=run_id, timeout=30)
                for run_id, (_, args) in scenarios.items()
            }
            date_run = pool.submit(
                run_cli, "run_date", "--base-url", dated.base_url, "-o", "jsonl", timeout=30
            )
            results = {run_id: future.result() for run_id, future in futures.items()}
            date_result = date_run.result()
        outcomes = {rid: Outcome(res, requests_for(server, rid)) for rid, res in results.items()}
    yield BackoffRuns(outcomes, DatedOutcome(date_result, dated.times), dated.not_before)


def test_429_retry_after_seconds_is_a_floor(backoff_runs: BackoffRuns) -> None:
    run = backoff_runs.outcomes["run_429"]
    assert run.result.code == 0, run.result.stderr
    assert len(run.result.lines) == 3
    first, second = run.times
    assert second - first >= 2.0  # without the floor: 1 s ± 20 %
    assert "reconnecting in 2.0s (attempt 2): HTTP 429" in run.result.stderr


def test_503_retry_after_http_date_is_a_floor(backoff_runs: BackoffRuns) -> None:
    run = backoff_runs.dated
    assert run.result.code == 0, run.result.stderr
    assert len(run.result.lines) == 3
    first, second = run.times
    not_before = backoff_runs.date_not_before
    assert not_before - first > 2  # later than the 1.2 s the delay would be without it
    assert second >= not_before - 0.05  # 50 ms: the client's clocks against the server's


def test_503_503_200_backs_off_doubling_and_completes(backoff_runs: BackoffRuns) -> None:
    run = backoff_runs.outcomes["run_503"]
    assert run.result.code == 0, run.result.stderr
    assert run.result.stdout.encode() == expected_jsonl(events(5))
    times = run.times
    assert len(times) == 3
    # The delays the CLI announces are 1 s and 2 s ± 20 %, and it waits at least that long.
    # (How much longer depends on the machine's load, so that is not asserted.)
    said = [
        float(delay)
        for delay in re.findall(
            r"reconnecting in (\d+\.\d)s \(attempt [23]\): HTTP 503", run.result.stderr
        )
    ]
    assert len(said) == 2
    assert 0.8 <= said[0] <= 1.2 and 1.6 <= said[1] <= 2.4
    assert times[1] - times[0] >= said[0] - 0.05  # announced with one decimal
    assert times[2] - times[1] >= said[1] - 0.05


@pytest.mark.parametrize("status", RETRYABLE)
def test_408_500_502_504_reconnect(backoff_runs: BackoffRuns, status: int) -> None:
    run = backoff_runs.outcomes[f"run_{status}"]
    assert run.result.code == 0, run.result.stderr
    assert len(run.result.lines) == 2
    assert f"HTTP {status}" in run.result.stderr
    assert len(run.requests) == 2


def test_always_503_gives_up_after_max_retries(backoff_runs: BackoffRuns) -> None:
    run = backoff_runs.outcomes["run_down"]
    stderr = run.result.stderr
    assert run.result.code == 1
    assert len(run.requests) == 3
    assert "error: gave up after 3 attempts: HTTP 503" in stderr
    assert "service.unavailable" in stderr  # the last error's detail line
    assert stderr.count("reconnecting in") == 2


@pytest.mark.parametrize(
    ("answer", "code"),
    [(Response(400), 1), (Response(401), 4), (Response(403), 4), (Response(404), 5)],
    ids=["400", "401", "403", "404"],
)
def test_client_errors_are_never_retried(sim: Simulator, answer: Response, code: int) -> None:
    sim.add_run(Run("run_1", events(2), responses=[answer]))
    result = tail(sim, "--max-retries", "5")
    assert result.code == code
    assert len(sim.requests) == 1
    assert "reconnecting" not in result.stderr


def test_wrong_content_type_is_never_retried(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(2), content_type="text/html"))
    result = tail(sim, "--max-retries", "5")
    assert result.code == 1
    assert len(sim.requests) == 1


def test_max_retries_0_never_reconnects(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(5), drop_every=2))
    result = tail(sim, "--max-retries", "0")
    assert result.code == 1
    assert ids(result) == ["evt_00000", "evt_00001"]
    assert len(sim.requests) == 1
    assert "error: gave up: " in result.stderr
    assert "reconnecting" not in result.stderr


def test_the_failure_count_resets_after_a_connection_that_delivered_a_frame(
    sim: Simulator,
) -> None:
    evs = events(12)
    sim.add_run(Run("run_1", evs, retry_ms=5, drop_every=1))  # one event per connection
    result = tail(sim, "--max-retries", "1")
    assert result.code == 0, result.stderr
    assert result.stdout.encode() == expected_jsonl(evs)
    assert len(sim.requests) == 13


@pytest.mark.parametrize(
    "chunk",
    [b"retry: 5\n\n", b"retry: 5\ndata: cut off be"],
    ids=["retry-only-block", "retry-in-a-cut-off-block"],
)
def test_a_server_that_sends_only_retry_is_given_up_on_after_the_retry_delay(
    sim: Simulator, chunk: bytes
) -> None:
    # Nothing but a retry line, then the end: not a delivered frame, so the failures add up
    # (else this server would be retried forever); the retry value still sets the base delay.
    sim.add_run(Run("run_1", [], raw_chunks=[chunk]))
    result = tail(sim, "--max-retries", "2")
    assert result.code == 1
    assert "gave up after 3 attempts" in result.stderr
    assert len(sim.requests) == 3
    # retry: 5 (raised to the 50 ms floor), doubled: 50 ms and 100 ms ± 20 %, not 1 s and 2 s
    said = re.findall(r"reconnecting in (\d+\.\d)s", result.stderr)
    assert len(said) == 2 and all(float(delay) <= 0.2 for delay in said), said


def test_timeout_is_honoured_while_backing_off(sim: Simulator) -> None:
    sim.fixed_response = Response(503, headers={"Retry-After": "30"})
    started = time.monotonic()
    result = tail(sim, "--timeout", "1")
    assert result.code == 124
    assert time.monotonic() - started < 30  # the Retry-After was not waited out
    assert len(sim.requests) == 1


# -- resume ----------------------------------------------------------------------------------------


def test_reconnect_resumes_with_cursor_and_last_event_id_and_the_same_filters(
    sim: Simulator,
) -> None:
    evs = events(12)
    sim.add_run(Run("run_1", evs, retry_ms=5))
    filters = ("-t", "navigation,console.message", "-t", "network.request", "-c", "browser",
               "-c", "console,network", "--limit", "3", "--cursor", "evt_00000")  # fmt: skip
    result = tail(sim, *filters)
    # limit=3 ends each response after 3 events without run.ended: the tail must resume.
    assert result.code == 0, result.stderr
    shown = [e["id"] for e in evs[1:] if e["type"] != "page.load"]  # -t leaves page.load out
    assert ids(result) == shown
    first, *rest = sim.requests
    assert cursor_of(first) == "evt_00000"
    assert "last-event-id" not in first.headers
    for request, last in zip(rest, [shown[2], shown[5]], strict=True):
        assert cursor_of(request) == last
        assert request.headers["Last-Event-ID"] == last
        assert request.query["cursor"] == [last]
        others = {k: v for k, v in request.query.items() if k != "cursor"}
        assert others == {k: v for k, v in first.query.items() if k != "cursor"}
        assert others["type"] == ["navigation", "console.message", "network.request"]
        assert others["category"] == ["browser", "console", "network"]
        assert others["limit"] == ["3"]


def test_verbose_shows_every_attempt_and_its_url_never_the_key(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(4), retry_ms=5, drop_every=2))
    result = tail(sim, "-v")
    assert result.code == 0, result.stderr
    urls = re.findall(r"connection (\d+): GET (\S+)", result.stderr)
    base = f"{sim.base_url}/v2/runs/run_1/events/stream"
    assert urls == [
        ("1", base),
        ("2", base + "?cursor=evt_00001"),
        ("3", base + "?cursor=evt_00003"),
    ]
    assert KEY not in result.stderr
    assert re.search(
        r"^bctrl-tail: reconnecting in \d+\.\ds \(attempt 2\): \S.*$", result.stderr, re.M
    )


def test_quiet_hides_reconnects(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(4), retry_ms=5, drop_every=2))
    result = tail(sim, "-q")
    assert result.code == 0
    assert len(result.lines) == 4
    assert result.stderr == ""
    assert len(sim.requests) == 3


# -- duplicates ------------------------------------------------------------------------------------


def test_replayed_events_are_skipped_but_events_without_an_id_line_never_are(
    sim: Simulator,
) -> None:
    def ev(event_id: str | None, n: int) -> bytes:
        head = f"id: {event_id}\n" if event_id is not None else ""
        return f'{head}data: {{"n":{n}}}\n\n'.encode()

    chunks = [
        ev("a", 1), ev("b", 2), ev(None, 3),  # 3 inherits id "b"
        ev("a", 1), ev("b", 2), ev(None, 3),  # a replayed window: only the id-less one again
        ev("", 4), ev("", 5),  # an empty id line resets the id: not a duplicate of anything
        ev("c", 6), b'event: run.ended\ndata: {"status":"completed"}\n\n',
    ]  # fmt: skip
    sim.add_run(Run("run_1", [], raw_chunks=chunks))
    result = tail(sim)
    assert result.code == 0, result.stderr
    assert [json.loads(line)["n"] for line in result.lines] == [1, 2, 3, 3, 4, 5, 6]


# -- cursor file -----------------------------------------------------------------------------------


def saved(path: Path, sim: Simulator) -> dict[str, str]:
    """The cursors a --cursor-file holds, checked to be for the simulator's base URL."""
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "bctrl-tail.cursor/1"
    assert document["baseUrl"] == sim.base_url
    runs: dict[str, str] = document["runs"]
    return runs


def write_cursors(path: Path, sim: Simulator, runs: dict[str, str]) -> None:
    document = {"format": "bctrl-tail.cursor/1", "baseUrl": sim.base_url, "runs": runs}
    path.write_text(json.dumps(document), encoding="utf-8")


def test_cursor_file_is_written_and_the_next_run_resumes_from_it(
    sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "cursor"
    sim.add_run(Run("run_1", events(5)))
    first = tail(sim, "--cursor-file", str(path))
    assert first.code == 0, first.stderr
    assert saved(path, sim) == {"run_1": "evt_00004"}
    assert [p.name for p in tmp_path.iterdir()] == ["cursor"]  # no temp file left behind

    sim.add_run(Run("run_1", events(8)))
    sim.requests.clear()
    second = tail(sim, "--cursor-file", str(path))
    assert second.code == 0, second.stderr
    assert ids(second) == ["evt_00005", "evt_00006", "evt_00007"]
    assert f"resuming after evt_00004 (from {path})" in second.stderr
    assert cursor_of(sim.requests[0]) == "evt_00004"
    assert "last-event-id" not in sim.requests[0].headers
    assert saved(path, sim) == {"run_1": "evt_00007"}


def test_one_cursor_file_reused_for_another_run_starts_that_run_from_its_beginning(
    sim: Simulator, tmp_path: Path
) -> None:
    """`--cursor-file .cursor` kept in a job for two runs, one after the other, whose ids look
    alike (evt_00000…): the second run is not started after the first run's last id."""
    path = tmp_path / ".cursor"
    sim.add_run(Run("run_1", events(5)))
    sim.add_run(Run("run_2", events(3)))
    assert ids(tail(sim, "--cursor-file", str(path), "-n", "2")) == ["evt_00000", "evt_00001"]
    second = tail(sim, "--cursor-file", str(path), run_id="run_2")
    assert ids(second) == ["evt_00000", "evt_00001", "evt_00002"]
    assert cursor_of(requests_for(sim, "run_2")[0]) is None
    assert "resuming" not in second.stderr
    third = tail(sim, "--cursor-file", str(path))
    assert ids(third) == ["evt_00002", "evt_00003", "evt_00004"]  # run_1 resumes after its own
    assert saved(path, sim) == {"run_1": "evt_00004", "run_2": "evt_00002"}


def test_cursor_option_wins_over_the_cursor_file(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "cursor"
    write_cursors(path, sim, {"run_1": "evt_00001"})
    sim.add_run(Run("run_1", events(5)))
    result = tail(sim, "--cursor-file", str(path), "--cursor", "evt_00002")
    assert ids(result) == ["evt_00003", "evt_00004"]
    assert cursor_of(sim.requests[0]) == "evt_00002"
    assert saved(path, sim) == {"run_1": "evt_00004"}


def test_cursor_file_is_saved_when_the_tail_gives_up(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "cursor"
    sim.add_run(Run("run_1", events(5), drop_every=2))
    result = tail(sim, "--cursor-file", str(path), "--max-retries", "0")
    assert result.code == 1
    assert saved(path, sim) == {"run_1": "evt_00001"}


def test_cursor_file_is_not_touched_when_nothing_was_output(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "cursor"
    write_cursors(path, sim, {"run_1": "evt_00004"})
    before = path.read_bytes()
    sim.add_run(Run("run_1", events(5)))
    result = tail(sim, "--cursor-file", str(path))
    assert (result.code, result.stdout) == (0, "")
    assert path.read_bytes() == before


def test_cursor_file_in_a_missing_folder_is_refused_before_anything_is_sent(
    sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "missing-dir" / "cursor"
    sim.add_run(Run("run_1", events(3)))
    result = tail(sim, "--cursor-file", str(path))
    assert result.code == 2
    assert f"cannot write --cursor-file {path}" in result.stderr
    assert result.stdout == ""
    assert sim.requests == []


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"evt_1\n", "malformed"),
        (b'{"runs": {"run_1": "evt_1"}}', "malformed"),
        (b"\xff\xfe\x00", "malformed"),
        (None, "is a folder"),
        ("fifo", "is not a regular file"),
    ],
    ids=["a-bare-id", "no-format", "not-utf8", "a-directory", "a-pipe"],
)
def test_unusable_cursor_file_is_a_usage_error_naming_it(
    sim: Simulator, tmp_path: Path, content: bytes | str | None, needle: str
) -> None:
    path = tmp_path / "my-cursor"
    if content is None:
        path.mkdir()
    elif content == "fifo":  # stands for a device too: a save would replace it (or block)
        os.mkfifo(path)
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    sim.add_run(Run("run_1", events(2)))
    result = tail(sim, "--cursor-file", str(path))
    assert result.code == 2
    assert needle in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert sim.requests == []
    if not isinstance(content, bytes):
        assert "give the path of a file" in result.stderr
        assert path.exists() and not path.is_file()  # left as it was
