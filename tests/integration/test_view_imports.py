"""Textual is loaded by ``-o view`` only: the other modes, --version and TAB never pay for it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import child_env

COMPLETION = {
    "_BCTRL_TAIL_COMPLETE": "complete_bash",
    "COMP_WORDS": "bctrl-tail -o ",
    "COMP_CWORD": "2",
}


def imported(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """Every module a run imports, from ``python -X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bctrl_tail", *args],
        capture_output=True,
        text=True,
        env=child_env(env),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize("mode", ["jsonl", "pretty", "table"])
def test_the_other_modes_never_import_textual(mode: str) -> None:
    modules = imported("--demo", "--demo-speed", "100", "-n", "2", "-o", mode)
    assert "bctrl_tail.tail" in modules  # the tail really ran
    assert not {m for m in modules if m.split(".")[0] == "textual"}


def test_version_and_tab_never_import_textual() -> None:
    for modules in (imported("--version"), imported(env=COMPLETION)):
        assert "bctrl_tail.cli" in modules
        assert not {m for m in modules if m.split(".")[0] == "textual"}


def test_tab_offers_view() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bctrl_tail"],
        capture_output=True,
        text=True,
        env=child_env(COMPLETION),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert "view" in proc.stdout.split()
