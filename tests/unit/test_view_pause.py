"""A pause holds the rows, never the counting: what arrives meanwhile is counted, and its
failures remembered, even when more arrives than a pause can hold."""

from __future__ import annotations

import io

from rich.console import Console
from textual.pilot import Pilot

from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.store import KEEP

from .viewkit import event, feed, run, screen_text

Body = Pilot[int]


def summary(app_store: object) -> str:
    """What the viewer leaves on the normal screen after it closed."""
    out = io.StringIO()
    renderer = ViewRenderer(time_format="utc", console=Console(file=out, width=200))
    renderer.finished(app_store)  # type: ignore[arg-type]
    renderer.close({})
    return out.getvalue()


def test_a_long_pause_still_counts_every_category_and_failure() -> None:
    async def body(pilot: Body, renderer: ViewRenderer) -> None:
        await feed(pilot, renderer, [event(1)])
        await pilot.press("space")
        crash = event(2, type="page.crash", name="tab crashed")
        await feed(pilot, renderer, [crash] + [event(i, type="console.log") for i in range(3, 33)])
        first = screen_text(pilot.app).splitlines()[0]
        assert "32 events" in first  # the total keeps counting while paused
        assert "PAUSED: 31 new" in screen_text(pilot.app).splitlines()[1]
        await pilot.press("space")
        await pilot.pause()
        store = pilot.app.store
        assert store.counts == {"network": 1, "browser": 1, "console": 30}
        assert store.failure_count == 1
        assert [e.text for e in store.failures] == [crash.text]
        assert "32 events" in screen_text(pilot.app).splitlines()[0]

    app = run(body, keep=10)
    left = summary(app.store)
    assert "1 failure seen" in left and "tab crashed" in left


def test_events_dropped_before_the_screen_took_them_are_counted() -> None:
    renderer = ViewRenderer(time_format="utc")
    renderer.on_event(event(1, type="page.crash", name="tab crashed"))
    plain = event(2)
    for _ in range(KEEP + 4):
        renderer.on_event(plain)
    renderer.flush()
    batch = renderer.take()
    assert len(batch.entries) == KEEP
    assert batch.dropped.arrived == 5
    assert batch.dropped.failure_count == 1
    assert batch.dropped.counts == {"browser": 1, "network": 4}

    async def body(pilot: Body, viewer: ViewRenderer) -> None:
        viewer.on_event(event(1, type="page.crash", name="tab crashed"))
        for _ in range(KEEP + 4):
            viewer.on_event(plain)
        await feed(pilot, viewer, [])
        store = pilot.app.store
        assert store.received == KEEP + 5
        assert store.counts == {"browser": 1, "network": KEEP + 4}
        assert store.failure_count == 1 and len(store.failures) == 1
        assert "(5 older let go)" in screen_text(pilot.app).splitlines()[0]

    run(body)
