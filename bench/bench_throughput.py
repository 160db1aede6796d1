"""Throughput: 200,000 events of ~350 bytes sent as fast as loopback allows, output to /dev/null.

    python bench/bench_throughput.py [--quick] [--events N] [--runs R] [--no-profile]

A raw-socket server (bench/common.py) writes a pre-built body: one HTTP chunk per event (as a
server that flushes each event sends them) or a close-delimited body. Compared, interleaved:

- ``bctrl-tail RUN -o jsonl > /dev/null``
- ``curl -sN URL | sed -n 's/^data: //p' > /dev/null``
- a script reading the stream with the SSE reader of bctrl's official Python SDK
  (``bctrl.http.V1HttpClient(...).stream_sse(path)``) and writing each event's data as a compact
  JSON line, as bctrl-tail does. That SDK is a bench-only dependency, never a runtime one; when
  it is missing this baseline is skipped with a hint (``pip install bctrl``). The SDK prefixes
  every path with ``/v1``; the bench server answers any path with the same stream.

Events per second count from the server receiving the request to the command's exit, so
interpreter start-up is not in the figure. Before timing, each command's output is checked on a
small stream (one line per event). Then bctrl-tail is profiled on the same workload with
pyinstrument (main thread; the socket reader thread is not sampled) and, when ``py-spy`` is
installed beside the interpreter, with py-spy across all threads.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import math
import pstats
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    RUN_ID,
    Figure,
    FrameServer,
    bench_args,
    body_blocks,
    child_env,
    cli_command,
    event_object,
    have_command,
    measure,
    median,
    print_figures,
    stream_url,
    tail_command,
    write_figures,
)

TARGET_VS_SDK = 2.0
FRAMINGS = ("chunked", "close-delimited")

SDK_SCRIPT = """\
import json, sys
from bctrl.http import V1HttpClient

client = V1HttpClient(base_url=sys.argv[1], timeout=60)  # key from BCTRL_API_KEY
write = sys.stdout.write
for event in client.stream_sse(f"/runs/{sys.argv[2]}/events/stream"):
    name = event.get("event")
    if name == "run.ended":
        break
    if name in ("run.event", "message"):
        write(json.dumps(event["data"], ensure_ascii=False, separators=(",", ":")) + "\\n")
"""

Command = Callable[[str], list[str]]


def commands() -> dict[str, Command]:
    found: dict[str, Command] = {
        "bctrl-tail": lambda base: tail_command(base, "-o", "jsonl"),
    }
    if have_command("curl") and have_command("sed"):
        found["curl+sed"] = lambda base: [
            "sh",
            "-c",
            f"curl -sN '{stream_url(base)}' | sed -n 's/^data: //p'",
        ]
    else:
        print("curl or sed not found: the curl+sed baseline is skipped")
    if importlib.util.find_spec("bctrl") is not None:
        found["bctrl SDK"] = lambda base: [sys.executable, "-c", SDK_SCRIPT, base, RUN_ID]
    else:
        print(
            "bctrl's Python SDK is not installed for this interpreter, so its baseline is "
            f"skipped. To measure it: {sys.executable} -m pip install bctrl "
            "(better in a separate venv, e.g. python3 -m venv .bench-venv && "
            ".bench-venv/bin/pip install -e . bctrl pyinstrument; then run the bench with "
            ".bench-venv/bin/python)"
        )
    return found


def check_output(cmds: dict[str, Command], events: int) -> bool:
    """Each command prints one line per event (on both framings); none is silently broken."""
    ok = True
    for framing in FRAMINGS:
        blocks = list(body_blocks(events, chunked=framing == "chunked"))
        with FrameServer(partial(list, blocks), chunked=framing == "chunked") as server:
            for name, make in cmds.items():
                proc = subprocess.run(
                    make(server.base_url),
                    capture_output=True,
                    env=child_env(),
                    timeout=60,
                    stdin=subprocess.DEVNULL,
                )
                lines = proc.stdout.count(b"\n")
                # sed prints every data line: the run.ended frame's too.
                expected = events + (name == "curl+sed")
                good = proc.returncode == 0 and lines == expected
                ok &= good
                if not good:
                    print(f"  CHECK FAILED {framing} {name}: exit {proc.returncode}, {lines} lines")
    print(f"  output check ({events} events, both framings): {'ok' if ok else 'FAILED'}")
    return ok


def main() -> int:
    parser = bench_args(__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, help="events per run (default 200,000; quick 3,000)")
    parser.add_argument("--runs", type=int, help="runs per command and framing (default 3)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile runs")
    args = parser.parse_args()
    events = args.events or (3_000 if args.quick else 200_000)
    runs = args.runs or (1 if args.quick else 3)
    cmds = commands()
    print(
        f"throughput: {events:,} events, {runs} run(s) per command and framing, interleaved; "
        "stdout to /dev/null"
    )
    ok = check_output(cmds, 500 if args.quick else 2_000)
    rates: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    bodies = {f: list(body_blocks(events, chunked=f == "chunked")) for f in FRAMINGS}
    size = sum(map(len, bodies["close-delimited"]))
    data = len(json.dumps(event_object(events - 1), separators=(",", ":")))
    print(
        f"  body: {size / 1e6:.1f} MB close-delimited: {size / events:.0f} bytes of SSE per event,"
        f" {data} bytes of JSON data"
    )
    servers = {f: FrameServer(partial(list, bodies[f]), chunked=f == "chunked") for f in FRAMINGS}
    try:
        for run in range(runs):
            for framing in FRAMINGS:
                server = servers[framing]
                for name, make in cmds.items():
                    result = measure(make(server.base_url), env=child_env(), timeout=600)
                    served = server.last()
                    rate = events / (result.ended_at - served.request_at)
                    ok &= result.code == 0
                    rates[(framing, name)].append(rate)
                    print(
                        f"  run {run + 1} {framing:15} {name:10} {rate:>12,.0f} events/s"
                        f"  ({result.ended_at - served.request_at:.2f} s, exit {result.code})"
                    )
        figures = summarize(rates, runs, events)
        print_figures(figures)
        write_figures(args.json, figures)
        if not args.no_profile:
            profile(servers["chunked"].base_url, quick=args.quick)
    finally:
        for server in servers.values():
            server.close()
    return 0 if ok else 1


def summarize(rates: dict[tuple[str, str], list[float]], runs: int, events: int) -> list[Figure]:
    figures = []
    for framing in FRAMINGS:
        ours = median(rates[(framing, "bctrl-tail")])
        for base_name in ("bctrl SDK", "curl+sed"):
            if (framing, base_name) not in rates:
                continue
            figure = Figure(
                bench="throughput",
                name=f"throughput, {framing}",
                value=ours,
                unit="ev/s",
                baseline_name=base_name,
                baseline=median(rates[(framing, base_name)]),
                runs=f"{runs}x{events:,} events",
            )
            if base_name == "bctrl SDK":
                figure.target = f">= {TARGET_VS_SDK:g}x the SDK script"
                figure.met = figure.ratio >= TARGET_VS_SDK
            figures.append(figure)
        if (framing, "bctrl SDK") not in rates:
            figures.append(
                Figure(
                    bench="throughput",
                    name=f"throughput, {framing}",
                    value=ours,
                    unit="ev/s",
                    target=f">= {TARGET_VS_SDK:g}x the SDK script",
                    note="SDK baseline skipped: pip install bctrl",
                    runs=f"{runs}x{events:,} events",
                )
            )
    return figures


def profile(base_url: str, *, quick: bool) -> None:
    """Where bctrl-tail's time goes on the chunked workload."""
    if importlib.util.find_spec("pyinstrument") is None:
        print("\nprofile skipped: pyinstrument is not installed (pip install pyinstrument)")
    else:
        profile_pyinstrument(base_url, top=8 if quick else 15)
    spy = Path(sys.executable).with_name("py-spy")
    if spy.exists() or shutil.which("py-spy"):
        profile_py_spy(str(spy if spy.exists() else "py-spy"), base_url, top=8 if quick else 15)


def tail_module_args(base_url: str) -> list[str]:
    """bctrl-tail's arguments after the program (the profilers run it as a module)."""
    return tail_command(base_url, "-o", "jsonl")[len(cli_command()) :]


def profile_pyinstrument(base_url: str, *, top: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tail.pstats"
        cmd = [sys.executable, "-m", "pyinstrument", "-r", "pstats", "-o", str(out)]
        cmd += ["-m", "bctrl_tail", *tail_module_args(base_url)]
        result = measure(cmd, env=child_env(), timeout=600)
        if result.code != 0 or not out.exists():
            print(f"\npyinstrument profile failed (exit {result.code})")
            return
        stats = pstats.Stats(str(out))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in entries.values()) or math.nan
    print(f"\nprofile (pyinstrument, main thread, wall {total:.2f} s): self time, top {top}")
    by_self = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    for (path, line, func), row in by_self[:top]:
        print(f"  {row[2] / total:6.1%}  {func}  ({short(path)}:{line})")
    print("inclusive time of bctrl-tail's streaming functions:")
    skip = ("cli.py", "run.py", "__main__.py")
    ours = [(k, v) for k, v in entries.items() if "bctrl_tail" in k[0] and not k[0].endswith(skip)]
    for (path, line, func), row in sorted(ours, key=lambda item: item[1][3], reverse=True)[:top]:
        print(f"  {row[3] / total:6.1%}  {func}  ({short(path)}:{line})")


def profile_py_spy(spy: str, base_url: str, *, top: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tail.txt"
        cmd = [spy, "record", "-r", "1000", "-f", "raw", "--threads", "--gil", "-o", str(out)]
        cmd += ["--", sys.executable, "-m", "bctrl_tail", *tail_module_args(base_url)]
        result = measure(cmd, env=child_env(), timeout=600)
        if result.code != 0 or not out.exists():
            print(f"\npy-spy profile failed (exit {result.code}; it needs ptrace permission)")
            return
        own: collections.Counter[str] = collections.Counter()
        threads: collections.Counter[str] = collections.Counter()
        total = 0
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            samples = int(count)
            total += samples
            thread = frames[0].partition(": ")[2] or "unnamed (start-up)"
            threads[thread] += samples
            own[frames[-1] if len(frames) > 1 else "(native code, no Python frame)"] += samples
    if not total:
        return
    print(f"\nprofile (py-spy --gil, all threads: {total} samples while holding the GIL)")
    for name, samples in threads.most_common(4):
        print(f"  {samples / total:6.1%}  thread {name}")
    print(f"self time, top {top}:")
    for frame, samples in own.most_common(top):
        print(f"  {samples / total:6.1%}  {short(frame)}")


def short(path: str) -> str:
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


if __name__ == "__main__":
    sys.exit(main())
