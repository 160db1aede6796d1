"""Helpers for the viewer's headless tests: events, a viewer fed like the tail feeds it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console
from textual.pilot import Pilot

from bctrl_tail.events import RunEvent
from bctrl_tail.render import ConnState
from bctrl_tail.render.view.app import TailStopped, ViewerApp
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.worker import Outcome

SIZE = (100, 24)


def event(i: int, **fields: Any) -> RunEvent:
    """A network event at 12:00:i UTC; ``fields`` override or add (None removes)."""
    data: dict[str, Any] = {
        "id": f"evt_{i}",
        "runId": "run_1",
        "type": "network.request",
        "time": f"2026-06-25T12:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
        "status": "ok",
        "name": f"event-{i}",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return RunEvent(data["id"], data, run_id=str(data.get("runId", "")))


def failure(i: int, **fields: Any) -> RunEvent:
    return event(i, type="network.failed", status="failed", **fields)


def make_app(**kwargs: Any) -> tuple[ViewerApp, ViewRenderer]:
    renderer = ViewRenderer(time_format="utc")
    kwargs.setdefault("title", "run_1")
    kwargs.setdefault("color", True)
    return ViewerApp(renderer, handle_signals=False, **kwargs), renderer


async def feed(
    pilot: Pilot[int], renderer: ViewRenderer, events: list[RunEvent], state: str = "live"
) -> None:
    """Hand events over as the tail would, then let the screen take them."""
    renderer.on_state(ConnState(state))
    for ev in events:
        renderer.on_event(ev)
    renderer.flush()
    await pilot.pause()


async def end_run(pilot: Pilot[int], renderer: ViewRenderer, status: str, code: int = 0) -> None:
    """The run ended with ``status``; the tail stopped with ``code``."""
    renderer.on_state(ConnState("ended", ended_status=status))
    pilot.app.post_message(TailStopped(Outcome(code=code, stays_open=True)))
    await pilot.pause()


def run(
    body: Callable[[Pilot[int], ViewRenderer], Awaitable[None]],
    *,
    size: tuple[int, int] = SIZE,
    **kwargs: Any,
) -> ViewerApp:
    """Run ``body`` against a headless viewer of ``size``; return the app once it is done."""
    app, renderer = make_app(**kwargs)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await body(pilot, renderer)

    asyncio.run(main())
    return app


def screen_text(app: ViewerApp) -> str:
    """What the screen shows, as plain text: the same render as ``export_screenshot``."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def header(app: ViewerApp) -> str:
    """The two header lines: the runs and their states, then what the rows show."""
    return "\n".join(line.strip() for line in screen_text(app).splitlines()[:2])


def screen_ansi(app: ViewerApp) -> str:
    """What the screen would write, escapes and all (for the injection tests)."""
    width, height = app.size
    out = io.StringIO()
    console = Console(
        width=width,
        height=height,
        file=out,
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return out.getvalue()
