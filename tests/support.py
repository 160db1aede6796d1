"""Helpers for tests that run the installed CLI as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KEY = "bctrl_test_secret_key_0123456789"


def cli_command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).with_name("bctrl-tail")
    if script.exists():
        return [str(script)]
    found = shutil.which("bctrl-tail")
    return [found] if found else [sys.executable, "-m", "bctrl_tail"]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """stdout split on \n only: U+2028 inside a JSON string is not a line break."""
        return self.stdout.split("\n")[:-1] if self.stdout else []


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BCTRL_")}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(extra or {})
    return env


def run_cli(
    *args: str, key: str | None = KEY, env: dict[str, str] | None = None, timeout: float = 30
) -> Result:
    """Run bctrl-tail as a subprocess and wait for it (bounded)."""
    extra = dict(env or {})
    if key is not None:
        extra.setdefault("BCTRL_API_KEY", key)
    proc = subprocess.run(
        [*cli_command(), *args],
        capture_output=True,
        text=True,
        env=child_env(extra),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def saved_cursor(path: Path, run_id: str) -> str | None:
    """The id a --cursor-file holds for ``run_id``; None when there is no file or entry yet."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    assert document["format"] == "bctrl-tail.cursor/1"
    cursor = document["runs"].get(run_id)
    return cursor if isinstance(cursor, str) else None
