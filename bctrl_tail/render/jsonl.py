"""jsonl: one compact JSON object per line; nothing else on stdout."""

from __future__ import annotations

import re
from typing import BinaryIO

from bctrl_tail.events import RunEvent
from bctrl_tail.jsontext import text_line
from bctrl_tail.render.buffered import BufferedRenderer

# Characters a terminal may act on (C1 controls such as the one-character CSI, bidi overrides)
# can only sit inside JSON strings, where \uXXXX says the same thing.
_TERMINAL_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def with_run_id(event: RunEvent) -> RunEvent:
    """The event with ``"runId"`` added last when its object has none, so that the lines of
    several runs say which run each is from."""
    if "runId" in event.data:
        return event
    return RunEvent(event.id, {**event.data, "runId": event.run_id}, event.run_id)


class JsonlRenderer(BufferedRenderer):
    """On a terminal, characters the terminal would act on are written as \\u escapes: the
    same JSON, but nothing a server sends can reorder or restyle the screen. With
    ``run_ids`` (several runs are followed), an object without ``runId`` gets its run's."""

    def __init__(self, out: BinaryIO, *, terminal: bool = False, run_ids: bool = False) -> None:
        super().__init__(out)
        self._terminal = terminal
        self._run_ids = run_ids

    def on_event(self, event: RunEvent) -> None:
        if self._run_ids:
            event = with_run_id(event)
        if not self._terminal:
            self._pending.append(event.line())
            return
        text = event.text
        if _TERMINAL_UNSAFE.search(text):
            text = _TERMINAL_UNSAFE.sub(_escape, text)
        self._pending.append(text_line(text, event.data))
