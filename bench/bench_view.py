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

FLOOD_RATIO = 1.5
MEMORY_MB = 150.0
ALT_SCREEN = b"\x1b[?1049h"


def run_jsonl(base_url: str, *, rss: bool = False) -> Measured:
    return measure(tail_command(base_url, "-o", "jsonl"), env=child_env(), rss=rss, timeout=600)


def run_view(base_url: str, events: int, *, rss: bool = False) -> Measured:
    """``-o view -n events`` with stdin and stdout a pty; the screen output is thrown away."""
    cmd = tail_command(base_url, "-o", "view", "-n", str(events))
    ran = measure_on_pty(cmd, stdin_too=True, rss=rss)
    if ALT_SCREEN not in ran.head:
        ran.measured.code = ran.measured.code or 1  # the viewer never came up
    return ran.measured


def interleaved(events: int, runs: int, *, rss: bool) -> dict[str, list[Measured]]:
    """jsonl, view, jsonl, view… over one stream of ``events``, each printed as it ends."""
    out: dict[str, list[Measured]] = {"jsonl": [], "view": []}
    with FrameServer(partial(body_blocks, events, chunked=True), chunked=True) as server:
        for run in range(runs):
            for mode in out:
                if mode == "jsonl":
                    result = run_jsonl(server.base_url, rss=rss)
                else:
                    result = run_view(server.base_url, events, rss=rss)
                out[mode].append(result)
                figure = f"peak {result.maxrss_mb:6.1f} MB" if rss else f"{result.wall:6.2f} s"
                print(f"  run {run + 1} {mode:5} {figure}  (exit {result.code})")
    return out


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
    flooded = interleaved(flood, runs, rss=False)
    times = {mode: [m.wall for m in results] for mode, results in flooded.items()}
    view_s, jsonl_s = median(times["view"]), median(times["jsonl"])
    print(f"  flood: view {view_s:.2f} s / jsonl {jsonl_s:.2f} s = {view_s / jsonl_s:.2f}x")
    print(f"view: peak RSS with {keep:,} events kept")
    kept = interleaved(keep, max(1, runs - 1), rss=True)
    peaks = {mode: [m.maxrss_mb for m in results] for mode, results in kept.items()}
    view_mb, jsonl_mb = median(peaks["view"]), median(peaks["jsonl"])
    ok = all(m.code == 0 for results in (*flooded.values(), *kept.values()) for m in results)
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
