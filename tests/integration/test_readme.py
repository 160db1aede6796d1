"""The README's shell examples run against the simulator, and its tables match the code."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bctrl_tail.errors import ExitCode
from bctrl_tail.simulator import Simulator, demo_run
from tests.support import REPO, child_env

README = (REPO / "README.md").read_text(encoding="utf-8")
SKIP_PREFIXES = ("pip ", "pipx ", "uv ", "ruff ")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def runnable(block: str) -> str:
    """The block as a script: installs skipped (CI runs those), demos sped up, port made free."""
    lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith(SKIP_PREFIXES)]
    script = "\n".join(lines)
    script = re.sub(r"--demo(?! --demo-speed)", "--demo --demo-speed 200", script)
    return script.replace("8787", str(free_port()))


SH_BLOCKS = [b for b in blocks("sh") if runnable(b).strip()]


@pytest.fixture
def api() -> Iterator[Simulator]:
    with Simulator() as server:
        server.add_run(demo_run("run_123", speed=200))
        server.add_run(demo_run("run_456", speed=200))  # for the several-runs examples
        yield server


def run_script(script: str, api: Simulator, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = child_env({"BCTRL_API_KEY": "bctrl_readme", "BCTRL_BASE_URL": api.base_url})
    wrapped = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script
    return subprocess.run(
        ["bash", "-c", wrapped],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )


def test_the_readme_opens_with_the_two_commands() -> None:
    first = blocks("sh")[0].strip().splitlines()
    assert first == ["pip install . && bctrl-tail --demo", "pip install -e '.[test]' && pytest"]


@pytest.mark.parametrize("block", SH_BLOCKS, ids=[b.splitlines()[0][:40] for b in SH_BLOCKS])
def test_shell_examples_run(block: str, api: Simulator, tmp_path: Path) -> None:
    proc = run_script(runnable(block), api, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error:" not in proc.stderr
    json_lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    for line in json_lines:
        assert isinstance(json.loads(line), dict)
    if "jq -c" in block:
        assert json_lines, "the network recipe found no failed request in the demo"
        assert all(
            json.loads(ln)["type"] == "network.failed" or json.loads(ln).get("status") == "failed"
            for ln in json_lines
        )
    if "$RUNS" in block:  # the CI recipe: one log holding every run, counted by run
        counted = {ln.split()[1]: int(ln.split()[0]) for ln in proc.stdout.splitlines()}
        logged = (tmp_path / "events.jsonl").read_text().splitlines()
        assert counted == Counter(json.loads(line)["runId"] for line in logged)
        assert sorted(counted) == ["run_123", "run_456"]
        assert min(counted.values()) > 10
    if "--cursor-file" in block:
        cursors = json.loads((tmp_path / "run_123.cursor").read_text())["runs"]
        assert cursors["run_123"].startswith("evt_")
        assert len((tmp_path / "run_123.jsonl").read_text().splitlines()) > 10


def test_github_actions_step_runs(api: Simulator, tmp_path: Path) -> None:
    (yaml,) = blocks("yaml")
    command = re.search(r"run: (.*)", yaml)
    assert command is not None
    proc = run_script("RUN_ID=run_123\n" + command.group(1), api, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "ended: completed" in proc.stderr


def test_exit_code_table_matches_the_enum() -> None:
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {int(m) for m in re.findall(r"^\| (\d+) \|", section, flags=re.M)}
    assert codes == {int(code) for code in ExitCode}


def test_options_table_lists_every_option() -> None:
    from typer.main import get_command

    from bctrl_tail.cli import app

    section = README.split("## Options", 1)[1].split("\n## ", 1)[0]
    command = get_command(app)
    for param in command.params:
        for name in getattr(param, "opts", []):
            if name.startswith("--"):
                assert f"`{name}" in section or f", {name}" in section, name


def test_embedded_help_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "sync_readme_help.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stdout


def test_help_fits_80_columns() -> None:
    section = README.split("<!-- help:start -->", 1)[1].split("<!-- help:end -->", 1)[0]
    assert "--max-retries" in section
    assert max(len(line) for line in section.splitlines()) <= 80


def key_words(text: str) -> set[str]:
    """The key names in a key table cell: `` `k` `j`, PgUp PgDn`` gives k, j, PgUp, PgDn."""
    return {w for w in re.split(r"\s+/\s+|[\s,]+", text.replace("`", "")) if w}


def test_viewer_key_table_matches_the_help_list() -> None:
    """The README's key table and the viewer's ``?`` list name the same keys."""
    from bctrl_tail.render.view.help import KEYS

    section = README[README.index("- **view**") : README.index("- **jsonl**")]
    rows = re.findall(r"^\s*\| (.+?) \| .+ \|$", section, flags=re.M)
    documented = set().union(*(key_words(key) for key in rows if key not in ("key", "---")))
    listed = set().union(*(key_words(key) for key, _ in KEYS))
    assert documented == listed


def test_simulator_section_names_every_option() -> None:
    from bctrl_tail.simulator.__main__ import build_parser

    section = README.split("## The simulator", 1)[1].split("\n## ", 1)[0]
    names = [
        name
        for action in build_parser()._actions
        for name in action.option_strings
        if name.startswith("--") and name != "--help"
    ]
    assert "--replay" in names
    missing = [name for name in names if f"`{name}" not in section]
    assert not missing


def test_the_dedupe_command_for_a_resume_after_kill_9(api: Simulator, tmp_path: Path) -> None:
    """The cursor file section's jq command, on what a resume after SIGKILL appends: the
    events after the last save a second time. It keeps each event once, in order."""
    command = re.search(r"`(jq -c -n 'foreach [^`]*run_123\.jsonl)`", README)
    assert command is not None
    recipe = "bctrl-tail run_123 --cursor-file run_123.cursor -o jsonl >> run_123.jsonl"
    assert recipe in README
    first = run_script(recipe, api, tmp_path)
    assert first.returncode == 0, first.stderr
    ids = [json.loads(line)["id"] for line in (tmp_path / "run_123.jsonl").open()]
    cursor = tmp_path / "run_123.cursor"
    saved = json.loads(cursor.read_text(encoding="utf-8"))
    assert saved["runs"]["run_123"] == ids[-1]
    saved["runs"]["run_123"] = ids[len(ids) // 2]  # the file a second behind, as SIGKILL leaves it
    cursor.write_text(json.dumps(saved), encoding="utf-8")
    again = run_script(recipe, api, tmp_path)
    assert again.returncode == 0, again.stderr
    appended = [json.loads(line)["id"] for line in (tmp_path / "run_123.jsonl").open()]
    assert appended == ids + ids[len(ids) // 2 + 1 :]  # shown again: twice in the file
    deduped = run_script(command.group(1), api, tmp_path)
    assert deduped.returncode == 0, deduped.stderr
    assert [json.loads(line)["id"] for line in deduped.stdout.splitlines()] == ids
