"""jsonl: one compact JSON object per line; nothing else on stdout."""

from __future__ import annotations

import json

from bctrl_tail.events import RunEvent
from bctrl_tail.render.buffered import BufferedRenderer


def encode_line(event: RunEvent) -> bytes:
    """UTF-8 bytes of the event's line; lone surrogates fall back to \\u escapes."""
    try:
        return (event.text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(event.data, ensure_ascii=True, separators=(",", ":"))
        return (text + "\n").encode("ascii")


class JsonlRenderer(BufferedRenderer):
    def on_event(self, event: RunEvent) -> None:
        self._pending.append(encode_line(event))
