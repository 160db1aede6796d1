"""raw: the SSE frames as received (line endings normalised to \\n), comments included."""

from __future__ import annotations

from bctrl_tail.events import RunEvent
from bctrl_tail.render.buffered import BufferedRenderer
from bctrl_tail.sse import Frame


class RawRenderer(BufferedRenderer):
    def on_frame(self, frame: Frame) -> None:
        self._pending.append(frame.raw)

    def on_event(self, event: RunEvent) -> None:
        self._pending.append(event.raw)
