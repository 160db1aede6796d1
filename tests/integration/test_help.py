"""--help in the shape the contract asks: RUN_ID... plainly, where to start in one panel,
defaults written one way, completion last, the exit codes at the bottom."""

from __future__ import annotations

import re
import subprocess
import sys

from bctrl_tail.errors import ExitCode
from tests.support import run_cli


def test_help_shape() -> None:
    result = run_cli("--help", env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.code == 0, result.stderr
    text = result.stdout
    assert "Usage: bctrl-tail [OPTIONS] RUN_ID..." in text
    assert "<str>" not in text and "[RUN_ID" not in text
    panels = re.findall(r"╭─ (.+?) ─", text)
    assert panels[0] == "Arguments" and panels[-1] == "Shell completion"
    start = text.split("╭─ Where to start", 1)[1].split("╰", 1)[0]
    assert [name for name in ("--cursor ", "--limit", "--cursor-file") if name in start] == [
        "--cursor ",
        "--limit",
        "--cursor-file",
    ]
    assert "[default:" not in text  # defaults are written in the help text, "(default N)"
    assert "(default 10" in text and "(default 60)" in text
    codes = text.split("Exit codes:", 1)[1]
    assert text.index("Exit codes:") > text.index("Examples:")  # at the bottom
    shown = {
        int(code)
        for line in codes.splitlines()
        for code in re.findall(r"(?:^ *|  )(\d+)  +(?=\S)", line)
    }
    assert shown == {int(code) for code in ExitCode}


USAGE_ERRORS = [
    (["--bogus", "run_1"], "unknown option --bogus (see bctrl-tail --help)"),
    (["--verbos", "run_1"], "unknown option --verbos (did you mean --verbose?)"),
    (["run_1", "--limit", "abc"], "invalid --limit 'abc': expected a whole number"),
    (["run_1", "-n", "1.5"], "invalid --max-events '1.5': expected a whole number"),
    (["run_1", "--timeout", "x"], "invalid --timeout 'x': expected a number"),
    (["run_1", "--limit"], "--limit needs a value"),
]


def test_usage_errors_are_said_in_our_words() -> None:
    """Click's sentences ('No such option … Possible options: --verbose', 'is not a valid
    int.') become one plain line in the tool's own style; the exit code is 2."""
    for args, expected in USAGE_ERRORS:
        result = run_cli(*args)
        assert result.code == ExitCode.USAGE, (args, result.stderr)
        line = result.stderr.strip()
        assert line.startswith("bctrl-tail: error: "), line
        assert expected in line, (args, line)
        assert "Possible options" not in line and "not a valid" not in line
        assert result.stdout == ""


def test_help_defers_markdown_and_tracebacks() -> None:
    """--help never loads markdown-it or pygments (a third of its start-up), and what it
    deferred still works when called."""
    from tests.integration.test_view_imports import imported

    modules = imported("--help")
    assert "typer.rich_utils" in modules  # the rich help really ran
    assert not {m for m in modules if m.split(".")[0] in ("markdown_it", "pygments")}
    script = (
        "import sys\n"
        "from bctrl_tail.helpimports import import_rich_help\n"
        "import_rich_help()\n"
        "from typer import rich_utils\n"
        "assert 'rich.markdown' not in sys.modules\n"
        "from rich.markdown import Markdown\n"
        "assert isinstance(rich_utils.Markdown('*x*'), Markdown)\n"
        "from rich.traceback import Traceback\n"
        "assert rich_utils.Traceback is not Traceback\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.stdout == "ok\n", proc.stderr
