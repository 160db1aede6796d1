"""Benchmark: the live table under a flood costs no more than 1.5x JSON lines to /dev/null.

Run from the repository root: ``python bench/bench_table.py`` (200,000 events, 5 runs of each
mode, about 40 s) or ``--quick`` for a smoke run (20,000 events, 3 runs). Not collected by
pytest.

Both modes run the installed CLI (``bctrl-tail``) as a subprocess against the same loopback
server, which sends one pre-built body of ``--events`` run events and a ``run.ended`` frame as
fast as the socket takes it (``--source simulator`` serves the same events from the real
simulator instead, with ``interval`` 0):

- ``jsonl``: ``-o jsonl`` with stdout on /dev/null;
- ``table``: ``-o table`` with stdout on a pseudo-terminal (``--rows`` x ``--cols``), whose
  master side a thread reads and discards (counting the bytes and redraws).

Runs are interleaved (jsonl, table, jsonl, table, ...) so that both modes see the same machine
state; the medians are compared. Every run must exit 0 having handled every event (the table's
final screen says ``N events shown``; the jsonl run reports the end of the run on stderr).
Exit status: 0 when median(table) <= ``--max-ratio`` x median(jsonl), else 1.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import pty
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bctrl_tail import __version__  # noqa: E402
from bctrl_tail.simulator import Run, Simulator  # noqa: E402

RUN_ID = "run_bench"
KEY = "bctrl_bench_key_0123456789"
REDRAW = b"\r\x1b[2K"  # how rich's live display starts every frame after the first
TYPES = (
    ("network.request", "started"),
    ("network.response", "received"),
    ("console.message", ""),
    ("connection.command.sent", "started"),
    ("connection.command.completed", "finished"),
    ("tool.call", "finished"),
    ("navigation", "started"),
    ("page.load", "finished"),
    ("network.failed", "failed"),
    ("download", "finished"),
)


def make_events(n: int) -> list[dict[str, Any]]:
    """``n`` varied events of about 400 bytes each, like a busy browser run's."""
    events = []
    for i in range(n):
        event_type, status = TYPES[i % len(TYPES)]
        events.append(
            {
                "id": f"evt_{i:07d}",
                "runId": RUN_ID,
                "type": event_type,
                "time": f"2026-06-25T12:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z",
                "status": status,
                "seq": i,
                "pageId": "page_7f3a91",
                "message": f"GET https://shop.example.com/api/items/{i}?page={i % 97}",
                "data": {
                    "method": "GET",
                    "url": f"https://shop.example.com/api/items/{i}?page={i % 97}",
                    "requestId": f"net_{i:07d}",
                    "status": 200,
                    "durationMs": i % 900,
                },
            }
        )
    return events


def sse_body(events: list[dict[str, Any]]) -> bytes:
    parts = []
    for event in events:
        data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        parts.append(f"event: run.event\nid: {event['id']}\ndata: {data}\n\n")
    end = {"runId": RUN_ID, "status": "completed", "finishedAt": "2026-06-25T13:00:00Z"}
    parts.append(f"event: run.ended\ndata: {json.dumps(end)}\n\n")
    return "".join(parts).encode("utf-8")


class FastServer:
    """A loopback HTTP server that answers every request with the same pre-built SSE body
    (close-delimited), so that the measured time is the client's, not the server's."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> FastServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            head = (
                "HTTP/1.1 200 OK\r\n"
                "Content-Type: text/event-stream; charset=utf-8\r\n"
                "Cache-Control: no-cache\r\n"
                "Connection: close\r\n\r\n"
            )
            try:
                conn.sendall(head.encode() + self._body)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                return


class SimulatorSource:
    """The real simulator, in-process, serving the same events with no pacing."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self._sim = Simulator()
        self._sim.add_run(Run(RUN_ID, events, interval=0.0))

    def __enter__(self) -> SimulatorSource:
        self._sim.start()
        self.base_url = self._sim.base_url
        return self

    def __exit__(self, *exc: object) -> None:
        self._sim.stop()


def cli() -> list[str]:
    script = Path(sys.executable).with_name("bctrl-tail")
    if script.exists():
        return [str(script)]
    found = shutil.which("bctrl-tail")
    return [found] if found else [sys.executable, "-m", "bctrl_tail"]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BCTRL_")}
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    env.update(BCTRL_API_KEY=KEY, TERM="xterm-256color")
    return env


@dataclass
class Sample:
    seconds: float
    out_bytes: int = 0
    redraws: int = 0


def run_jsonl(base_url: str, n: int) -> Sample:
    with open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        proc = subprocess.run(
            [*cli(), RUN_ID, "--base-url", base_url, "-o", "jsonl"],
            stdin=subprocess.DEVNULL,
            stdout=devnull,
            stderr=subprocess.PIPE,
            env=child_env(),
            timeout=600,
            check=False,
        )
        seconds = time.perf_counter() - start
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 or f"run {RUN_ID} ended: completed" not in stderr:
        raise SystemExit(f"jsonl run failed (exit {proc.returncode}): {stderr.strip()}")
    return Sample(seconds)


def run_table(base_url: str, n: int, rows: int, cols: int) -> Sample:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    screen = bytearray()
    total = redraws = 0

    def drain() -> None:
        nonlocal total, redraws
        carry = b""
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: every writer closed the pty
                return
            if not chunk:
                return
            total += len(chunk)
            redraws += (carry + chunk).count(REDRAW)
            carry = chunk[-(len(REDRAW) - 1) :]
            screen.extend(chunk)
            if len(screen) > 1 << 20:  # keep only the tail: the final frame is in it
                del screen[: len(screen) - (1 << 18)]

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        start = time.perf_counter()
        proc = subprocess.run(
            [*cli(), RUN_ID, "--base-url", base_url, "-o", "table"],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=subprocess.PIPE,
            env=child_env(),
            timeout=600,
            check=False,
        )
        seconds = time.perf_counter() - start
    finally:
        os.close(slave)
        reader.join(10)
        os.close(master)
    tail = screen.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    final = tail.rsplit("\x1b[2K", 1)[-1]
    if proc.returncode != 0 or not re.search(rf"ended: completed\S*  \S*{n} events shown", final):
        raise SystemExit(f"table run failed (exit {proc.returncode}): {stderr.strip()}")
    return Sample(seconds, total, redraws + 1)  # the first frame is not a redraw


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="default to 20,000 events, 3 runs")
    parser.add_argument("--events", type=int, help="run events in the flood (default 200,000)")
    parser.add_argument("--runs", type=int, help="runs of each mode, median taken (default 5)")
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--cols", type=int, default=160)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument("--source", choices=("fast", "simulator"), default="fast")
    args = parser.parse_args()
    if args.events is None:
        args.events = 20_000 if args.quick else 200_000
    if args.runs is None:
        args.runs = 3 if args.quick else 5

    events = make_events(args.events)
    body = sse_body(events)
    print(
        f"bctrl-tail {__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{args.events:,} events ({len(body) / 1e6:.1f} MB of SSE) from the "
        f"{'pre-built loopback server' if args.source == 'fast' else 'simulator'}; "
        f"table on a {args.cols}x{args.rows} pty; {args.runs} interleaved runs of each mode"
    )
    source = FastServer(body) if args.source == "fast" else SimulatorSource(events)
    jsonl: list[Sample] = []
    table: list[Sample] = []
    with source:
        for i in range(args.runs):
            jsonl.append(run_jsonl(source.base_url, args.events))
            table.append(run_table(source.base_url, args.events, args.rows, args.cols))
            last = table[-1]
            print(
                f"  run {i + 1}: jsonl {jsonl[-1].seconds:6.2f} s   table {last.seconds:6.2f} s"
                f"   ({last.redraws} frames, {last.out_bytes / 1e3:.0f} kB to the pty)"
            )
    j = statistics.median(s.seconds for s in jsonl)
    t = statistics.median(s.seconds for s in table)
    ratio = t / j
    print(f"median jsonl: {j:.2f} s ({args.events / j:,.0f} events/s)")
    print(f"median table: {t:.2f} s ({args.events / t:,.0f} events/s)")
    verdict = "PASS" if ratio <= args.max_ratio else "FAIL"
    print(f"ratio table/jsonl: {ratio:.2f} (limit {args.max_ratio:g}): {verdict}")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
