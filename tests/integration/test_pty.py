"""The human modes in a real pseudo-terminal: the installed CLI against the simulator.

What is asserted on is the byte stream read from the pty master, replayed through ``Screen``,
a small terminal emulator that knows exactly the control sequences rich's live display uses and
fails on any other: so these tests also prove that nothing else reaches the terminal.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pexpect
import pytest

from bctrl_tail.simulator import Response, Run, Simulator
from tests.support import KEY, child_env, cli_command

ROWS, COLS = 24, 120
TIME = "2026-06-25T12:00:00.000Z"
TIMEOUT = 8  # seconds: a generous bound for any single wait; the tests take about 1 s each

SGR = r"\x1b\[[0-9;]*m"
# What rich's live display writes: SGR, erase line, cursor up, hide/show cursor.
TABLE_CONTROLS = re.compile(rf"{SGR}|\x1b\[2K|\x1b\[\d*A|\x1b\[\?25[lh]")
PRETTY_CONTROLS = re.compile(SGR)  # pretty: colour only, no cursor movement
# Any escape sequence: CSI, OSC/DCS/SOS/PM/APC strings, or ESC and one more character.
ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|.)", re.S)

CLEAR = "\x1b[2J"
TITLE = "\x1b]0;title\x07"
CLIPBOARD = "\x1b]52;c;aGVsbG8=\x07"  # OSC 52: write "hello" to the clipboard
C1_CSI = "\u009b31m"
BIDI = "\u202e"
MARKUP = "[bold red]x[/]"


class Screen:
    """Just enough of a VT100 to replay what rich's ``Live`` writes, at a fixed size.

    Printable characters (each one column wide, which holds for the text used here), CR, LF with
    scrolling into ``history``, autowrap, cursor up (stopping at the top row as a terminal does),
    erase line, SGR and cursor visibility (both ignored). Anything else raises AssertionError.
    """

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self.history: list[str] = []
        self.grid = [[" "] * cols for _ in range(rows)]
        self.y = self.x = 0

    def feed(self, data: bytes) -> Screen:
        text = data.decode("utf-8")  # strict: the output must be valid UTF-8
        pos = 0
        while pos < len(text):
            char = text[pos]
            if char == "\x1b":
                match = ESCAPES.match(text, pos)
                assert match is not None, f"truncated escape sequence at {text[pos : pos + 20]!r}"
                self._control(match.group())
                pos = match.end()
                continue
            if char == "\r":
                self.x = 0
            elif char == "\n":
                self._line_feed()
            else:
                assert char.isprintable(), f"control character {char!r} written to the terminal"
                self._put(char)
            pos += 1
        return self

    def _control(self, seq: str) -> None:
        if re.fullmatch(SGR, seq) or seq in ("\x1b[?25l", "\x1b[?25h"):
            return
        if seq == "\x1b[2K":
            self.grid[self.y] = [" "] * self.cols
            return
        up = re.fullmatch(r"\x1b\[(\d*)A", seq)
        assert up is not None, f"unexpected escape sequence {seq!r} written to the terminal"
        self.y = max(self.y - int(up.group(1) or 1), 0)
        self.x = min(self.x, self.cols - 1)

    def _put(self, char: str) -> None:
        if self.x >= self.cols:  # pending wrap: the previous character filled the line
            self.x = 0
            self._line_feed()
        self.grid[self.y][self.x] = char
        self.x += 1

    def _line_feed(self) -> None:
        if self.y == self.rows - 1:
            self.history.append("".join(self.grid.pop(0)).rstrip())
            self.grid.append([" "] * self.cols)
        else:
            self.y += 1

    @property
    def lines(self) -> list[str]:
        """Scrollback then the screen, right-stripped, without the blank lines at the end."""
        lines = self.history + ["".join(row).rstrip() for row in self.grid]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def env(**extra: str) -> dict[str, str]:
    out = child_env({"BCTRL_API_KEY": KEY, "TERM": "xterm-256color", **extra})
    for name in ("COLUMNS", "LINES"):  # rich prefers these to the pty's real size
        out.pop(name, None)
    return out


class Child:
    """The CLI on a pty (stdin, stdout and stderr), with everything it wrote kept in ``output``."""

    def __init__(
        self,
        *args: str,
        rows: int = ROWS,
        cols: int = COLS,
        extra_env: dict[str, str] | None = None,
        stdin_null: bool = False,
    ) -> None:
        self.log = io.BytesIO()
        cmd = cli_command()
        self.proc = pexpect.spawn(
            cmd[0],
            [*cmd[1:], *args],
            env=env(**(extra_env or {})),
            dimensions=(rows, cols),
            timeout=TIMEOUT,
            preexec_fn=stdin_from_devnull if stdin_null else None,
        )
        self.proc.logfile_read = self.log

    def expect(self, pattern: str) -> None:
        """Wait for a regex (on the raw bytes, escapes included)."""
        self.proc.expect(pattern.encode())

    def finish(self) -> int:
        """Wait for the exit; return the exit status (or 128 + signal)."""
        self.proc.expect(pexpect.EOF)
        self.proc.close()
        if self.proc.signalstatus is not None:
            return 128 + int(self.proc.signalstatus)
        return int(self.proc.exitstatus)

    @property
    def output(self) -> bytes:
        return self.log.getvalue()

    def kill(self) -> None:
        if self.proc.isalive():
            self.proc.terminate(force=True)


def stdin_from_devnull() -> None:
    """In the child before exec: stdin from /dev/null, stdout and stderr still the pty."""
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)


Spawn = Callable[..., Child]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start the CLI on a pty (``Child``'s arguments); whatever still runs is killed after."""
    children: list[Child] = []

    def start(*args: str, **kwargs: Any) -> Child:
        child = Child(*args, **kwargs)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()


def events(n: int) -> list[dict[str, Any]]:
    types = ["navigation", "network.request", "console.message", "network.failed", "tool.call"]
    return [
        {"id": f"e{i}", "type": types[i % len(types)], "time": TIME, "message": f"message {i}"}
        for i in range(n)
    ]


def hostile_events() -> list[dict[str, Any]]:
    """Every field a human mode shows carries escape sequences, C1, bidi and rich markup."""
    evs: list[dict[str, Any]] = [
        {
            "id": "e1",
            "type": f"console.log{CLEAR}{TITLE}",
            "category": f"console{CLIPBOARD}",
            "name": f"name {MARKUP} {CLIPBOARD}",
            "status": f"ok{C1_CSI}",
        },
        {"id": "e2", "type": "network.request", "message": f"msg {BIDI}{TITLE} {MARKUP}"},
        {
            "id": "e3",
            "type": f"agent{C1_CSI}.note",
            "data": {"text": f"{CLIPBOARD}{CLEAR} {MARKUP}"},
        },
        {"id": "e4", "type": "tool.call", "title": f"{BIDI}title {MARKUP}{CLEAR}", "status": TITLE},
    ]
    return [{**event, "time": TIME} for event in evs]


def assert_only(controls: re.Pattern[str], output: bytes) -> str:
    """No sequence from the server is in ``output``; every escape in it is one of ``controls``."""
    text = output.decode("utf-8")
    for bad in (CLEAR, "\x1b]0;title", "\x1b]52", "\x1b]", "\x07", "\x9b", BIDI):
        assert bad not in text, f"{bad!r} reached the terminal"
    for seq in ESCAPES.findall(text):
        assert controls.fullmatch(seq), f"unexpected escape sequence {seq!r}"
    return text


def header(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("run run_1")]


# -- table --------------------------------------------------------------------------------------


def test_auto_with_stdin_not_a_terminal_is_a_live_table_that_stays(
    sim: Simulator, spawn: Spawn
) -> None:
    gate = threading.Event()
    sim.add_run(Run("run_1", events(5), gate=gate))
    child = spawn("run_1", "--base-url", sim.base_url, "--time-format", "utc", stdin_null=True)
    child.expect("connecting")
    child.expect(r"live\S*  \S*1 event shown")
    child.expect("message 0")
    gate.set()
    assert child.finish() == 0
    assert_only(TABLE_CONTROLS, child.output)
    lines = Screen(ROWS, COLS).feed(child.output).lines
    # one screen: every redraw replaced the previous one, and nothing was written after it
    assert len(header(lines)) == 1, lines
    assert lines[0].split() == ["run", "run_1", "ended:", "completed", "5", "events", "shown"]
    assert lines[1].split() == ["network", "2", "console", "1", "tool", "1", "browser", "1"]
    assert lines[2].split() == ["time", "category", "type", "status", "summary"]
    assert set(lines[3]) == {"─"}
    rows = [line.split() for line in lines[4:9]]
    # a type that repeats its category is shortened: the category column says the rest
    assert [row[2] for row in rows] == [
        "navigation", ".request", ".message", ".failed", ".call"
    ]  # fmt: skip
    assert [row[0] for row in rows] == ["12:00:00.000Z"] * 5
    assert [" ".join(row[-2:]) for row in rows] == [f"message {i}" for i in range(5)]
    assert lines[9:] == ["bctrl-tail: run run_1 ended: completed, 5 events shown"]  # stderr


def test_reconnecting_and_a_failed_end_in_red(sim: Simulator, spawn: Spawn) -> None:
    sim.add_run(
        Run(
            "run_1",
            events(2),
            end_status="failed",
            failure={"code": "runtime.crashed", "message": "out of memory"},
            responses=[Response(503, headers={"Retry-After": "1"})],
        )
    )
    child = spawn("run_1", "--base-url", sim.base_url, "--exit-status", "-o", "table")
    child.expect(r"reconnecting in [12]s \(HTTP 503")
    assert child.finish() == 3
    text = assert_only(TABLE_CONTROLS, child.output)
    assert re.search(r"\x1b\[(?:[0-9;]*;)?31(?:;[0-9;]*)?mended: failed", text), "not red"
    lines = Screen(ROWS, COLS).feed(child.output).lines
    assert len(header(lines)) == 1
    assert "ended: failed  2 events shown" in lines[0]
    assert lines[-1] == (
        "bctrl-tail: run run_1 ended: failed (runtime.crashed: out of memory), "
        "2 events shown, 1 reconnect"
    )


def test_the_table_follows_a_resize(sim: Simulator, spawn: Spawn) -> None:
    gate = threading.Event()
    sim.add_run(Run("run_1", events(12), gate=gate))
    child = spawn("run_1", "--base-url", sim.base_url, "-o", "table")
    child.expect("message 0")
    child.proc.setwinsize(10, 60)  # SIGWINCH
    # redrawn at 60 columns although no event arrives: the rule is now exactly 60 wide
    child.expect("\n(?:\x1b\\[2m)?" + "─" * 60 + "(?:\x1b\\[0m)?\r")
    gate.set()
    assert child.finish() == 0
    assert_only(TABLE_CONTROLS, child.output)
    final = child.output.decode().rsplit("\x1b[2K", 1)[1]  # the last frame and what follows
    lines = Screen(10, 60).feed(final.encode()).lines
    assert lines[0].startswith("run run_1  ended: completed  12 events shown")
    assert all(len(line) <= 60 for line in lines)
    assert len(lines) == 10  # 9 lines of table (5 rows fit) and the end-of-run line
    assert lines[4].endswith("message 7")
    assert lines[8].endswith("message 11")


def test_ctrl_c_keeps_the_last_screen_and_exits_130(sim: Simulator, spawn: Spawn) -> None:
    sim.add_run(Run("run_1", events(3), end_status=None, hold_open=True, heartbeat=0.2))
    child = spawn("run_1", "--base-url", sim.base_url, "-o", "table")
    child.expect(r"live\S*  \S*3 events shown")
    child.proc.sendintr()
    assert child.finish() == 130
    assert_only(TABLE_CONTROLS, child.output)
    lines = Screen(ROWS, COLS).feed(child.output).lines
    assert len(header(lines)) == 1
    assert lines[0].startswith("run run_1  interrupted  3 events shown")
    assert lines[-1] == "bctrl-tail: interrupted: 3 events shown, 0 reconnects, last id e2"


# -- pretty -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "extra_env", "coloured"),
    [
        ((), {}, True),
        (("--color", "never"), {}, False),
        ((), {"NO_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
    ],
    ids=["default", "color-never", "NO_COLOR", "always-beats-NO_COLOR"],
)
def test_pretty_on_a_terminal(
    sim: Simulator, spawn: Spawn, args: tuple[str, ...], extra_env: dict[str, str], coloured: bool
) -> None:
    sim.add_run(Run("run_1", events(4)))
    child = spawn("run_1", "--base-url", sim.base_url, "-o", "pretty", *args, extra_env=extra_env)
    assert child.finish() == 0
    text = assert_only(PRETTY_CONTROLS, child.output)
    assert ("\x1b[" in text) is coloured
    lines = Screen(ROWS, COLS).feed(child.output).lines
    assert [line.split()[1] for line in lines[:4]] == [
        "browser/navigation", "network/network.request", "console/console.message",
        "network/network.failed"
    ]  # fmt: skip
    assert lines[4:] == ["bctrl-tail: run run_1 ended: completed, 4 events shown"]


# -- hostile text -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["table", "pretty"])
def test_server_escape_sequences_never_reach_the_terminal(
    sim: Simulator, spawn: Spawn, mode: str
) -> None:
    sim.add_run(Run("run_1", hostile_events()))
    child = spawn("run_1", "--base-url", sim.base_url, "-o", mode, cols=200)
    assert child.finish() == 0
    controls = TABLE_CONTROLS if mode == "table" else PRETTY_CONTROLS
    assert_only(controls, child.output)
    screen = "\n".join(Screen(ROWS, 200).feed(child.output).lines)
    assert screen.count(MARKUP) == 4  # rich markup is shown as the text it is
    if mode == "table":
        assert "ended: completed  4 events shown" in screen


def test_raw_on_a_terminal_shows_control_characters_as_escapes(
    sim: Simulator, spawn: Spawn
) -> None:
    chunks = [
        f': hi{CLEAR}\n\nid: e1\ndata: {{"m": "{CLIPBOARD}{BIDI}"}}\n\n'.encode(),
        f"event: note{TITLE}\ndata: \tx{C1_CSI}\n\n".encode(),
        b'event: run.ended\ndata: {"status":"completed"}\n\n',
    ]
    sim.add_run(Run("run_1", [], raw_chunks=chunks))
    child = spawn("run_1", "--base-url", sim.base_url, "-o", "raw", "-q", cols=200)
    assert child.finish() == 0
    text = assert_only(re.compile("(?!)"), child.output)  # no escape sequence at all
    assert text.replace("\r\n", "\n") == (  # the pty turns each newline into CR LF
        ": hi\\x1b[2J\n\n"
        'id: e1\ndata: {"m": "\\x1b]52;c;aGVsbG8=\\x07\\u202e"}\n\n'
        "event: note\\x1b]0;title\\x07\ndata: \tx\\x9b31m\n\n"
        'event: run.ended\ndata: {"status":"completed"}\n\n'
    )


def hostile_end(sim: Simulator) -> int:
    failure = {"code": f"x{CLIPBOARD}", "message": f"boom {CLEAR}{TITLE}{BIDI}"}
    sim.add_run(Run("run_1", events(1), end_status=f"failed{C1_CSI}", failure=failure))
    return 0


def hostile_error_body(sim: Simulator) -> int:
    body = {"error": f"no run {CLIPBOARD}", "code": f"x{CLEAR}", "requestId": f"r{BIDI}"}
    sim.add_run(Run("run_1", [], responses=[Response(404, body=body)]))
    return 5


def hostile_frame_id(sim: Simulator) -> int:
    chunks = [
        f"id: e{TITLE}1\ndata: not json\n\n".encode(),
        b'event: run.ended\ndata: {"status":"completed"}\n\n',
    ]
    sim.add_run(Run("run_1", [], raw_chunks=chunks))
    return 0


@pytest.mark.parametrize("serve", [hostile_end, hostile_error_body, hostile_frame_id])
def test_server_escape_sequences_on_stderr_never_reach_the_terminal(
    sim: Simulator, spawn: Spawn, serve: Callable[[Simulator], int]
) -> None:
    code = serve(sim)
    child = spawn("run_1", "--base-url", sim.base_url, "-o", "pretty")
    assert child.finish() == code
    assert_only(PRETTY_CONTROLS, child.output)


def test_auto_with_stdout_a_pipe_is_jsonl_with_the_exact_text(sim: Simulator) -> None:
    """stdin and stderr on a pty, stdout a pipe: JSON lines, hostile text kept byte for byte."""
    evs = hostile_events()
    sim.add_run(Run("run_1", evs))
    master, slave = pty.openpty()
    stderr = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the pty
                return
            if not chunk:
                return
            stderr.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    try:
        proc = subprocess.Popen(
            [*cli_command(), "run_1", "--base-url", sim.base_url],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=slave,
            env=env(),
            start_new_session=True,
        )
        os.close(slave)
        slave = -1
        reader.start()
        stdout, _ = proc.communicate(timeout=TIMEOUT)
        reader.join(TIMEOUT)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    assert proc.returncode == 0
    lines = stdout.decode("utf-8").split("\n")
    assert lines.pop() == ""
    assert [json.loads(line) for line in lines] == evs  # jq users get the exact text
    assert lines[0] == json.dumps(evs[0], ensure_ascii=False, separators=(",", ":"))
    assert "\x1b" not in stdout.decode()  # JSON escapes control characters: \u001b
    assert (
        bytes(stderr).replace(b"\r\n", b"\n")
        == b"bctrl-tail: run run_1 ended: completed, 4 events shown\n"
    )


def test_a_first_request_that_fails_shows_an_error_state_not_a_run_status(
    sim: Simulator, spawn: Spawn
) -> None:
    child = spawn("run_missing", "--base-url", sim.base_url, "-o", "table")
    assert child.finish() == 5
    assert_only(TABLE_CONTROLS, child.output)
    lines = Screen(ROWS, COLS).feed(child.output).lines
    assert len(header(lines)) == 0
    title = next(line for line in lines if line.startswith("run run_missing"))
    assert title.startswith("run run_missing  error: ")
    assert "stopped" not in title
    assert any(line.startswith("bctrl-tail: error:") for line in lines)  # and on stderr


def test_two_runs_the_final_screen_shows_each_runs_ending(sim: Simulator, spawn: Spawn) -> None:
    """The run that ends last (completed) must not hide the one that failed."""
    sim.add_run(Run("run_b", events(2), end_status="failed"))
    gate = threading.Event()
    sim.add_run(Run("run_a", events(3), gate=gate))
    child = spawn("run_a", "run_b", "--base-url", sim.base_url, "-o", "table")
    child.expect(r"1 \S*live\S*, 1 \S*ended: failed")  # while run_a is still followed
    gate.set()
    assert child.finish() == 0
    text = assert_only(TABLE_CONTROLS, child.output)
    lines = Screen(ROWS, COLS).feed(child.output).lines
    titles = [line for line in lines if line.startswith("runs ")]
    assert len(titles) == 1, lines  # one screen, redrawn in place
    assert titles[0].rstrip() == "runs ended: run_b failed, run_a completed  5 events shown"
    assert re.search(r"\x1b\[(?:[0-9;]*;)?31(?:;[0-9;]*)?mfailed", text), "not red"
    assert re.search(r"\x1b\[(?:[0-9;]*;)?32(?:;[0-9;]*)?mcompleted", text), "not green"
    assert lines[-2:] == [
        "bctrl-tail: run run_b ended: failed, 2 events shown",
        "bctrl-tail: run run_a ended: completed, 3 events shown",
    ]
