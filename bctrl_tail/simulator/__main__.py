"""``bctrl-tail-simulator``: serve the demo runs (and replays) over HTTP on loopback."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import math
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from bctrl_tail import __version__
from bctrl_tail.simulator.model import Response, Run
from bctrl_tail.simulator.replay import ReplayError, load_replays
from bctrl_tail.simulator.scenarios import demo_runs, generated_runs
from bctrl_tail.simulator.server import Simulator

PROG = "bctrl-tail-simulator"
KEY_ENV = "BCTRL_SIMULATOR_KEY"
MAX_TAIL_LINES = 4  # more runs: only the one command that tails them all


def _number(
    text: str, kind: type[float] | type[int], minimum: float, strict: bool = False
) -> float:
    """``text`` as a number of ``kind`` that is at least ``minimum`` (above it when ``strict``),
    with one message per bound whichever side of it the value is."""
    try:
        value = kind(text)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    bound = "greater than" if strict else "at least"
    if value != value or value < minimum or (strict and value == minimum):  # NaN too
        raise argparse.ArgumentTypeError(f"must be {bound} {minimum:g}, got {text!r}")
    return value


def _int(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        return int(_number(text, int, minimum))

    return parse


def _float(minimum: float, strict: bool = False) -> Callable[[str], float]:
    def parse(text: str) -> float:
        return _number(text, float, minimum, strict)

    return parse


def _bounded(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(_number(text, int, -math.inf))  # one message for either bound
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be {minimum}-{maximum}, got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Serve bctrl-compatible run event streams (GET /v2/runs/{id}/events/stream) "
        "for bctrl-tail: two demo runs, recorded runs and fault switches.",
    )
    add = p.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=_bounded(0, 65535), default=8787, help="default 8787; 0 = any free port")
    add(
        "--replay",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help="also serve the runs recorded with `bctrl-tail -o jsonl`: one per runId, events"
        " without one as a run named after the file (repeatable)",
    )
    add(
        "--run-id",
        help="with one --replay: the run id of its events without a runId, or of the whole"
        " recording when it holds one run",
    )
    add(
        "--rate",
        type=_float(0, True),
        metavar="N",
        help="replay (and --generate) N events per second",
    )
    add(
        "--generate",
        type=_bounded(1, 1000),
        metavar="N",
        help="also serve N generated runs run_gen_001… (for tests and benchmarks; at full"
        " speed unless --rate)",
    )
    add(
        "--events",
        type=_int(1),
        default=200,
        metavar="M",
        help="events in each --generate run (default 200)",
    )
    add(
        "--end-status",
        default="completed",
        metavar="STATUS",
        help="status of the run.ended frame of --replay runs (a recording holds only events;"
        " default completed; e.g. failed to replay a failed run)",
    )
    add(
        "--speed",
        type=_float(0, True),
        default=1.0,
        metavar="FACTOR",
        help="play the demo and --replay runs FACTOR times faster (default 1)",
    )
    add("--no-demo", action="store_true", help="do not serve the demo runs")
    add(
        "--require-key",
        metavar="KEY",
        default=os.environ.get(KEY_ENV) or None,
        help=f"answer 401/403 unless `Authorization: Bearer KEY`; also ${KEY_ENV} "
        "(the key is never printed)",
    )
    f = p.add_argument_group("fault switches (apply to every run)").add_argument
    f(
        "--drop-every",
        type=_int(1),
        metavar="N",
        help="close the connection abruptly after every N events sent on it",
    )
    f(
        "--stall",
        metavar="SECONDS|N:SECONDS",
        help="once per run, send nothing at all for SECONDS after N events (default N=1)",
    )
    f("--stall-after", type=_int(0), metavar="N", help="N for --stall SECONDS")
    f(
        "--status",
        type=_bounded(200, 599),
        metavar="CODE",
        help="answer requests with this HTTP status",
    )
    f(
        "--status-count",
        type=_int(1),
        metavar="N",
        help="only the first N requests of each run get --status (default: every request)",
    )
    f(
        "--retry-after",
        type=_int(0),
        metavar="SECONDS",
        help="send Retry-After with the --status answers",
    )
    f(
        "--heartbeat",
        type=_float(0),
        metavar="SECONDS",
        help="heartbeat period while idle (demo default 2; 0 = none)",
    )
    f(
        "--heartbeat-style",
        choices=("event", "comment"),
        help="`event: heartbeat` or `: keep-alive`",
    )
    f("--close-delimited", action="store_true", help="no chunked encoding: bodies end by a close")
    add("-q", "--quiet", action="store_true", help="print only the URL line at start")
    add("-v", "--verbose", action="store_true", help="log one line per request on stderr")
    add("--version", action="version", version=f"{PROG} {__version__}")
    return p


def _stall(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[int, float] | None:
    if args.stall is None:
        if args.stall_after is not None:
            parser.error("--stall-after needs --stall SECONDS")
        return None
    after_text, sep, seconds_text = args.stall.rpartition(":")
    try:
        after = (
            int(after_text) if sep else (args.stall_after if args.stall_after is not None else 1)
        )
        seconds = float(seconds_text)
    except ValueError:
        parser.error(f"--stall: expected SECONDS or N:SECONDS, got {args.stall!r}")
    if after < 0 or not seconds >= 0:
        parser.error(f"--stall: expected SECONDS or N:SECONDS, got {args.stall!r}")
    return after, seconds


def build_runs(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[Run]:
    """The runs to serve, faults applied. Raises ReplayError for a bad recording."""
    if args.run_id is not None and len(args.replay) != 1:
        parser.error("--run-id needs exactly one --replay")
    if args.retry_after is not None and args.status is None:
        parser.error("--retry-after needs --status")
    if args.status_count is not None and args.status is None:
        parser.error("--status-count needs --status")
    stall = _stall(args, parser)
    runs = [] if args.no_demo else demo_runs(speed=args.speed)
    if args.generate:
        interval = 1.0 / args.rate if args.rate else 0.0
        runs += generated_runs(args.generate, args.events, interval=interval)
    for path in args.replay:
        for run in load_replays(path, args.run_id, rate=args.rate, end_status=args.end_status):
            run.speed = args.speed
            if run.run_id in {r.run_id for r in runs}:
                print(f"{PROG}: note: {path} replaces run {run.run_id}", file=sys.stderr)
            runs.append(run)
    if not runs:
        parser.error("nothing to serve: --no-demo without --replay or --generate")
    runs = list({run.run_id: run for run in runs}.values())  # a later run replaces its id
    for run in runs:
        run.drop_every = args.drop_every or run.drop_every
        run.stall = stall or run.stall
        run.close_delimited = args.close_delimited or run.close_delimited
        if args.heartbeat is not None:
            run.heartbeat = args.heartbeat or None
        if args.heartbeat_style is not None:
            run.heartbeat_style = args.heartbeat_style
        if args.status is not None and args.status_count is not None:
            run.responses = [_status_response(args) for _ in range(args.status_count)]
    return runs


def _status_response(args: argparse.Namespace) -> Response:
    headers = {} if args.retry_after is None else {"Retry-After": str(args.retry_after)}
    return Response(args.status, headers=headers)


def _banner(sim: Simulator, runs: list[Run], args: argparse.Namespace) -> list[str]:
    url = sim.base_url
    lines = [f"bctrl simulator serving {url}"]
    # a wildcard address serves loopback too; bctrl-tail would refuse a plain-http wildcard
    url = url.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:")
    if args.quiet:
        return lines
    width = max(len(run.run_id) for run in runs)
    for run in runs:
        ending = f"ends {run.end_status}" if run.end_status else "no run.ended"
        lines.append(f"  {run.run_id:<{width}}  {len(run.events)} events, {ending}")
    if args.require_key is None:
        key = "BCTRL_API_KEY=anything"
    elif os.environ.get(KEY_ENV) == args.require_key:
        key = f'BCTRL_API_KEY="${KEY_ENV}"'
    else:
        key = "BCTRL_API_KEY=<the key given with --require-key>"
    command = f"  {key} bctrl-tail --base-url {url}"
    if len(runs) <= MAX_TAIL_LINES:
        lines.append("tail a run with:")
        lines += [f"{command} {shlex.quote(run.run_id)}" for run in runs]
    if len(runs) > 1:
        lines.append("tail them all at once with:")
        lines.append(f"{command} {' '.join(shlex.quote(run.run_id) for run in runs)}")
    lines.append("Ctrl-C to stop.")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before the signal handlers were installed
        return 0


def _is_loopback(host: str) -> bool:
    """Whether the address only this machine can reach (a name is taken as it resolves)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() in ("localhost", "localhost.")


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        runs = build_runs(args, parser)
    except ReplayError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    sim = Simulator(args.host, args.port, require_key=args.require_key, quiet=not args.verbose)
    if args.status is not None and args.status_count is None:
        sim.fixed_response = _status_response(args)
    for run in runs:
        sim.add_run(run)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        sim.start()
    except OSError as exc:
        reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        print(f"{PROG}: error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1
    if not _is_loopback(args.host):  # said even with -q: it is about who can reach it
        print(
            f"{PROG}: warning: listening on {args.host}: other machines can reach this "
            "simulator (use --host 127.0.0.1 to keep it to this one)",
            file=sys.stderr,
        )
    try:
        try:
            for line in _banner(sim, runs, args):
                print(line)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away: keep serving, but do not write to stdout again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    if not args.quiet:
        print(f"{PROG}: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
