"""The viewer lays out rows as ``table`` does at the same terminal width: the same columns,
at the same places (the viewer's rows are one cell in, inside its padding)."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from textual.pilot import Pilot

from bctrl_tail.render import ConnState
from bctrl_tail.render.table import build_view
from bctrl_tail.render.timefmt import TimeFormatter
from bctrl_tail.render.view.bridge import ViewRenderer

from .viewkit import event, feed, run, screen_text

Body = Pilot[int]


def columns(line: str, indent: int = 0) -> list[tuple[str, int]]:
    """Each column name and where it starts."""
    return [(m.group()[:3], m.start() - indent) for m in re.finditer(r"\S+", line)]


def table_heading(width: int, run_ids: list[str]) -> str:
    events = [event(i, runId=run_ids[i % len(run_ids)]) for i in range(4)]
    console = Console(width=width, height=24, record=True, file=io.StringIO())
    console.print(
        build_view(
            events,
            run_id=run_ids[0],
            state=ConnState("live"),
            counts={"network": 4},
            shown=4,
            time_format=TimeFormatter("utc"),
            height=24,
            width=width,
            runs={r: ConnState("live", run_id=r) for r in run_ids},
        )
    )
    return console.export_text().splitlines()[2]


@pytest.mark.parametrize("width", [46, 50, 60, 64, 70, 80, 100, 120, 160])
@pytest.mark.parametrize("runs", [1, 2], ids=["one run", "two runs"])
def test_same_terminal_width_same_columns_in_view_and_table(width: int, runs: int) -> None:
    run_ids = ["run_a", "run_b"][:runs]
    shown: list[str] = []

    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i, runId=run_ids[i % runs]) for i in range(4)])
        shown.append(screen_text(pilot.app).splitlines()[2])

    run(body, size=(width, 24), run_ids=run_ids)
    view, table = columns(shown[0], indent=1), columns(table_heading(width, run_ids))
    assert [name for name, _ in view] == [name for name, _ in table]
    if width >= 60:  # at the same places (narrower, the view's type gives its summary room)
        assert view == table
