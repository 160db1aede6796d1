"""Regenerate completions/ from the app: `python scripts/make_completions.py` (--check to verify).

The scripts are Typer's own (zsh's made to work from fpath as well as sourced: see
``bctrl_tail/completion.py``, which ``--install-completion`` uses too), for the console script
`bctrl-tail`; each asks the installed program for candidates at TAB time, so option values
(categories, output modes…) stay current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer._completion_shared import get_completion_script

from bctrl_tail.completion import fix_zsh_script

PROG = "bctrl-tail"
COMPLETE_VAR = "_BCTRL_TAIL_COMPLETE"
FILES = {
    "bash": "bctrl-tail.bash",
    "zsh": "_bctrl-tail",
    "fish": "bctrl-tail.fish",
    "powershell": "bctrl-tail.ps1",
}
OUT = Path(__file__).resolve().parents[1] / "completions"


def script(shell: str) -> str:
    assert fix_zsh_script(), "Typer's zsh script changed: review bctrl_tail/completion.py"
    text = get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell).strip()
    return text + "\n"


def scripts() -> dict[Path, str]:
    return {OUT / name: script(shell) for shell, name in FILES.items()}


def main(argv: list[str]) -> int:
    stale = [
        path for path, text in scripts().items() if not path.exists() or path.read_text() != text
    ]
    if "--check" in argv:
        for path in stale:
            print(f"stale: {path.relative_to(OUT.parent)}")
        return 1 if stale else 0
    OUT.mkdir(exist_ok=True)
    for path, text in scripts().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(OUT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
