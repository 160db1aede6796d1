"""A bctrl-compatible Server-Sent Events server for tests, demos and trials (stdlib only).

Serves ``GET /v2/runs/{id}/events/stream`` like the bctrl API: ``run.event`` frames (``id:`` is
the cursor), heartbeats, a terminal ``run.ended`` frame; the filters ``type`` (``x.*`` matches a
prefix), ``category``, ``connectionId``, ``cursor`` (else ``Last-Event-ID``) and ``limit``; and
deterministic faults (see :class:`Run`): canned responses, dropped connections, byte-offset cuts,
stalls, gates, close-delimited bodies, raw chunks.

``drop_at_bytes`` offsets count the bytes of the event and ``run.ended`` frames of the stream
that the request's filters select from the start of the run; ``retry:`` lines and heartbeats
are not counted. Frames are built once per run, so re-sent events are byte-identical.

Example::

    with Simulator() as sim:
        sim.add_run(Run("run_1", [{"id": "e1", "type": "navigation"}]))
        requests.get(f"{sim.base_url}/v2/runs/run_1/events/stream", stream=True)
"""

from __future__ import annotations

from bctrl_tail.simulator.model import Headers, RecordedRequest, Response, Run
from bctrl_tail.simulator.replay import ReplayError, load_replay, load_replays
from bctrl_tail.simulator.scenarios import demo_run, demo_runs, generated_run, generated_runs
from bctrl_tail.simulator.server import Simulator

__all__ = [
    "Headers",
    "RecordedRequest",
    "ReplayError",
    "Response",
    "Run",
    "Simulator",
    "demo_run",
    "demo_runs",
    "generated_run",
    "generated_runs",
    "load_replay",
    "load_replays",
]
