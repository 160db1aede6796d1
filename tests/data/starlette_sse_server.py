"""A bctrl-shaped event stream served by sse-starlette on uvicorn: a server nobody on this
team wrote, for the third-party interop test. Run: python starlette_sse_server.py PORT LOG.

Serves 40 events (ids in several scripts) 40 ms apart, resuming after `cursor` or
`Last-Event-ID`, then `run.ended`. Each request is appended to LOG as one JSON line (cursor and
the raw Last-Event-ID bytes as hex), so the test can read it even after a kill -9.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator

import uvicorn
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

SCRIPTS = ["ascii", "事件", "событие", "حدث", "🎉", "Ωμέγα", "イベント", "✓"]
IDS = [f"{n:02d}-{SCRIPTS[n % len(SCRIPTS)]}" for n in range(40)]
LOG = sys.argv[2] if len(sys.argv) > 2 else "requests.jsonl"


async def stream(request: Request) -> EventSourceResponse:
    cursor = request.query_params.get("cursor")
    raw_header = dict(request.headers.raw).get(b"last-event-id", b"")
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps({"cursor": cursor, "last_event_id_hex": raw_header.hex()}) + "\n")
    resume = cursor or raw_header.decode("utf-8") or None
    start = IDS.index(resume) + 1 if resume in IDS else 0

    async def events() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(comment="hello", retry=100)
        for n in range(start, len(IDS)):
            await asyncio.sleep(0.04)
            data = {"id": IDS[n], "type": "navigation", "seq": n}
            yield ServerSentEvent(json.dumps(data), event="run.event", id=IDS[n])
        ended = {"runId": request.path_params["run_id"], "status": "completed"}
        yield ServerSentEvent(json.dumps(ended), event="run.ended")

    return EventSourceResponse(events())


app = Starlette(routes=[Route("/v2/runs/{run_id}/events/stream", stream)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
