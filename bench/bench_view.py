"""The viewer: a flood of events in ``-o view`` against ``-o jsonl`` to /dev/null, and its memory.

    python bench/bench_view.py [--quick] [--events N] [--keep N] [--runs R]

A raw-socket server (bench/common.py) streams ~350-byte events, one HTTP chunk each, as fast
as the client takes them. ``-o view`` runs on a pseudo-terminal (120x40; stdin and stdout both
the pty, as at a terminal) whose output this process reads and discards; ``-n N`` closes it
after the last event, as a person pressing ``q`` would. ``-o jsonl`` writes to /dev/null.
Commands are interleaved; figures are medians over the runs.

Targets: the flood in view mode within 1.5x the time of jsonl (the screen never slows the
tail); peak RSS with 100,000 events kept at most 150 MB.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import struct
import sys
import termios
import threading
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Figure,
    FrameServer,
    Measured,
    bench_args,
    body_blocks,
    child_env,
    measure,
    median,
    print_figures,
    tail_command,
    write_figures,
)

FLOOD_RATIO = 1.5
MEMORY_MB = 150.0
ALT_SCREEN = b"\x1b[?1049h"


def run_jsonl(base_url: str, *, rss: bool = False) -> Measured:
    return measure(tail_command(base_url, "-o", "jsonl"), env=child_env(), rss=rss, timeout=600)


def run_view(base_url: str, events: int, *, rss: bool = False) -> Measured:
    """``-o view -n events`` at a pty; the screen output is read and thrown away."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = bytearray()

    def drain() -> None:
        with contextlib.suppress(OSError):  # EIO once the last slave fd is closed
            while chunk := os.read(master, 65536):
                if len(seen) < 4096:
                    seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = child_env({"TERM": "xterm-256color"})
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    cmd = tail_command(base_url, "-o", "view", "-n", str(events))
    try:
        result = measure(cmd, stdin=slave, stdout=slave, env=env, rss=rss, timeout=600)
    finally:
        os.close(slave)
        reader.join(5)
        os.close(master)
    if ALT_SCREEN not in seen:
        result.code = result.code or 1  # the viewer never came up: not a measurement of it
    return result


def main() -> int:
    parser = bench_args(__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, help="events in the flood (default 200,000)")
    parser.add_argument("--keep", type=int, help="events for the memory figure (default 100,000)")
    parser.add_argument("--runs", type=int, help="runs per command (default 3)")
    args = parser.parse_args()
    flood = args.events or (5_000 if args.quick else 200_000)
    keep = args.keep or (5_000 if args.quick else 100_000)
    runs = args.runs or (1 if args.quick else 3)
    print(f"view: a flood of {flood:,} events, {runs} run(s) of each command, interleaved")
    ok = True
    times: dict[str, list[float]] = {"jsonl": [], "view": []}
    with FrameServer(partial(body_blocks, flood, chunked=True), chunked=True) as server:
        for run in range(runs):
            for mode in ("jsonl", "view"):
                if mode == "jsonl":
                    result = run_jsonl(server.base_url)
                else:
                    result = run_view(server.base_url, flood)
                ok &= result.code == 0
                times[mode].append(result.wall)
                print(f"  run {run + 1} {mode:5} {result.wall:6.2f} s  (exit {result.code})")
    view_s, jsonl_s = median(times["view"]), median(times["jsonl"])
    print(f"  flood: view {view_s:.2f} s / jsonl {jsonl_s:.2f} s = {view_s / jsonl_s:.2f}x")
    print(f"view: peak RSS with {keep:,} events kept")
    peaks: dict[str, list[float]] = {"jsonl": [], "view": []}
    with FrameServer(partial(body_blocks, keep, chunked=True), chunked=True) as server:
        for run in range(max(1, runs - 1)):
            for mode in ("jsonl", "view"):
                if mode == "jsonl":
                    result = run_jsonl(server.base_url, rss=True)
                else:
                    result = run_view(server.base_url, keep, rss=True)
                ok &= result.code == 0
                peaks[mode].append(result.maxrss_mb)
                print(f"  run {run + 1} {mode:5} peak {result.maxrss_mb:6.1f} MB")
    view_mb, jsonl_mb = median(peaks["view"]), median(peaks["jsonl"])
    figures = [
        Figure(
            bench="view",
            name=f"flood, view in a pty, {flood:,} events",
            value=view_s,
            unit="s",
            baseline_name="jsonl to /dev/null",
            baseline=jsonl_s,
            target=f"<= {FLOOD_RATIO:g}x jsonl",
            met=view_s <= FLOOD_RATIO * jsonl_s,
            runs=f"{runs} each",
            note="wall time from spawn to exit, interpreter start-up included",
        ),
        Figure(
            bench="view",
            name=f"peak RSS, view, {keep:,} events kept",
            value=view_mb,
            unit="MB",
            baseline_name="jsonl, same stream",
            baseline=jsonl_mb,
            target=f"<= {MEMORY_MB:g} MB",
            met=view_mb <= MEMORY_MB,
            runs=f"{len(peaks['view'])} each",
        ),
    ]
    print_figures(figures)
    write_figures(args.json, figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
