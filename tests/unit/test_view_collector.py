"""The collector policy of the viewer's process: full collections rare, start-up frozen, and
all of it undone when the viewer closes (the real ``gc`` module, no stand-ins)."""

from __future__ import annotations

import gc

from textual.pilot import Pilot

from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.collector import OLDEST_THRESHOLD, QuietCollector
from bctrl_tail.render.view.rows import EventRows

from .viewkit import event, feed, run


def test_the_oldest_threshold_is_raised_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with QuietCollector():
        young, middle, oldest = gc.get_threshold()
        assert (young, middle) == before[:2]
        assert oldest == OLDEST_THRESHOLD > before[2]
    assert gc.get_threshold() == before


def test_freeze_moves_what_exists_to_the_permanent_generation_until_the_viewer_closes() -> None:
    gc.unfreeze()
    with QuietCollector() as collector:
        assert gc.get_freeze_count() == 0
        collector.freeze()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_an_error_inside_still_restores_the_collector() -> None:
    before = gc.get_threshold()
    try:
        with QuietCollector() as collector:
            collector.freeze()
            raise RuntimeError("the viewer failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_ready_is_called_once_when_the_screen_is_up_and_events_still_arrive_after() -> None:
    calls = 0

    def ready() -> None:
        nonlocal calls
        calls += 1

    async def body(pilot: Pilot[int], renderer: ViewRenderer) -> None:
        assert calls == 1
        assert pilot.app.query_one(EventRows).has_focus  # on_mount had run to its end
        await feed(pilot, renderer, [event(i) for i in range(1, 4)])
        assert calls == 1

    app = run(body, ready=ready)
    assert app.store.received == 3
