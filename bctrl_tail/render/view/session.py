"""One viewer session: the app on the main thread, the tail on its own, and how it ended.

Textual must own the main thread (it installs signal handlers and drives the terminal), so the
tail moves to a thread of its own, started before Textual is imported. What ended the session
is then handed back as the other modes would have it: the tail's exit code, its exception
re-raised (an error, ``--timeout``), or ``KeyboardInterrupt`` / ``Terminated`` / ``HungUp``
for Ctrl-C, SIGTERM and SIGHUP, so ``run.follow`` reports every way out the same in every mode.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from bctrl_tail import interrupts
from bctrl_tail.errors import ExitCode, HungUp, Terminated
from bctrl_tail.render.view.bridge import ViewRenderer
from bctrl_tail.render.view.collector import QuietCollector
from bctrl_tail.render.view.worker import TailThread, tail_body

if TYPE_CHECKING:
    from textual.driver import Driver

    from bctrl_tail.tail import Tail

JOIN_TIMEOUT = 5.0  # seconds to wait for the tail thread after the viewer closed


class TerminalOut:
    """The terminal as Textual's writer thread writes to it. That thread ends at the first
    failed write (the terminal was closed: EIO), and the app's exit then waits forever on
    its full queue, so the SIGHUP that follows never ends the tail: a write to a terminal
    that is gone is dropped instead."""

    def __init__(self, file: TextIO) -> None:
        self._file = file
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._file.write(text)
            except (OSError, ValueError):
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._file.flush()
            except (OSError, ValueError):
                self.gone = True

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return True


def stdout_driver() -> type[Driver] | None:
    """Textual draws on stderr by default; the viewer draws on stdout, the terminal that
    ``-o auto`` checked, so ``2> log`` keeps the screen and collects the messages."""
    if sys.platform == "win32":
        return None
    from textual.app import App
    from textual.drivers.linux_driver import LinuxDriver

    class StdoutDriver(LinuxDriver):
        def __init__(self, app: App[Any], **kwargs: Any) -> None:
            super().__init__(app, **kwargs)
            terminal = TerminalOut(sys.__stdout__ or sys.stdout)
            self._file = terminal  # type: ignore[assignment]  # file-like enough for Textual

    return StdoutDriver


def drive(
    renderer: object, tail: Tail, *, title: str, color: bool, run_ids: Sequence[str] = ()
) -> tuple[int, bool]:
    """Run the viewer until it closes; return the exit code, and whether ``q`` stopped the
    tail before it ended (then, as after Ctrl-C, each run's last id is worth printing); or
    raise what ended the tail.

    The tail's thread starts first, so events are read while Textual loads and the screen
    comes up (they wait in the renderer); then the app runs here, on the main thread. The
    collector is kept quiet meanwhile (``collector``: full collections stalled a flood).
    """
    if not isinstance(renderer, ViewRenderer):
        raise TypeError("the viewer needs a ViewRenderer")
    with QuietCollector() as collector:
        thread = TailThread(tail_body(tail)).start()
        from bctrl_tail.render.view.app import ViewerApp

        app = ViewerApp(
            renderer,
            title=title,
            color=color,
            tail=thread,
            driver_class=stdout_driver(),
            ready=collector.freeze,
            run_ids=run_ids,
        )
        try:
            code = app.run()
        finally:
            app.join_tail(JOIN_TIMEOUT)
            interrupts.install()  # the app's loop put the default handlers back when it closed
            renderer.finished(app.store)
    if app.reason == "interrupted":
        raise KeyboardInterrupt
    if app.reason == "terminated":
        raise Terminated
    if app.reason == "hung up":
        raise HungUp
    if app.internal_error is not None:
        raise app.internal_error
    outcome = app.outcome
    if outcome is not None and outcome.error is not None:
        raise outcome.error
    if code is None:  # the app ended without a code of ours
        return (ExitCode.FAILURE if app.return_code is None else int(app.return_code)), False
    return int(code), outcome is None
