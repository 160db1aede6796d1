"""Make ``docs/table.svg``: the last screen of the live table after the demo run.

Run from the repository root: ``python scripts/make_screenshot.py`` (about 2 s).

Nothing is mocked: the demo run is served over HTTP on loopback by the simulator, and followed by
the CLI's own pipeline (``build_config``, ``Tail``, ``TableRenderer``) into the console the CLI
makes (``make_console``), at a fixed size and with recording on. The final screen, with the
end-of-run line the CLI writes below it on stderr, is saved with rich's ``Console.save_svg``.
The event times are pinned (the run starts at 12:00:00Z and keeps its pacing), so the SVG is
the same on every run and on every machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.text import Text  # noqa: E402

from bctrl_tail.config import Options, build_config  # noqa: E402
from bctrl_tail.render.table import TableRenderer  # noqa: E402
from bctrl_tail.reporter import Reporter  # noqa: E402
from bctrl_tail.simulator import Run, Simulator, demo_runs  # noqa: E402
from bctrl_tail.tail import Tail  # noqa: E402
from bctrl_tail.terminal import make_console  # noqa: E402

START = dt.datetime(2026, 6, 25, 12, 0, 0, tzinfo=dt.timezone.utc)


def pinned(run: Run) -> Run:
    """``run`` with every event's time set from START and the run's own delays."""
    at = START
    events = []
    for index, event in enumerate(run.events):
        at += dt.timedelta(seconds=run.delays[index] if run.delays else run.interval)
        stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        events.append({**event, "time": stamp})
    run.events = events
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="run_demo", help="run_demo or run_demo_failed")
    parser.add_argument("--speed", type=float, default=20.0, help="demo speed (default 20)")
    parser.add_argument("--width", type=int, default=110)
    parser.add_argument("--height", type=int, default=30)
    parser.add_argument("--time-format", default="utc", help="as --time-format (default utc)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "table.svg")
    args = parser.parse_args()

    runs = {run.run_id: run for run in demo_runs(speed=args.speed)}
    if args.run not in runs:
        parser.error(f"unknown run {args.run!r}: choose from {', '.join(runs)}")
    console = make_console(
        io.StringIO(), color=True, is_tty=True, width=args.width, height=args.height
    )
    console.record = True
    stderr = io.StringIO()
    with Simulator() as sim:
        sim.add_run(pinned(runs[args.run]))
        options = Options(
            run_ids=(args.run,),
            base_url=sim.base_url,
            output="auto",
            time_format=args.time_format,
        )
        config = build_config(
            options,
            env={"BCTRL_API_KEY": "screenshot-key", "TERM": "xterm-256color"},
            stdout_is_tty=True,
            now=dt.datetime.now(dt.timezone.utc),
        )
        assert config.output == "table" and config.color
        reporter = Reporter(stderr)
        reporter.defer()  # as the CLI does while the table owns the terminal
        renderer = TableRenderer(console, run_id=config.run_id, time_format=config.time_format)
        tail = Tail(config, renderer, reporter)
        code = tail.run()
        console.export_text(clear=True)  # drop the live frames: keep only the last screen
        renderer.close(tail.ended_runs)
        tail.finish()
    reporter.release()
    for line in stderr.getvalue().splitlines():
        console.print(Text(line))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(args.out), title=f"bctrl-tail {args.run}")
    shown = tail.stats.shown
    print(f"wrote {args.out} ({shown} events, exit {code}); {stderr.getvalue().strip()}")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
