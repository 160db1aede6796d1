"""Memory: peak RSS of bctrl-tail over 100,000 and 1,000,000 events, jsonl and table output.

    python bench/bench_memory.py [--quick] [--small N] [--large N] [--runs R]

A raw-socket server (bench/common.py) streams ~350-byte events, one HTTP chunk each, as fast
as the client takes them. ``-o jsonl`` writes to /dev/null; ``-o table`` writes to a
pseudo-terminal (120x40) whose master side this process reads and discards. Peak RSS is the
child's ``ru_maxrss``, taken through a small launcher process (see ``common.measure``).
Sizes and modes are interleaved; figures are medians over the runs.

Targets: at most 60 MB, and the peak at the large size no more than 5 MB above the peak at the
small size (memory must not grow with the length of the stream).
"""

from __future__ import annotations

import sys
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
    measure_on_pty,
    median,
    print_figures,
    tail_command,
    write_figures,
)

LIMIT_MB = 60.0
GROWTH_MB = 5.0
MODES = ("jsonl", "table")


def run_jsonl(base_url: str) -> Measured:
    return measure(tail_command(base_url, "-o", "jsonl"), env=child_env(), rss=True, timeout=600)


def run_table(base_url: str) -> Measured:
    """``-o table`` with stdout a pty; the screen output is read and thrown away."""
    ran = measure_on_pty(tail_command(base_url, "-o", "table"), rss=True)
    if ran.written == 0:
        ran.measured.code = ran.measured.code or 1  # a table that drew nothing is a failure
    return ran.measured


def main() -> int:
    parser = bench_args(__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, help="the small stream (default 100,000)")
    parser.add_argument("--large", type=int, help="the large stream (default 1,000,000)")
    parser.add_argument("--runs", type=int, help="runs per mode and size (default 2)")
    args = parser.parse_args()
    small = args.small or (2_000 if args.quick else 100_000)
    large = args.large or (20_000 if args.quick else 1_000_000)
    runs = args.runs or (1 if args.quick else 2)
    print(f"memory: peak RSS at {small:,} and {large:,} events, {runs} run(s) each, interleaved")
    peaks: dict[tuple[str, int], list[float]] = {}
    ok = True
    servers = {
        n: FrameServer(partial(body_blocks, n, chunked=True), chunked=True) for n in (small, large)
    }
    try:
        for run in range(runs):
            for size in (small, large):
                for mode in MODES:
                    url = servers[size].base_url
                    result = run_jsonl(url) if mode == "jsonl" else run_table(url)
                    ok &= result.code == 0
                    peaks.setdefault((mode, size), []).append(result.maxrss_mb)
                    print(
                        f"  run {run + 1} {mode:5} {size:>9,} events  peak {result.maxrss_mb:6.1f}"
                        f" MB  ({result.wall:.1f} s, exit {result.code})"
                    )
    finally:
        for server in servers.values():
            server.close()
    figures = []
    for mode in MODES:
        value = median(peaks[(mode, large)])
        base = median(peaks[(mode, small)])
        figures.append(
            Figure(
                bench="memory",
                name=f"peak RSS, {mode}, {large:,} events",
                value=value,
                unit="MB",
                baseline_name=f"same at {small:,}",
                baseline=base,
                target=f"<= {LIMIT_MB:g} MB and <= small + {GROWTH_MB:g} MB",
                met=value <= LIMIT_MB and value - base <= GROWTH_MB,
                runs=f"{runs} per size",
                note=f"{value - base:+.1f} MB over {small:,}",
            )
        )
    print_figures(figures)
    write_figures(args.json, figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
