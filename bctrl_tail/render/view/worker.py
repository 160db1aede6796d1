"""The tail's own thread, and how it ended. No Textual here: the thread starts before Textual
is even imported, so the first events are read while the screen comes up."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bctrl_tail.errors import ExitCode

if TYPE_CHECKING:
    from bctrl_tail.tail import Tail


@dataclass
class Outcome:
    """How the tail thread ended: its exit code, or the exception it raised."""

    code: int = ExitCode.OK
    error: BaseException | None = None
    stays_open: bool = False  # every run ended: keep the screen until q


def all_ended(tail: Tail) -> bool:
    """Whether the tail stopped because every followed run ended (then the viewer stays
    open), not because of ``-n`` or ``--until`` after some of them ended."""
    ended = tail.ended_runs
    config = tail.config
    run_ids = getattr(config, "run_ids", None) or (config.run_id,)  # several runs: issue 13
    return bool(ended) and len(ended) >= len(run_ids)


def tail_body(tail: Tail) -> Callable[[], Outcome]:
    """The tail thread's work: run the tail, save the cursor file, and say how it ended.

    The save is here, not only at exit: once every run ended the viewer stays open until
    ``q``, and the file must hold the last ids meanwhile (closing the terminal loses nothing).
    A failed write is reported by the save at exit."""

    def body() -> Outcome:
        try:
            code = tail.run()
        except BaseException as exc:  # handed to the main thread, which re-raises it
            return Outcome(error=exc)
        with contextlib.suppress(OSError):
            tail.cursor_file.save()
        return Outcome(code=int(code), stays_open=all_ended(tail))

    return body


class TailThread:
    """Runs ``body`` on a daemon thread; ``on_done`` hears how it ended, whether it ended
    before or after ``on_done`` was set."""

    def __init__(self, body: Callable[[], Outcome]) -> None:
        self._body = body
        self._lock = threading.Lock()
        self._done: Callable[[Outcome], object] | None = None
        self.outcome: Outcome | None = None
        self._thread = threading.Thread(target=self._run, name="tail", daemon=True)

    def start(self) -> TailThread:
        self._thread.start()
        return self

    def on_done(self, done: Callable[[Outcome], object]) -> None:
        with self._lock:
            self._done = done
            outcome = self.outcome
        if outcome is not None:
            done(outcome)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        outcome = self._body()
        with self._lock:
            self.outcome = outcome
            done = self._done
        if done is not None:
            done(outcome)
