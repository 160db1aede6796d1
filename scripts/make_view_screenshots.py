"""Make ``docs/view.svg`` and ``docs/view-detail.svg``: the viewer after the demo run, and the
detail of its last failure.

Run from the repository root: ``python scripts/make_view_screenshots.py`` (a few seconds).

Nothing is mocked: the demo run (its event times pinned, as ``make_screenshot.py`` does) is
served over HTTP on loopback by the simulator and followed by the CLI's own ``Tail`` feeding
the viewer's ``ViewRenderer`` from a thread, into the real ``ViewerApp``, run headless at a
fixed size with Textual's pilot, which presses the keys. The SVGs are Textual's own
screenshots, the same on every run and machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "scripts"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from make_screenshot import pinned  # noqa: E402

from bctrl_tail.config import Options, build_config  # noqa: E402
from bctrl_tail.render.view.app import ViewerApp  # noqa: E402
from bctrl_tail.render.view.bridge import ViewRenderer  # noqa: E402
from bctrl_tail.render.view.worker import TailThread, tail_body  # noqa: E402
from bctrl_tail.reporter import Reporter  # noqa: E402
from bctrl_tail.simulator import Simulator, demo_runs  # noqa: E402
from bctrl_tail.tail import Tail  # noqa: E402

WAIT = 30.0  # seconds the demo run may take at most


async def shoot(app: ViewerApp, size: tuple[int, int], out: Path) -> None:
    async with app.run_test(size=size) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while app.outcome is None:  # the run ended and the tail stopped
            if loop.time() > deadline:
                raise SystemExit("the demo run did not end in time")
            await pilot.pause(0.05)
        await pilot.press("k", "k", "k")
        await pilot.pause()
        (out / "view.svg").write_text(app.export_screenshot(title="bctrl-tail run_demo"))
        await pilot.press("f", "G", "enter")
        await pilot.pause()
        (out / "view-detail.svg").write_text(app.export_screenshot(title="bctrl-tail run_demo"))
        await pilot.press("escape", "f", "q")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=20.0, help="demo speed (default 20)")
    parser.add_argument("--width", type=int, default=110)
    parser.add_argument("--height", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    run = next(r for r in demo_runs(speed=args.speed) if r.run_id == "run_demo")
    with Simulator() as sim:
        sim.add_run(pinned(run))
        config = build_config(
            Options(run_ids=("run_demo",), base_url=sim.base_url, output="view", time_format="utc"),
            env={"BCTRL_API_KEY": "screenshot-key", "TERM": "xterm-256color"},
            stdout_is_tty=True,
            stdin_is_tty=True,
            now=dt.datetime.now(dt.timezone.utc),
        )
        reporter = Reporter(io.StringIO())
        reporter.defer()
        renderer = ViewRenderer(time_format=config.time_format)
        tail = Tail(config, renderer, reporter)
        app = ViewerApp(
            renderer,
            title=config.run_id,
            color=True,
            tail=TailThread(tail_body(tail)).start(),
            handle_signals=False,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        asyncio.run(shoot(app, (args.width, args.height), args.out))
        tail.finish()
    print(f"wrote {args.out / 'view.svg'} and {args.out / 'view-detail.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
