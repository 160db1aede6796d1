"""Soak: the real CLI tails a long stream that is cut at random byte offsets.

Run from the repository root::

    .venv/bin/python bench/bench_soak.py               # 1,000,000 events, 500 cuts (~1-2 min)
    .venv/bin/python bench/bench_soak.py --quick       # 20,000 events, 20 cuts (seconds)
    .venv/bin/python bench/bench_soak.py --events N --cuts K [--seed S] [--no-baseline]

Not collected by pytest. The CLI (``bctrl-tail RUN -o jsonl``) runs as a subprocess writing to
a pipe that this script consumes; every output line is checked byte for byte against the
expected event, and ids are compared with the expected sequence: lost, duplicated, corrupted
(truncated or altered) and out-of-order lines are counted, and must all be 0. It also reports
the reconnects, wall time, and the CLI's peak RSS (VmHWM) after 100,000 events and at the end,
to show that memory does not grow with the stream. A baseline run of the same stream without
cuts, measured in the same invocation, gives ratios (these machines are shared and noisy).

The server is purpose-built here, not ``bctrl_tail.simulator``: the simulator keeps every event
and frame in memory (~1 GB for a million) and recounts the byte offset of the resume point over
all earlier frames on every reconnect (~1 s each at this size). This one serves the same wire
format (``event: run.event``, ``id:``, compact JSON ``data:``, ``retry:``, a final
``run.ended``; resume from ``cursor`` or ``Last-Event-ID``) from frames built lazily, each of
the same length, so the offset of event ``i`` is ``i * FRAME_LEN``. Cuts are half FIN (the
server closes: "the server closed the stream") and half RST ("connection reset by peer").
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

RUN_ID = "run_soak"
# Fixed-width fields, so every frame has the same length; ~200 bytes of JSON with multi-byte
# text, so that cuts land inside UTF-8 characters too.
PAYLOAD = (
    '{"id":"e%07d","runId":"run_soak","type":"console.message","category":"console",'
    '"time":"2026-06-25T12:00:00.000Z","seq":"%07d","status":"ok",'
    '"message":"soak ☃ naïve café 日本語 #%07d"}'
).encode()
FRAME = b"event: run.event\nid: e%07d\ndata: " + PAYLOAD + b"\n\n"
FRAME_LEN = len(FRAME % (0, 0, 0, 0))
PAYLOAD_LEN = len(PAYLOAD % (0, 0, 0))
BATCH = 256  # events per socket write
END = b'event: run.ended\ndata: {"runId":"run_soak","status":"completed","failure":null}\n\n'
RETRY_MS = 1


def payload(i: int) -> bytes:
    return PAYLOAD % (i, i, i)


def frames(start: int, stop: int) -> bytes:
    return b"".join([FRAME % (i, i, i, i) for i in range(start, stop)])


@dataclass
class Stream:
    """What the server knows across connections: the event count and the unused cuts."""

    events: int
    cuts: list[int]  # sorted byte offsets into the events' frames
    connections: int = 0
    cuts_made: int = 0
    frames_sent: int = 0  # whole event frames written, re-sent ones included
    lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0

    def take_cut(self, position: int) -> int | None:
        """The next unused cut at or after `position`; cuts behind it can no longer apply."""
        with self.lock:
            while self._next < len(self.cuts) and self.cuts[self._next] < position:
                self._next += 1
            return self.cuts[self._next] if self._next < len(self.cuts) else None

    def use_cut(self) -> int:
        with self.lock:
            self._next += 1
            self.cuts_made += 1
            return self.cuts_made


class Handler(socketserver.StreamRequestHandler):
    server: Server

    def handle(self) -> None:
        stream = self.server.stream
        request_line = self.rfile.readline(65537).decode("latin-1")
        headers: dict[str, str] = {}
        while True:
            line = self.rfile.readline(65537).decode("latin-1").strip()
            if not line:
                break
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        parts = urlsplit(request_line.split(" ")[1] if " " in request_line else "/")
        if unquote(parts.path) != f"/v2/runs/{RUN_ID}/events/stream":
            body = b'{"error":"run not found","code":"run.not_found"}'
            self.wfile.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            return
        with stream.lock:
            stream.connections += 1
        cursor = (parse_qs(parts.query).get("cursor") or [headers.get("last-event-id", "")])[-1]
        start = int(cursor[1:]) + 1 if cursor else 0
        sock = self.connection
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\n\r\nretry: %d\n\n" % RETRY_MS
        )
        position = start * FRAME_LEN
        cut = stream.take_cut(position)
        try:
            for first in range(start, stream.events, BATCH):
                data = frames(first, min(first + BATCH, stream.events))
                if cut is not None and cut < position + len(data):
                    sock.sendall(data[: cut - position])
                    self._count((cut - position) // FRAME_LEN)
                    self._abort(rst=stream.use_cut() % 2 == 0)
                    return
                sock.sendall(data)
                self._count(len(data) // FRAME_LEN)
                position += len(data)
            if cut is not None and cut < position + len(END):
                sock.sendall(END[: cut - position])
                self._abort(rst=stream.use_cut() % 2 == 0)
                return
            sock.sendall(END)
        except OSError:
            return  # the client went away

    def _count(self, frames: int) -> None:
        with self.server.stream.lock:
            self.server.stream.frames_sent += frames

    def _abort(self, *, rst: bool) -> None:
        sock = self.connection
        if rst:  # SO_LINGER 0: close sends RST and discards what was not sent yet
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_RDWR)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        super().__init__(("127.0.0.1", 0), Handler)


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("bctrl-tail")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bctrl_tail"]


def vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set size so far of a live process, in KiB (None once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


@dataclass
class Result:
    events: int
    cuts: int
    exit_code: int = -1
    lines: int = 0
    lost: int = 0
    duplicated: int = 0
    corrupted: int = 0
    out_of_order: int = 0
    connections: int = 0
    cuts_made: int = 0
    frames_sent: int = 0
    reconnects_reported: int = 0
    wall: float = 0.0
    hwm_100k: int | None = None  # KiB, at the 100,000th line
    hwm_last: int | None = None  # KiB, at the last line read while the CLI was alive
    maxrss: int = 0  # KiB, ru_maxrss from wait4: the peak of the whole run
    samples: list[tuple[int, int]] = field(default_factory=list)  # (lines, VmHWM KiB)
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        bad = self.lost + self.duplicated + self.corrupted + self.out_of_order
        return self.exit_code == 0 and bad == 0 and self.lines == self.events


def soak(events: int, cuts: int, seed: int) -> Result:
    rng = random.Random(seed)
    total = events * FRAME_LEN + len(END)
    offsets = sorted(rng.sample(range(1, total), cuts)) if cuts else []
    stream = Stream(events, offsets)
    server = Server(stream)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BCTRL_")}
    env["BCTRL_API_KEY"] = "bench_key_not_secret"
    result = Result(events, cuts)
    stderr_lines: list[str] = []

    started = time.perf_counter()
    proc = subprocess.Popen(
        [*cli_command(), RUN_ID, "--base-url", base, "-o", "jsonl", "--max-retries", "20"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        bufsize=1 << 20,
    )
    assert proc.stdout is not None and proc.stderr is not None
    err = proc.stderr
    reader = threading.Thread(target=lambda: stderr_lines.extend(line.decode() for line in err))
    reader.start()

    seen = bytearray(events)
    expected_next = 0
    every = max(events // 10, 1)
    for line in proc.stdout:
        result.lines += 1
        n = result.lines
        index = -1
        if len(line) == PAYLOAD_LEN + 1 and line[:8] == b'{"id":"e':
            try:
                index = int(line[8:15])
            except ValueError:
                index = -1
        if 0 <= index < events and line[:-1] == payload(index) and line[-1:] == b"\n":
            if seen[index]:
                result.duplicated += 1
            else:
                seen[index] = 1
            if index != expected_next:
                result.out_of_order += 1
            expected_next = index + 1
        else:
            result.corrupted += 1
        if n == 100_000 or n % every == 0:
            hwm = vm_hwm_kib(proc.pid)
            if hwm is not None:
                result.samples.append((n, hwm))
                result.hwm_last = hwm
                if n == 100_000:
                    result.hwm_100k = hwm
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
    proc.returncode = result.exit_code = os.waitstatus_to_exitcode(status)
    result.wall = time.perf_counter() - started
    reader.join()
    server.shutdown()
    server.server_close()
    result.maxrss = usage.ru_maxrss  # KiB on Linux: the peak of the whole run
    result.lost = events - sum(seen)
    result.connections = stream.connections
    result.cuts_made = stream.cuts_made
    result.frames_sent = stream.frames_sent
    result.reconnects_reported = sum("reconnecting in" in line for line in stderr_lines)
    result.stderr_tail = "".join(stderr_lines[-3:])
    return result


def mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def report(results: list[tuple[str, Result]]) -> None:
    rows: list[tuple[str, ...]] = [
        ("events", *(f"{r.events:,}" for _, r in results)),
        ("cuts (server)", *(f"{r.cuts_made}/{r.cuts}" for _, r in results)),
        ("connections", *(f"{r.connections}" for _, r in results)),
        ("reconnects (CLI stderr)", *(f"{r.reconnects_reported}" for _, r in results)),
        ("frames sent (re-sent incl.)", *(f"{r.frames_sent:,}" for _, r in results)),
        ("lines read", *(f"{r.lines:,}" for _, r in results)),
        ("lost", *(f"{r.lost}" for _, r in results)),
        ("duplicated", *(f"{r.duplicated}" for _, r in results)),
        ("corrupted/truncated", *(f"{r.corrupted}" for _, r in results)),
        ("out of order", *(f"{r.out_of_order}" for _, r in results)),
        ("exit code", *(f"{r.exit_code}" for _, r in results)),
        ("wall time", *(f"{r.wall:.1f} s" for _, r in results)),
        ("events/s", *(f"{r.events / r.wall:,.0f}" for _, r in results)),
        ("peak RSS at 100k events", *(mib(r.hwm_100k) for _, r in results)),
        ("peak RSS at last sample", *(mib(r.hwm_last) for _, r in results)),
        ("peak RSS (wait4, whole run)", *(mib(r.maxrss) for _, r in results)),
    ]
    headers = ("", *(name for name, _ in results))
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))))  # fmt: skip
    cut = results[-1][1]
    if cut.samples:
        curve = ", ".join(f"{n // 1000}k: {kib / 1024:.1f}" for n, kib in cut.samples)
        print(f"\nVmHWM (MiB) by lines read, cut run: {curve}")
    if len(results) == 2:
        base = results[0][1]
        print(f"cut/uncut: wall time x{cut.wall / base.wall:.2f}, "
              f"peak RSS x{cut.maxrss / max(base.maxrss, 1):.2f}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--cuts", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20260625)
    parser.add_argument("--quick", action="store_true", help="20,000 events, 20 cuts")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the uncut run used for the ratios"
    )
    args = parser.parse_args()
    events, cuts = (20_000, 20) if args.quick else (args.events, args.cuts)
    print(f"frame: {FRAME_LEN} bytes (data {PAYLOAD_LEN}); stream: "
          f"{events * FRAME_LEN / 1e6:.0f} MB; python {sys.version.split()[0]}")  # fmt: skip
    runs: list[tuple[str, Result]] = []
    if not args.no_baseline:
        runs.append(("uncut", soak(events, 0, args.seed)))
    runs.append((f"{cuts} cuts", soak(events, cuts, args.seed)))
    print()
    report(runs)
    bad = [(name, r) for name, r in runs if not r.ok]
    for name, r in bad:
        print(f"\nFAILED ({name}); the CLI's last stderr lines:\n{r.stderr_tail}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
