"""Shared helpers for the benchmarks: the loopback frame server, event frames, process
measurement, statistics, machine facts and the figure records that ``run_all.py`` tabulates.

Everything here is standard library only, so a bench runs with whatever interpreter has
bctrl-tail installed; the optional baselines (bctrl's SDK, pyinstrument) are probed by the
benches that need them.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RUN_ID = "run_bench"
KEY = "bctrl_bench_key_0123456789abcdef"
END_FRAME = b'event: run.ended\ndata: {"runId":"run_bench","status":"completed"}\n\n'


# -- what ran where ------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """The facts BENCHMARKS.md records next to every figure."""
    return {
        "nproc": str(os.cpu_count() or "?"),
        "cpu": cpu_model(),
        "python": f"{platform.python_version()} ({sys.executable})",
        "os": f"{platform.system()} {platform.release()}",
    }


def cli_command() -> list[str]:
    """bctrl-tail as installed beside this interpreter, else on PATH, else as a module."""
    script = Path(sys.executable).with_name("bctrl-tail")
    if script.exists():
        return [str(script)]
    found = shutil.which("bctrl-tail")
    return [found] if found else [sys.executable, "-m", "bctrl_tail"]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for measured commands: no user BCTRL_* or colour settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BCTRL_")}
    for name in ("NO_COLOR", "FORCE_COLOR", "PYTHONUNBUFFERED", "PYTHONPROFILEIMPORTTIME"):
        env.pop(name, None)
    env["BCTRL_API_KEY"] = KEY
    env.update(extra or {})
    return env


def tail_command(base_url: str, *args: str) -> list[str]:
    return [*cli_command(), RUN_ID, "--base-url", base_url, "-q", *args]


def stream_url(base_url: str) -> str:
    return f"{base_url}/v2/runs/{RUN_ID}/events/stream"


# -- event frames ----------------------------------------------------------------------------------


def event_object(seq: int) -> dict[str, Any]:
    """A run event like a real network.response, about 350 bytes of compact JSON."""
    return {
        "id": f"evt_{seq:010d}",
        "seq": seq,
        "type": "network.response",
        "category": "network",
        "time": "2026-11-28T16:45:00.123Z",
        "runId": "run_8f14e45fceea167a5a36dedd4bea2543",
        "data": {
            "method": "GET",
            "status": 200,
            "url": f"https://example.com/api/v1/items/{seq:010d}?page=3&sort=desc",
            "mimeType": "application/json",
            "durationMs": 12.5,
            "fromCache": False,
            "requestId": f"req_{seq:010d}",
        },
    }


def event_frame(seq: int, **extra: Any) -> bytes:
    """One SSE block for event ``seq`` (extra fields, such as a send timestamp, merged in)."""
    obj = {**event_object(seq), **extra}
    data = json.dumps(obj, separators=(",", ":"))
    return f"event: run.event\nid: {obj['id']}\ndata: {data}\n\n".encode()


def _frame_template() -> bytes:
    """``event_frame`` as a %-template over the sequence number: 10x faster to fill in."""
    marker = 7_777_777_777
    frame = event_frame(marker).replace(b"%", b"%%")
    frame = frame.replace(b'"seq":%d' % marker, b'"seq":%(s)d')
    return frame.replace(b"%d" % marker, b"%(s)010d")


_TEMPLATE = _frame_template()


def fast_frame(seq: int) -> bytes:
    return _TEMPLATE % {b"s": seq}


def chunk(data: bytes) -> bytes:
    """``data`` as one HTTP/1.1 chunk."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def body_blocks(count: int, *, chunked: bool, block_events: int = 512) -> Iterator[bytes]:
    """The whole response body: ``count`` events then ``run.ended``, in blocks of writes.

    Chunked bodies carry one chunk per event, as a server that flushes every event sends them.
    """
    wrap = chunk if chunked else (lambda data: data)
    for start in range(0, count, block_events):
        stop = min(count, start + block_events)
        yield b"".join([wrap(fast_frame(seq)) for seq in range(start, stop)])
    yield wrap(END_FRAME) + (b"0\r\n\r\n" if chunked else b"")


def response_head(*, chunked: bool) -> bytes:
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Connection: close\r\n"
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        + framing
        + b"\r\n"
    )


def read_request(conn: socket.socket, timeout: float = 10.0) -> bytes:
    """The request head (up to the blank line); any path is served the same stream."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            break
        data += piece
    conn.settimeout(None)
    return data


def listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def base_url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass
class Served:
    """One response the server gave: when its request arrived and when its body was out."""

    request_at: float
    sent_at: float = math.nan
    error: str = ""


class FrameServer:
    """A raw-socket HTTP server on 127.0.0.1 that writes a pre-built body as fast as it can.

    Every connection gets the same response (whatever the path and headers), from
    ``body()``: an iterable of byte blocks, written with ``sendall``. No parsing, no pacing,
    no per-frame Python work beyond the write itself, so the client is the bottleneck.
    """

    def __init__(self, body: Callable[[], Iterable[bytes]], *, chunked: bool = True) -> None:
        self._body = body
        self._chunked = chunked
        self._sock = listen()
        self.base_url = base_url_of(self._sock)
        self.served: list[Served] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                read_request(conn)
                record = Served(time.perf_counter())
                with self._lock:
                    self.served.append(record)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.sendall(response_head(chunked=self._chunked))
                for block in self._body():
                    conn.sendall(block)
                record.sent_at = time.perf_counter()
                conn.shutdown(socket.SHUT_WR)
            except OSError as exc:
                if self.served:
                    self.served[-1].error = str(exc)

    def last(self) -> Served:
        with self._lock:
            return self.served[-1]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> FrameServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- running commands ------------------------------------------------------------------------------


@dataclass
class Measured:
    code: int
    wall: float  # seconds from spawn to exit
    ended_at: float  # time.perf_counter() when the exit was seen
    maxrss_mb: float = math.nan  # peak resident set size of the command (rss=True)


# ru_maxrss counts the pages a child had before exec too, and a child forked from this (large)
# bench process starts with all of them. So RSS is measured through this small launcher: its
# own child's pre-exec image is the launcher's ~10 MB, below anything measured here.
_RSS_LAUNCHER = """
import os, sys
out, cmd = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def measure(
    cmd: Sequence[str],
    *,
    stdin: int | IO[Any] | None = subprocess.DEVNULL,
    stdout: int | IO[Any] | None = subprocess.DEVNULL,
    stderr: int | IO[Any] | None = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
    timeout: float = 300.0,
    rss: bool = False,
) -> Measured:
    """Run ``cmd`` to its end (killed after ``timeout``); wall time, and peak RSS if asked."""
    rss_file = None
    argv = list(cmd)
    if rss:
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        argv = [sys.executable, "-I", "-S", "-c", _RSS_LAUNCHER, rss_file, *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=stdout,
        stderr=stderr,
        stdin=stdin,
        env=env,
        start_new_session=True,
    )
    # Popen.wait(timeout) polls with sleeps of up to 50 ms; a blocking wait and a timer don't.
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        kill_group(proc)

    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        proc.wait()
    finally:
        timer.cancel()
    ended = time.perf_counter()
    if expired.is_set():
        raise subprocess.TimeoutExpired(argv, timeout)
    result = Measured(proc.returncode, ended - start, ended)
    if rss_file is not None:
        text = Path(rss_file).read_text().strip()
        os.unlink(rss_file)
        result.maxrss_mb = int(text) / 1024 if text else math.nan
    return result


@dataclass
class OnPty:
    """What a command run at a pseudo-terminal wrote: how much, and its first bytes."""

    measured: Measured
    written: int
    head: bytes


def measure_on_pty(
    cmd: Sequence[str],
    *,
    stdin_too: bool = False,
    rss: bool = False,
    rows: int = 40,
    cols: int = 120,
    timeout: float = 600.0,
) -> OnPty:
    """``measure`` with stdout (and, with ``stdin_too``, stdin) a ``rows`` x ``cols`` pty whose
    master side is read and thrown away as fast as it comes, like a fast terminal."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    written = [0]
    head = bytearray()

    def drain() -> None:
        with contextlib.suppress(OSError):  # EIO once the last slave fd is closed
            while chunk := os.read(master, 65536):
                written[0] += len(chunk)
                if len(head) < 4096:
                    head.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = child_env({"TERM": "xterm-256color"})
    for name in ("COLUMNS", "LINES"):  # rich and Textual would prefer these to the pty's size
        env.pop(name, None)
    stdin = slave if stdin_too else subprocess.DEVNULL
    try:
        result = measure(cmd, stdin=stdin, stdout=slave, env=env, rss=rss, timeout=timeout)
    finally:
        os.close(slave)
        reader.join(5)
        os.close(master)
    return OnPty(result, written[0], bytes(head))


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill a command started with ``start_new_session`` and everything it started."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


def have_command(name: str) -> bool:
    return shutil.which(name) is not None


# -- statistics ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), q in [0, 100]."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


# -- figures -------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One line of the summary table: a figure, its same-run baseline, the ratio, the target."""

    bench: str
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float = math.nan
    target: str = ""
    met: bool | None = None
    runs: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        if not self.baseline or math.isnan(self.baseline) or math.isnan(self.value):
            return math.nan
        return self.value / self.baseline


def fmt(value: float, unit: str = "") -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if unit == "ev/s":
        return f"{value:,.0f} ev/s"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def met_text(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[met]


def table_rows(figures: Sequence[Figure]) -> list[list[str]]:
    rows = [["figure", "bctrl-tail", "baseline", "ratio", "target", "met?"]]
    for f in figures:
        base = f"{fmt(f.baseline, f.unit)} ({f.baseline_name})" if f.baseline_name else "-"
        ratio = "n/a" if math.isnan(f.ratio) else f"{f.ratio:.2f}x"
        rows.append([f.name, fmt(f.value, f.unit), base, ratio, f.target or "-", met_text(f.met)])
    return rows


def text_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows[1:]]
    return "\n".join(out)


def write_figures(path: str | None, figures: Sequence[Figure]) -> None:
    """Hand the figures to run_all.py (``--json PATH``)."""
    if path:
        Path(path).write_text(json.dumps([asdict(f) for f in figures], indent=1, default=str))


def read_figures(path: Path) -> list[Figure]:
    return [Figure(**item) for item in json.loads(path.read_text())]


def print_figures(figures: Sequence[Figure]) -> None:
    print()
    print(text_table(table_rows(figures)))
    sys.stdout.flush()


def bench_args(description: str) -> Any:
    """The options every bench of this suite takes."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here (run_all)")
    return parser
