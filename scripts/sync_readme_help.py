"""Embed `bctrl-tail --help` (80 columns, no colour) in README.md; --check only compares."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START = "<!-- help:start -->"
END = "<!-- help:end -->"


def help_text() -> str:
    env = {**os.environ, "COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("FORCE_COLOR", None)
    out = subprocess.run(
        [sys.executable, "-m", "bctrl_tail", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return "\n".join(line.rstrip() for line in out.strip("\n").splitlines())


def embedded(readme: str) -> str:
    return f"{START}\n```text\n{help_text()}\n```\n{END}"


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    updated = head + embedded(readme) + tail
    if "--check" in argv:
        if updated != readme:
            print("README.md help is stale: run python scripts/sync_readme_help.py")
            return 1
        return 0
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
