"""Start-up: ``--version``, ``--help`` and a shell-completion request, against ``python -c pass``.

    python bench/bench_startup.py [--quick] [--runs R]

The completion request is what a TAB press runs in bash with the script Typer installs:
``_BCTRL_TAIL_COMPLETE=complete_bash COMP_WORDS="bctrl-tail --category " COMP_CWORD=2``
(Typer's ``BashComplete`` reads COMP_WORDS/COMP_CWORD and prints one value per line); its
answer is checked to be the nine categories. The four commands are interleaved, R runs each;
figures are medians of the wall time from spawn to exit. Then each path is run once under
``python -X importtime`` to report whether it imports ``requests``, ``rich``, ``rich.live`` or
``pydantic`` (the heavy modules that these paths should not need).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Figure,
    bench_args,
    child_env,
    cli_command,
    measure,
    median,
    print_figures,
    write_figures,
)

TARGET_MS = 150.0
CATEGORIES = ["runtime", "command", "network", "console", "file", "tool", "browser", "captcha"]
CATEGORIES.append("event")
HEAVY = ("requests", "rich", "rich.live", "pydantic", "textual")
COMPLETION_ENV = {
    "_BCTRL_TAIL_COMPLETE": "complete_bash",
    "COMP_WORDS": "bctrl-tail --category ",
    "COMP_CWORD": "2",
}
PATHS: dict[str, tuple[list[str], dict[str, str]]] = {
    "--version": (["--version"], {}),
    "--help": (["--help"], {}),
    "completion (TAB)": ([], COMPLETION_ENV),
}


def check_paths() -> bool:
    """Each path works: the version line, the help text, the nine categories."""
    ok = True
    for name, (args, extra) in PATHS.items():
        proc = subprocess.run(
            [*cli_command(), *args],
            capture_output=True,
            text=True,
            env=child_env(extra),
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        if name == "--version":
            good = re.fullmatch(r"bctrl-tail \S+\n", proc.stdout) is not None
        elif name == "--help":
            good = "--category" in proc.stdout
        else:
            good = proc.stdout.split() == CATEGORIES
            print(f"  completion answer: {' '.join(proc.stdout.split())}")
        good &= proc.returncode == 0
        ok &= good
        print(f"  check {name:17} exit {proc.returncode}: {'ok' if good else 'FAILED'}")
    return ok


def imported_modules(args: list[str], extra: dict[str, str]) -> set[str]:
    """The modules a run imports, from ``python -X importtime`` (the script run by python)."""
    cmd = cli_command()
    program = cmd[1:] if cmd[0] == sys.executable else cmd  # a console script is Python source
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *program, *args],
        capture_output=True,
        text=True,
        env=child_env(extra),
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def main() -> int:
    parser = bench_args(__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, help="runs per command (default 20; quick 3)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 20)
    print(f"start-up: {runs} runs per command, interleaved; command: {' '.join(cli_command())}")
    ok = check_paths()
    commands = {
        name: ([*cli_command(), *argv], child_env(extra)) for name, (argv, extra) in PATHS.items()
    }
    commands["python -c pass"] = ([sys.executable, "-c", "pass"], child_env())
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            result = measure(cmd, env=env, timeout=60)
            ok &= result.code == 0
            times[name].append(result.wall * 1000)
    for name, values in times.items():
        print(
            f"  {name:17} median {median(values):6.1f} ms  "
            f"min {min(values):6.1f}  max {max(values):6.1f}"
        )
    baseline = median(times["python -c pass"])
    figures = []
    for name, (argv, extra) in PATHS.items():
        modules = imported_modules(argv, extra)
        heavy = [m for m in HEAVY if m in modules]
        print(
            f"  {name:17} imports: {', '.join(heavy) if heavy else 'none of ' + ', '.join(HEAVY)}"
        )
        value = median(times[name])
        figures.append(
            Figure(
                bench="startup",
                name=f"start-up {name}",
                value=value,
                unit="ms",
                baseline_name="python -c pass",
                baseline=baseline,
                target=f"<= {TARGET_MS:g} ms",
                met=value <= TARGET_MS,
                runs=f"{runs} each",
                note="imports " + (", ".join(heavy) if heavy else "none of the heavy modules"),
                extra={"heavy_imports": heavy},
            )
        )
    print_figures(figures)
    write_figures(args.json, figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
