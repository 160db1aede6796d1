"""One colour per run, from its id alone: the same in ``pretty``, ``table`` and ``view``,
whichever run came first."""

from __future__ import annotations

from rich.style import Style
from textual.pilot import Pilot

from bctrl_tail.render.pretty import run_style
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.rows import EventRows

from .viewkit import event, feed, run


def run_cell_styles(order: list[str]) -> dict[str, Style]:
    """The style of each run's cell in the viewer's rows, the runs' events fed in ``order``."""
    found: dict[str, Style] = {}

    async def body(pilot: Pilot[int], renderer: ViewRenderer) -> None:
        evs = [event(i, runId=run_id) for i, run_id in enumerate(order, 1)]
        await feed(pilot, renderer, evs)
        rows = pilot.app.query_one(EventRows)
        for y in range(len(order)):
            for segment in rows.render_line(y):
                name = segment.text.strip()
                if name in order and segment.style is not None:
                    found[name] = segment.style

    run(body)
    return found


def test_the_viewer_colours_a_run_as_pretty_does_whatever_came_first() -> None:
    for order in (["run_a", "run_b"], ["run_b", "run_a"]):
        styles = run_cell_styles(order)
        assert set(styles) == {"run_a", "run_b"}
        for run_id, style in styles.items():
            assert style.color == run_style(run_id).color
            assert style.bold
