"""The viewer in a real pseudo-terminal: the installed CLI against the simulator, driven by keys.

The bytes read from the pty master are replayed through pyte (a VT100 emulator) to see the
screen; what the viewer leaves on the normal screen is what follows its last alternate-screen
exit. Every escape sequence written is checked against the few kinds Textual uses, so nothing a
server sends reaches the terminal.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest

from bctrl_tail.simulator import Run, Simulator
from tests.integration.test_pty import (
    BIDI,
    C1_CSI,
    CLEAR,
    CLIPBOARD,
    MARKUP,
    TIME,
    Child,
    hostile_events,
)
from tests.support import saved_cursor

ROWS, COLS = 30, 120
ALT_ON, ALT_OFF = "\x1b[?1049h", "\x1b[?1049l"
# What Textual writes: SGR, cursor position, DEC private modes (set, reset, query), the kitty
# keyboard protocol push/pop, and OSC 22 (pointer shape). Nothing else may appear.
VIEW_CONTROLS = re.compile(
    r"\x1b\[[0-9;]*m|\x1b\[\d+;\d+H|\x1b\[\?\d+[hl]|\x1b\[\?\d+\$p|\x1b\[[<>]\d*u"
    r"|\x1b\]22;[a-z-]+\x07"
)
ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|.)", re.S)


def events(n: int, *, failures: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        failed = i in failures
        out.append(
            {
                "id": f"e{i}",
                "type": "network.failed" if failed else "network.request",
                "status": "failed" if failed else "ok",
                "time": TIME,
                "message": f"message {i}",
                "data": {"detail": f"detail of {i}"},
            }
        )
    return out


class View:
    """The CLI on a pty, with a screen kept up to date from everything it wrote."""

    def __init__(self, child: Child, rows: int = ROWS, cols: int = COLS) -> None:
        self.child = child
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self._fed = 0

    def text(self) -> str:
        output = self.child.output
        self.stream.feed(output[self._fed :])
        self._fed = len(output)
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, pattern: str, *, absent: str = "", timeout: float = 8.0) -> str:
        """Wait until the screen shows ``pattern`` (a regex), and not ``absent``; return it."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.text()
            if re.search(pattern, shown) and not (absent and re.search(absent, shown)):
                return shown
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} never shown; the screen:\n{shown}")
            self.read(min(left, 0.5))

    def read(self, timeout: float) -> None:
        """Wait up to ``timeout`` for more output, then take all there is (kept in
        ``child.output``): a viewer blocked on a full pty would not see the keys sent."""
        proc = self.child.proc
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            proc.read_nonblocking(1 << 16, timeout)
            while True:
                proc.read_nonblocking(1 << 16, 0.01)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.child.proc.send(key)

    def escape(self, then: str) -> str:
        """Esc, alone: wait until the screen shows ``then`` before another key may follow
        (an Esc followed at once by a key reads as Alt and that key)."""
        self.child.proc.send("\x1b")
        return self.wait_for(then)

    def after(self) -> str:
        """What was written on the normal screen once the viewer closed (terminal modes put
        back by Textual left out)."""
        return VIEW_CONTROLS.sub("", self.child.output.decode().rsplit(ALT_OFF, 1)[1])


Spawn = Callable[..., View]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    views: list[View] = []

    def start(*args: str, rows: int = ROWS, cols: int = COLS, **kwargs: Any) -> View:
        view = View(Child(*args, rows=rows, cols=cols, **kwargs), rows, cols)
        views.append(view)
        return view

    yield start
    for view in views:
        view.child.kill()


def assert_inert(output: bytes) -> str:
    text = output.decode("utf-8")
    for bad in (CLEAR, "\x1b]0;", "\x1b]52", "\x9b", BIDI, "\u202c"):
        assert bad not in text, f"{bad!r} reached the terminal"
    for seq in ESCAPES.findall(text):
        assert VIEW_CONTROLS.fullmatch(seq), f"unexpected escape sequence {seq!r}"
    return text


def test_auto_with_a_terminal_on_stdin_is_the_viewer_and_q_leaves_it(
    sim: Simulator, spawn: Spawn
) -> None:
    sim.add_run(Run("run_1", events(3), end_status=None, hold_open=True, heartbeat=0.2))
    view = spawn("run_1", "--base-url", sim.base_url, "--time-format", "utc")
    view.wait_for(r"run run_1  live  3 events")
    view.wait_for(r"message 2")
    view.wait_for(r"q quit")  # the footer names the keys
    view.keys("q")
    assert view.child.finish() == 0
    assert view.child.output.count(ALT_ON.encode()) >= 1
    # nothing failed; the run did not end: where it could resume, as after Ctrl-C
    assert view.after().strip() == "bctrl-tail: stopped: 3 events shown, 0 reconnects, last id e2"


def test_auto_with_stdin_from_devnull_is_the_table(sim: Simulator) -> None:
    sim.add_run(Run("run_1", events(3)))
    child = Child("run_1", "--base-url", sim.base_url, stdin_null=True)
    assert child.finish() == 0
    text = child.output.decode()
    assert ALT_ON not in text
    assert "3 events shown" in text


def test_keys_end_to_end_and_the_summary_left_on_the_normal_screen(
    sim: Simulator, spawn: Spawn
) -> None:
    sim.add_run(
        Run(
            "run_1",
            events(40, failures=(5, 30)),
            end_status="failed",
            failure={"code": "runtime.crashed", "message": "out of memory"},
        )
    )
    view = spawn("run_1", "--base-url", sim.base_url, "--exit-status", "--time-format", "utc")
    # the run ended, and the viewer stays open saying so
    view.wait_for(r"ended: failed  40 events")
    view.wait_for(r"message 39")
    # Enter: the selected (newest) event's whole JSON; Esc goes back
    view.keys("\r")
    shown = view.wait_for(r'"detail": "detail of 39"')
    assert '"id": "e39"' in shown
    view.escape(then=r"time\s+category")
    # /: a filter line that says what it is, applied as typed, kept with Enter
    view.keys("/")
    view.wait_for(r"\n filter: text in the event JSON \(Enter keeps, Esc clears\)")
    view.keys("message 1")
    view.wait_for(r"\n filter: message 1\s*\n.*keep filter")
    view.keys("\r")
    view.wait_for(r'11 shown  filter "message 1"', absent=r"\n filter: ")
    view.wait_for(r"message 19", absent=r"message 2\d")
    view.keys("/")
    view.wait_for(r"esc clear")
    view.escape(then=r"ended: failed  40 events\s*\n network 40")  # Esc clears it
    # f: failures only
    view.keys("f")
    view.wait_for(r"2 shown  failures only")
    view.wait_for(r"message 5\b[\s\S]*message 30", absent=r"message 6\b")
    view.keys("q")
    assert view.child.finish() == 3  # --exit-status after a failure
    after = view.after()
    assert "2 failures seen:" in after
    assert re.search(r"network/network\.failed.*failed.*message 5", after)
    assert re.search(r"network/network\.failed.*failed.*message 30", after)
    assert "bctrl-tail: run run_1 ended: failed (runtime.crashed: out of memory)" in after


def test_esc_and_q_in_one_burst_leave_the_detail_and_quit(sim: Simulator, spawn: Spawn) -> None:
    """A terminal sends Alt+q as Esc q: Esc and q written together must still quit."""
    sim.add_run(Run("run_1", events(3), end_status=None, hold_open=True, heartbeat=0.2))
    view = spawn("run_1", "--base-url", sim.base_url)
    view.wait_for(r"message 2")
    view.keys("\r")
    view.wait_for(r'"detail": "detail of 2"')
    view.keys("\x1bq")  # one write: Textual reads it as Alt+q
    assert view.child.finish() == 0


def test_r_shows_one_run_of_several_and_the_header_sums_their_states(
    sim: Simulator, spawn: Spawn
) -> None:
    for run_id in ("run_a", "run_b"):
        run_events = [dict(e, message=f"{run_id} {e['message']}") for e in events(3)]
        sim.add_run(Run(run_id, run_events, end_status=None, hold_open=True, heartbeat=0.2))
    view = spawn("run_a", "run_b", "--base-url", sim.base_url)
    view.wait_for(r"runs run_a, run_b  2 live  6 events")  # as the table says it
    view.wait_for(r"run_a message 2[\s\S]*run_b message 2|run_b message 2[\s\S]*run_a message 2")
    view.wait_for(r"r run")  # the footer names the key
    view.keys("r")  # the runs in the order their first events came: either may be first
    first = re.search(r"3 shown  only run (run_[ab])", view.wait_for(r"3 shown  only run run_"))
    assert first is not None
    other = "run_b" if first[1] == "run_a" else "run_a"
    view.wait_for(rf"3 shown  only run {first[1]}", absent=rf"{other} message")
    view.keys("r")
    view.wait_for(rf"3 shown  only run {other}", absent=rf"{first[1]} message")
    view.keys("r")
    view.wait_for(r"runs run_a, run_b  2 live  6 events\s*\n network 6")  # all again
    view.keys("q")
    assert view.child.finish() == 0


def test_max_events_closes_the_viewer_at_once(sim: Simulator, spawn: Spawn) -> None:
    sim.add_run(Run("run_1", events(10), end_status=None, hold_open=True, heartbeat=0.2))
    view = spawn("run_1", "--base-url", sim.base_url, "-n", "4")
    assert view.child.finish() == 0
    assert ALT_OFF in view.child.output.decode()  # the terminal was restored
    assert "stopping after 4 events (--max-events)" in view.after()


def test_an_error_closes_the_viewer_with_its_message(sim: Simulator, spawn: Spawn) -> None:
    view = spawn("run_missing", "--base-url", sim.base_url)
    assert view.child.finish() == 5
    assert "error:" in view.after()
    assert "Traceback" not in view.child.output.decode()


def test_hostile_event_text_is_inert_in_the_rows_and_in_the_detail(
    sim: Simulator, spawn: Spawn
) -> None:
    sim.add_run(Run("run_1", hostile_events(), end_status=None, hold_open=True, heartbeat=0.2))
    view = spawn("run_1", "--base-url", sim.base_url, cols=200)
    view.wait_for(r"4 events")
    view.wait_for(re.escape(MARKUP))  # markup shows literally
    view.keys("k", "k", "k", "\r")  # the first event: every field hostile
    view.wait_for(r'"id": "e1"')
    # the detail shows what came, escaped, and markup literally
    view.wait_for(re.escape("\\u001b]52;c;aGVsbG8=\\u0007"))
    view.wait_for(re.escape(MARKUP))
    view.escape(then=r"time\s+category")
    view.keys("q")
    assert view.child.finish() == 0
    assert_inert(view.child.output)
    for text in (CLIPBOARD, C1_CSI):
        assert text not in view.child.output.decode()


def test_ctrl_c_exits_130_and_sigterm_143_restoring_the_terminal(
    sim: Simulator, spawn: Spawn
) -> None:
    for send, code in ((lambda v: v.keys("\x03"), 130), (lambda v: v.child.proc.kill(15), 143)):
        run_id = f"run_{code}"
        sim.add_run(Run(run_id, events(3), end_status=None, hold_open=True, heartbeat=0.2))
        view = spawn(run_id, "--base-url", sim.base_url)
        view.wait_for(r"3 events")
        send(view)
        assert view.child.finish() == code
        word = "interrupted" if code == 130 else "terminated"
        assert f"bctrl-tail: {word}: 3 events shown" in view.after()
        assert view.child.output.decode().count(ALT_OFF) >= 1


def test_resize_redraws_at_the_new_width(sim: Simulator, spawn: Spawn) -> None:
    sim.add_run(Run("run_1", events(3), end_status=None, hold_open=True, heartbeat=0.2))
    view = spawn("run_1", "--base-url", sim.base_url)
    view.wait_for(r"time\s+category\s+type\s+status\s+summary")
    view.child.proc.setwinsize(ROWS, 60)
    view.screen.resize(ROWS, 60)
    view.wait_for(r"time\s+type\s+status\s+summary")  # the category gave way
    view.keys("q")
    assert view.child.finish() == 0


@pytest.mark.parametrize("ended", [False, True], ids=["live", "ended"])
def test_ctrl_z_suspends_and_fg_resumes(sim: Simulator, spawn: Spawn, ended: bool) -> None:
    if ended:
        sim.add_run(Run("run_1", events(3)))
    else:
        sim.add_run(Run("run_1", events(3), end_status=None, hold_open=True, heartbeat=0.2))
    view = spawn("run_1", "--base-url", sim.base_url)
    view.wait_for(r"ended: completed" if ended else r"3 events")
    view.keys("\x1a")
    pid = view.child.proc.pid
    # the output is read meanwhile, as a terminal would: Textual's suspend waits until all it
    # wrote is taken, and a full pty (about 20 KB here) would hold it back for ever
    wait_until(lambda: process_state(pid) == "T", "the process stopped (state T)", view)
    wait_until(lambda: not resumed(view), "the normal screen given back", view)
    view.text()
    view.screen.reset()  # a terminal shows a blank alternate screen when it is entered again
    os.kill(pid, signal.SIGCONT)
    wait_until(lambda: resumed(view), "the viewer's screen entered again", view)
    shown = view.wait_for(r"time\s+category\s+type\s+status\s+summary")  # the column names
    view.wait_for(r"detail\s+q quit\s+\? keys")  # and the footer: the whole screen is back
    assert "3 events" in shown and "message 2" in shown
    view.keys("q")
    assert view.child.finish() == 0


def resumed(view: View) -> bool:
    """The viewer's screen is up (its last alternate-screen switch was on, not off)."""
    text = view.child.output.decode()
    return text.rfind(ALT_ON) > text.rfind(ALT_OFF)


def process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def wait_until(
    condition: Callable[[], bool], what: str, view: View | None = None, timeout: float = 15.0
) -> None:
    """Wait for ``condition``; with a ``view``, take what it writes meanwhile (a viewer that
    cannot write blocks, as it would on a terminal that is not read)."""
    done = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not met within {timeout}s: {what}")
        if view is None:
            done.wait(0.05)
        else:
            view.read(0.05)


def test_no_color_writes_no_colour(sim: Simulator, spawn: Spawn) -> None:
    sim.add_run(Run("run_1", events(3, failures=(1,)), end_status=None, hold_open=True))
    view = spawn("run_1", "--base-url", sim.base_url, extra_env={"NO_COLOR": "1"})
    view.wait_for(r"3 events")
    view.keys("q")
    assert view.child.finish() == 0
    params = {
        int(p)
        for sgr in re.findall(r"\x1b\[([0-9;]*)m", view.child.output.decode().split(ALT_OFF)[0])
        for p in sgr.split(";")
        if p
    }
    assert not params & (set(range(30, 39)) | set(range(40, 49)) | set(range(90, 108)))


def test_view_needs_a_terminal_on_stdin(sim: Simulator) -> None:
    child = Child("run_1", "--base-url", sim.base_url, "-o", "view", stdin_null=True)
    assert child.finish() == 2
    assert "-o view needs a terminal" in child.output.decode()


def test_timeout_closes_the_viewer_at_once_with_124(sim: Simulator, spawn: Spawn) -> None:
    sim.add_run(Run("run_1", events(2), end_status=None, hold_open=True, heartbeat=0.2))
    # long enough for a loaded machine to draw the rows first (1.5 s was not, under CI load)
    view = spawn("run_1", "--base-url", sim.base_url, "--timeout", "5")
    view.wait_for(r"2 events")
    assert view.child.finish() == 124
    assert "--timeout 5s elapsed" in view.after()


def test_the_cursor_file_is_saved_when_the_runs_end_while_the_viewer_stays_open(
    sim: Simulator, spawn: Spawn, tmp_path: Path
) -> None:
    # saved once when e0 arrived (a save is due at most once a second); e2 comes later
    sim.add_run(Run("run_1", events(3), delays=[0.0, 0.0, 0.5]))
    cursor = tmp_path / "cursor"
    view = spawn("run_1", "--base-url", sim.base_url, "--cursor-file", str(cursor))
    view.wait_for(r"ended: completed")
    wait_until(lambda: saved_cursor(cursor, "run_1") == "e2", "saved before q is pressed", view)
    assert view.child.proc.isalive()
    view.keys("q")
    assert view.child.finish() == 0


def test_closing_the_terminal_exits_129_and_saves_the_cursor_file(
    sim: Simulator, spawn: Spawn, tmp_path: Path
) -> None:
    sim.add_run(Run("run_1", events(3), end_status=None, hold_open=True, heartbeat=0.2))
    cursor = tmp_path / "cursor"
    view = spawn("run_1", "--base-url", sim.base_url, "--cursor-file", str(cursor))
    view.wait_for(r"3 events")
    terminal = view.child.proc.ptyproc
    terminal.fileobj.close()  # the terminal window closed: the kernel sends SIGHUP
    wait_until(lambda: not terminal.isalive(), "the viewer ended with its terminal")
    assert (terminal.exitstatus, terminal.signalstatus) == (129, None)
    assert saved_cursor(cursor, "run_1") == "e2"
