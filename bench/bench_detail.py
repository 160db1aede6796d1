"""The viewer's detail screen: how long Enter takes to show a large event's JSON.

    python bench/bench_detail.py [--quick] [--items N] [--runs R]

The real viewer runs headless (Textual's test pilot, 120x40) with one event holding a list
of N numbers (200,000 by default: about 1.3 MB of JSON, 200,012 lines pretty-printed), and
Enter is timed until the detail screen has been drawn. The baseline, measured in the same run,
is the same screen drawing the whole JSON as one highlighted ``Static`` in a scrolling
container, as the viewer did before: every line laid out before the first one shows, and no
key (not even Ctrl-C) taken meanwhile.

Target: the detail of a 1.3 MB event shown within 0.5 s.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import Figure, bench_args, median, print_figures, write_figures
from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from bctrl_tail.events import RunEvent
from bctrl_tail.render.view import app as view_app
from bctrl_tail.render.view.app import ViewerApp
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.detail import DetailScreen, readable_json, title_of

TARGET_S = 0.5
SIZE = (120, 40)


class WholeStatic(DetailScreen):
    """The baseline: the whole JSON in one ``Static``, laid out at once."""

    def compose(self) -> ComposeResult:
        shown = readable_json(self.entry)
        yield Static(title_of(self.entry, shown), id="title")
        body = Text(shown, overflow="fold")
        JSONHighlighter().highlight(body)
        with VerticalScroll(id="json"):
            yield Static(body, id="body")
        yield Footer(compact=True)


def big_event(items: int) -> RunEvent:
    data = {"id": "evt_1", "runId": "run_1", "type": "network.response", "status": "ok",
            "time": "2026-06-25T12:00:00.000Z", "data": {"items": list(range(items))}}  # fmt: skip
    return RunEvent("evt_1", data, "run_1")


async def open_once(items: int) -> float:
    """Seconds from Enter until the detail screen is drawn."""
    renderer = ViewRenderer(time_format="utc")
    app = ViewerApp(renderer, title="run_1", color=True, handle_signals=False)
    async with app.run_test(size=SIZE) as pilot:
        renderer.on_event(big_event(items))
        renderer.flush()
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen), "the detail did not open"
        took = time.perf_counter() - start
        await pilot.press("escape", "q")
    return took


def timed(items: int, *, baseline: bool) -> float:
    original = view_app.DetailScreen
    if baseline:
        view_app.DetailScreen = WholeStatic  # type: ignore[misc]
    try:
        return asyncio.run(open_once(items))
    finally:
        view_app.DetailScreen = original  # type: ignore[misc]


def main() -> int:
    parser = bench_args(__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, help="numbers in the event's list (default 200,000)")
    parser.add_argument("--runs", type=int, help="runs of each (default 3)")
    args = parser.parse_args()
    items = args.items or (5_000 if args.quick else 200_000)
    runs = args.runs or (1 if args.quick else 3)
    size_mb = len(big_event(items).text) / 1e6
    print(f"detail: Enter on an event of {size_mb:.2f} MB ({items:,} list items), {runs} run(s)")
    times: dict[str, list[float]] = {"lines": [], "static": []}
    for run in range(runs):
        for name in times:
            took = timed(items, baseline=name == "static")
            times[name].append(took)
            print(f"  run {run + 1} {name:6} {took:6.2f} s")
    shown, whole = median(times["lines"]), median(times["static"])
    figures = [
        Figure(
            bench="detail",
            name=f"Enter to the detail drawn, {size_mb:.2f} MB event",
            value=shown,
            unit="s",
            baseline_name="the whole JSON in one Static",
            baseline=whole,
            target=f"<= {TARGET_S:g} s",
            met=shown <= TARGET_S,
            runs=f"{runs} each",
            note="headless, 120x40",
        )
    ]
    print_figures(figures)
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
