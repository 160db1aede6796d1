"""Several runs at once: 50 runs x 2,000 events against one run of 100,000, same run, ratios.

    python bench/bench_several.py [--quick] [--runs N] [--events M] [--rounds R] [--json PATH]

A raw-socket server (as in bench/common.py) answers ``/v2/runs/run_K/events/stream`` with run K's
own events (sequence numbers K·M … K·M+M-1, one HTTP chunk per event, then ``run.ended``), as
fast as loopback allows; the baseline is one run holding all N·M events, from the same server.
Both are ``bctrl-tail … -o jsonl`` into a file, timed from spawn to exit (interpreter start-up
is in both), interleaved, median of the rounds. After every tail the output is checked: every
sequence number exactly once, each run's events in order. Peak RSS of the several-runs tail is
measured through the launcher of common.py.

Idle runs: the same command follows runs that only send a heartbeat a second, for a fixed
time (``--timeout``), 50 of them against 1; the CPU time the tail used (wait4) shows what a quiet
run costs.

Targets (issue 13): several runs within 1.5x the time of the single run; peak RSS ≤ 80 MB.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    KEY,
    Figure,
    FrameServer,
    Measured,
    bench_args,
    child_env,
    chunk,
    cli_command,
    fast_frame,
    measure,
    median,
    print_figures,
    read_request,
    response_head,
    write_figures,
)

IDLE_HEARTBEAT = 1.0
TARGET_RATIO = 1.5
TARGET_RSS_MB = 80.0
BLOCK_EVENTS = 256


def end_frame(run_id: str) -> bytes:
    data = json.dumps({"runId": run_id, "status": "completed"}, separators=(",", ":"))
    return f"event: run.ended\ndata: {data}\n\n".encode()


def body(first: int, count: int, run_id: str) -> Iterator[bytes]:
    """Events ``first`` … ``first+count-1``, one chunk each, in writes of BLOCK_EVENTS."""
    for start in range(first, first + count, BLOCK_EVENTS):
        stop = min(first + count, start + BLOCK_EVENTS)
        yield b"".join([chunk(fast_frame(seq)) for seq in range(start, stop)])
    yield chunk(end_frame(run_id)) + b"0\r\n\r\n"


class RunsServer(FrameServer):
    """Serves ``run_K`` (0 ≤ K < runs) with its own events, ``run_all`` with all of them, and
    ``idle_K`` with heartbeats only."""

    def __init__(self, runs: int, events: int) -> None:
        self.runs, self.events = runs, events
        self.open_now = 0
        self.peak_open = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        super().__init__(lambda: ())
        self._sock.listen(128)  # 50 connections at once: no SYN retried for want of backlog

    def run_ids(self) -> list[str]:
        return [f"run_{k:03d}" for k in range(self.runs)]

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                head = read_request(conn).split(b" ", 2)[1].decode()
                run_id = head.split("/")[3]
                if run_id.startswith("idle_"):
                    self._idle(conn)
                    return
                if run_id == "run_all":
                    first, count = 0, self.runs * self.events
                else:
                    first, count = int(run_id[4:]) * self.events, self.events
                with self._lock:
                    self.open_now += 1
                    self.peak_open = max(self.peak_open, self.open_now)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.sendall(response_head(chunked=True))
                for block in body(first, count, run_id):
                    conn.sendall(block)
                conn.shutdown(socket.SHUT_WR)
            except (OSError, ValueError, IndexError):
                pass
            finally:
                with self._lock:
                    self.open_now -= 1

    def _idle(self, conn: socket.socket) -> None:
        """A run with nothing to say: a heartbeat a second until the client goes."""
        conn.sendall(response_head(chunked=True))
        while not self._closed.wait(IDLE_HEARTBEAT):
            conn.sendall(chunk(b'event: heartbeat\ndata: {"time":"2026-11-28T16:45:00Z"}\n\n'))

    def close(self) -> None:
        self._closed.set()
        super().close()


def check(path: Path, runs: int, events: int, several: bool) -> str:
    """'' when every event is there exactly once, each run's in order; else what is wrong."""
    last: dict[int, int] = {}
    seen = bytearray(runs * events)
    with path.open("rb") as handle:
        for line in handle:
            seq = json.loads(line)["seq"]
            if not 0 <= seq < len(seen):
                return f"unknown event {seq}"
            if seen[seq]:
                return f"event {seq} output twice"
            seen[seq] = 1
            run = seq // events if several else 0
            if last.get(run, -1) >= seq:
                return f"event {seq} out of order in its run"
            last[run] = seq
    missing = seen.count(0)
    return f"{missing} events missing" if missing else ""


def tail(server: RunsServer, run_ids: list[str], out: Path, *, rss: bool) -> Measured:
    cmd = [*cli_command(), *run_ids, "--base-url", server.base_url, "-q", "-o", "jsonl"]
    with out.open("wb") as handle:
        return measure(
            cmd, stdout=handle, env=child_env({"BCTRL_API_KEY": KEY}), rss=rss, timeout=600
        )


def idle_cpu(server: RunsServer, runs: int, seconds: float) -> float:
    """CPU seconds (user + system) of a tail following ``runs`` idle runs for ``seconds``."""
    cmd = [*cli_command(), *(f"idle_{k:03d}" for k in range(runs))]
    cmd += ["--base-url", server.base_url, "-q", "-o", "jsonl", "--timeout", f"{seconds:g}"]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=child_env({"BCTRL_API_KEY": KEY}),
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 124:
        raise SystemExit(f"idle tail exited {proc.returncode}, expected 124 (--timeout)")
    return float(usage.ru_utime + usage.ru_stime)


def main() -> int:
    parser = bench_args(__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--events", type=int, default=2000, help="events per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.quick:
        args.runs, args.events, args.rounds, args.idle_seconds = 5, 200, 1, 1.5
    total = args.runs * args.events
    server = RunsServer(args.runs, args.events)
    several_times: list[float] = []
    single_times: list[float] = []
    rss: list[float] = []
    single_rss: list[float] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-several-") as folder:
        out = Path(folder) / "out.jsonl"
        for round_ in range(args.rounds):
            for kind in ("single", "several"):
                several = kind == "several"
                ids = server.run_ids() if several else ["run_all"]
                server.peak_open = 0
                ran = tail(server, ids, out, rss=True)
                problem = (
                    f"exit {ran.code}" if ran.code else check(out, args.runs, args.events, several)
                )
                if problem:
                    failures.append(f"{kind} round {round_ + 1}: {problem}")
                (several_times if several else single_times).append(ran.wall)
                (rss if several else single_rss).append(ran.maxrss_mb)
                concurrent = server.peak_open
                print(
                    f"round {round_ + 1} {kind:7}: {ran.wall:6.2f} s "
                    f"({total / ran.wall:,.0f} ev/s)"
                    + f", peak RSS {ran.maxrss_mb:.1f} MB"
                    + (f", {concurrent} streams open at once" if several else "")
                    + (f"  !! {problem}" if problem else ", every event exactly once"),
                    flush=True,
                )
    idle_many = idle_cpu(server, args.runs, args.idle_seconds)
    idle_one = idle_cpu(server, 1, args.idle_seconds)
    print(
        f"idle for {args.idle_seconds:g} s: {args.runs} runs used {idle_many:.2f} s of CPU,"
        f" 1 run {idle_one:.2f} s (start-up included)",
        flush=True,
    )
    server.close()
    several_t, single_t = median(several_times), median(single_times)
    figures = [
        Figure(
            "several",
            f"{args.runs} runs x {args.events:,} events",
            several_t,
            "s",
            baseline_name=f"1 run x {total:,}",
            baseline=single_t,
            target=f"<= {TARGET_RATIO}x",
            met=several_t <= TARGET_RATIO * single_t and not failures,
            runs=f"median of {args.rounds}",
            note="; ".join(failures) or "every event exactly once",
        ),
        Figure(
            "several",
            f"peak RSS, {args.runs} runs",
            max(rss),
            "MB",
            baseline_name="1 run",
            baseline=max(single_rss),
            target=f"<= {TARGET_RSS_MB:.0f} MB",
            met=max(rss) <= TARGET_RSS_MB,
        ),
        Figure(
            "several",
            f"CPU, {args.runs} idle runs for {args.idle_seconds:g} s",
            idle_many,
            "s",
            baseline_name="1 idle run",
            baseline=idle_one,
            note="a heartbeat a second per run; start-up included",
        ),
    ]
    print(
        f"\n{args.runs} runs: {several_t:.2f} s; 1 run: {single_t:.2f} s; "
        f"ratio {several_t / single_t:.2f} (target <= {TARGET_RATIO}); "
        f"peak RSS {max(rss):.1f} MB (target <= {TARGET_RSS_MB:.0f})"
    )
    print_figures(figures)
    write_figures(args.json, figures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
