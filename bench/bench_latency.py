"""Latency: from the server writing an event to its line on the reader's stdout (a pipe).

    python bench/bench_latency.py [--quick] [--events N] [--runs R]

One thread of this process is both the server (a raw socket on 127.0.0.1) and the reader of
the client's stdout pipe, in one ``selectors`` loop: an event is written at its scheduled time
(10 ms apart) with ``time.perf_counter_ns()`` taken just before the write, and each output line
is stamped when the pipe read returns it. Lines are matched to events by the ``seq`` field of
the event, so both clocks are the same clock and no thread hand-off sits between them.

Compared, interleaved (bctrl-tail, curl, bctrl-tail, curl, ...), for a chunked and for a
close-delimited response: ``bctrl-tail RUN -o jsonl`` and ``curl -sN URL`` (the baseline).
Five warm-up events go first and are not counted. Figures are the medians over the runs of
each run's p50 and p99.
"""

from __future__ import annotations

import os
import re
import selectors
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    END_FRAME,
    Figure,
    base_url_of,
    bench_args,
    child_env,
    chunk,
    event_frame,
    have_command,
    kill_group,
    listen,
    median,
    percentile,
    print_figures,
    read_request,
    response_head,
    stream_url,
    tail_command,
    write_figures,
)

WARMUP = 5
INTERVAL = 0.010
SEQ = re.compile(rb'"seq":(\d+)')
P99_TARGET_MS = 10.0
P99_MARGIN_MS = 3.0


@dataclass
class Trial:
    """One run of one command: latencies (ms) of the events that arrived, and what was lost."""

    latencies: list[float] = field(default_factory=list)
    missing: int = 0
    code: int | None = None


def run_trial(cmd: list[str], sock: socket.socket, *, chunked: bool, events: int) -> Trial:
    """Serve one response to ``cmd`` while reading its stdout; see the module docstring."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=child_env(),
        start_new_session=True,
    )
    assert proc.stdout is not None
    out_fd = proc.stdout.fileno()
    trial = Trial()
    try:
        sock.settimeout(15)
        conn, _ = sock.accept()
        with conn:
            read_request(conn)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sendall(response_head(chunked=chunked))
            sent, arrived = _exchange(conn, out_fd, chunked=chunked, events=events)
            tail = END_FRAME
            conn.sendall((chunk(tail) + b"0\r\n\r\n") if chunked else tail)
            conn.shutdown(socket.SHUT_WR)
        for seq in range(WARMUP, WARMUP + events):
            if seq in arrived:
                trial.latencies.append((arrived[seq] - sent[seq]) / 1e6)
            else:
                trial.missing += 1
        trial.code = proc.wait(15)
    finally:
        if proc.poll() is None:
            kill_group(proc)
        proc.stdout.close()
    return trial


def _exchange(
    conn: socket.socket, out_fd: int, *, chunked: bool, events: int
) -> tuple[dict[int, int], dict[int, int]]:
    """Write the events on schedule and stamp the lines as they come out of the pipe."""
    sent: dict[int, int] = {}
    arrived: dict[int, int] = {}
    total = WARMUP + events
    sel = selectors.DefaultSelector()
    sel.register(out_fd, selectors.EVENT_READ)
    buffer = b""
    start = time.perf_counter()
    next_seq = 0
    deadline = start + total * INTERVAL + 5.0
    try:
        while len(arrived) < total and time.perf_counter() < deadline:
            now = time.perf_counter()
            if next_seq < total:
                due = start + next_seq * INTERVAL
                if now >= due:
                    frame = event_frame(next_seq)
                    data = chunk(frame) if chunked else frame
                    sent[next_seq] = time.perf_counter_ns()
                    conn.sendall(data)
                    next_seq += 1
                    continue
                wait = due - now
            else:
                wait = deadline - now
            for _ in sel.select(max(0.0, wait)):
                data = os.read(out_fd, 65536)
                stamp = time.perf_counter_ns()
                if not data:
                    return sent, arrived
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    match = SEQ.search(line)
                    if match:
                        arrived.setdefault(int(match.group(1)), stamp)
    finally:
        sel.close()
    return sent, arrived


def main() -> int:
    parser = bench_args(__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, help="events per run (default 500; quick 30)")
    parser.add_argument("--runs", type=int, help="runs per command and framing (default 3)")
    args = parser.parse_args()
    events = args.events or (30 if args.quick else 500)
    runs = args.runs or (1 if args.quick else 3)
    commands: dict[str, list[str]] = {}
    with listen() as sock:
        base = base_url_of(sock)
        commands["bctrl-tail"] = tail_command(base, "-o", "jsonl")
        if have_command("curl"):
            commands["curl -sN"] = ["curl", "-sN", stream_url(base)]
        else:
            print("curl not found: the curl baseline is skipped")
        print(
            f"latency: {events} events {INTERVAL * 1000:.0f} ms apart (+{WARMUP} warm-up), "
            f"{runs} run(s) per command and framing, interleaved"
        )
        results: dict[tuple[str, str], list[Trial]] = {}
        failed = False
        for run in range(runs):
            for framing in ("chunked", "close-delimited"):
                for name, cmd in commands.items():
                    trial = run_trial(cmd, sock, chunked=framing == "chunked", events=events)
                    results.setdefault((framing, name), []).append(trial)
                    lat = trial.latencies
                    print(
                        f"  run {run + 1} {framing:15} {name:10} p50 {percentile(lat, 50):6.2f} ms"
                        f"  p99 {percentile(lat, 99):6.2f} ms  max {max(lat, default=0):6.2f} ms"
                        f"  lost {trial.missing}  exit {trial.code}"
                    )
                    failed |= trial.missing > 0 or trial.code != 0
    figures = summarize(results, runs)
    print_figures(figures)
    write_figures(args.json, figures)
    return 1 if failed else 0


def summarize(results: dict[tuple[str, str], list[Trial]], runs: int) -> list[Figure]:
    figures = []
    for framing in ("chunked", "close-delimited"):
        ours = results[(framing, "bctrl-tail")]
        curl = results.get((framing, "curl -sN"))
        for label, q in (("p50", 50.0), ("p99", 99.0)):
            value = median([percentile(t.latencies, q) for t in ours])
            base = median([percentile(t.latencies, q) for t in curl]) if curl else float("nan")
            figure = Figure(
                bench="latency",
                name=f"latency {label}, {framing}",
                value=value,
                unit="ms",
                baseline_name="curl -sN" if curl else "",
                baseline=base,
                runs=f"{runs}x{len(ours[0].latencies)} events",
            )
            if label == "p99":
                figure.target = f"<= {P99_TARGET_MS:g} ms and <= curl + {P99_MARGIN_MS:g} ms"
                figure.met = value <= P99_TARGET_MS and (
                    base != base or value <= base + P99_MARGIN_MS
                )
                if curl:
                    figure.note = f"{value - base:+.2f} ms vs curl"
            figures.append(figure)
    return figures


if __name__ == "__main__":
    sys.exit(main())
