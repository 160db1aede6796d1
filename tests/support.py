"""Helpers for tests that run this checkout's CLI as a subprocess.

Every child runs this checkout's code under the interpreter running the tests: the CLI is
started as ``sys.executable -m bctrl_tail`` with the checkout first on PYTHONPATH, and a shell
that types ``bctrl-tail`` finds a shim that does the same. A different bctrl-tail installed
elsewhere on PATH can neither make these tests pass nor make them fail.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
KEY = "bctrl_test_secret_key_0123456789"

# What the environment of a test (and of its children) never inherits from the developer's.
CLEARED_PREFIXES = ("BCTRL_",)
CLEARED_NAMES = (
    "NO_COLOR",
    "FORCE_COLOR",
    "NETRC",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    *(name for base in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
      for name in (base, base.lower())),
)  # fmt: skip

_SCRIPTS = {"bctrl-tail": "bctrl_tail", "bctrl-tail-simulator": "bctrl_tail.simulator"}


def cli_command() -> list[str]:
    """This checkout's CLI under this interpreter."""
    return [sys.executable, "-m", "bctrl_tail"]


def is_cleared(name: str) -> bool:
    return name.startswith(CLEARED_PREFIXES) or name in CLEARED_NAMES


def clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the developer's settings from this process's environment for one test."""
    for name in list(os.environ):
        if is_cleared(name):
            monkeypatch.delenv(name, raising=False)


@functools.cache
def shim_dir() -> Path:
    """A folder of ``bctrl-tail`` and ``bctrl-tail-simulator`` scripts that run this checkout."""
    folder = Path(tempfile.mkdtemp(prefix="bctrl-tail-bin-"))
    for name, module in _SCRIPTS.items():
        script = folder / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n')
        script.chmod(0o755)
    return folder


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
    """A clean environment in which this checkout's code is what runs, whatever the cwd."""
    env = {k: v for k, v in os.environ.items() if not is_cleared(k)}
    env["PATH"] = os.pathsep.join([str(shim_dir()), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
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
