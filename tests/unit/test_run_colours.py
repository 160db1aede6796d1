"""One colour per run, by its place among the runs followed: never two runs alike while there
are colours left, the same in ``pretty``, ``table`` and ``view`` whichever run came first; and
where colour is missing (NO_COLOR) or the run column is short, the run is still told apart."""

from __future__ import annotations

from rich.style import Style
from textual.pilot import Pilot

from bctrl_tail.render.columns import short_run
from bctrl_tail.render.pretty import RUN_STYLES, RunColours
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.rows import EventRows

from .viewkit import event, feed, run, screen_text

RUNS = ["run_demo", "run_demo_failed"]  # a hash of the ids gave both the same green


def run_cell_styles(order: list[str], run_ids: list[str]) -> dict[str, Style]:
    """The style of each run's cell in the viewer's rows, the runs' events fed in ``order``."""
    found: dict[str, Style] = {}

    async def body(pilot: Pilot[int], renderer: ViewRenderer) -> None:
        evs = [event(i, runId=run_id) for i, run_id in enumerate(order, 1)]
        await feed(pilot, renderer, evs)
        rows = pilot.app.query_one(EventRows)
        width = rows.current_layout().run  # at 120 columns, as wide as the longest id
        for y in range(len(order)):
            for segment in rows.render_line(y):
                shown = {short_run(run_id, width): run_id for run_id in order}
                name = shown.get(segment.text.strip())
                if name is not None and segment.style is not None:
                    found[name] = segment.style

    run(body, size=(120, 24), run_ids=run_ids)
    return found


def test_the_viewer_colours_a_run_as_pretty_does_whatever_came_first() -> None:
    colours = RunColours(RUNS)
    assert colours(RUNS[0]) != colours(RUNS[1])
    for order in (RUNS, RUNS[::-1]):
        styles = run_cell_styles(order, RUNS)
        assert set(styles) == set(RUNS)
        for run_id, style in styles.items():
            assert style.color == colours(run_id).color
            assert style.bold


def test_twenty_runs_all_look_different_and_a_run_keeps_its_colour() -> None:
    run_ids = [f"run_{n:02d}" for n in range(20)]
    colours = RunColours(run_ids)
    assert len({colours(r) for r in run_ids}) == 20 == len(RUN_STYLES)
    first = colours("run_07")
    assert colours("a_run_not_given") not in {colours(r) for r in run_ids[1:]}  # the 21st: #1's
    assert colours("run_07") == first
    # the first five are five hues, not a colour and its bright twin
    assert len({str(s.color).removeprefix("bright_") for s in RUN_STYLES[:5]}) == 5


def test_a_narrow_viewer_keeps_a_short_run_tag_and_no_color_too() -> None:
    ids = ["run_8f14e45fceea167a", "run_c9f0f895fb98ab91"]
    shown: list[str] = []

    async def body(pilot: Pilot[int], renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(i, runId=ids[i % 2]) for i in range(2)])
        shown.append(screen_text(pilot.app))

    run(body, size=(60, 12), run_ids=ids, color=False)
    lines = shown[0].splitlines()
    assert lines[2].split()[0] == "run"
    assert lines[3].split()[0] == "…167a" and lines[4].split()[0] == "…ab91"
