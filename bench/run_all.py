"""Run every benchmark and print one table: each figure, its same-run baseline, ratio, target.

    python bench/run_all.py [--quick] [--only NAME,...] [--markdown PATH]

Each bench runs as its own subprocess with this interpreter (so the one that has bctrl-tail
installed, and optionally bctrl's SDK and pyinstrument for the throughput baselines and
profile), its output passed through as it comes. ``--quick`` passes ``--quick`` on: tiny sizes,
a smoke run in seconds. Benches written elsewhere in bench/ (bench_sse.py, bench_soak.py,
bench_table.py) are included when present; their output is shown as they print it. The whole
suite takes a few minutes on a 2-core machine.

Exit status: 0 when every bench ran and exited 0 (a target that is not met is a result, shown
in the table, not a failure of the run); 1 otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH,
    Figure,
    machine,
    markdown_table,
    read_figures,
    table_rows,
    text_table,
)

# name -> (script, whether it writes figures with --json)
BENCHES: dict[str, tuple[str, bool]] = {
    "startup": ("bench_startup.py", True),
    "latency": ("bench_latency.py", True),
    "throughput": ("bench_throughput.py", True),
    "memory": ("bench_memory.py", True),
    "sse": ("bench_sse.py", False),
    "soak": ("bench_soak.py", False),
    "table": ("bench_table.py", False),
    "several": ("bench_several.py", True),
    "view": ("bench_view.py", True),
    "detail": ("bench_detail.py", True),
}
TIMEOUT = {False: 480.0, True: 120.0}  # per bench: full, quick


@dataclass
class Ran:
    name: str
    code: int | None  # None: not present
    seconds: float


def run_bench(name: str, script: Path, *, quick: bool, json_path: Path | None) -> Ran:
    cmd = [sys.executable, str(script), *(["--quick"] if quick else [])]
    if json_path is not None:
        cmd += ["--json", str(json_path)]
    print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
    start = time.perf_counter()
    try:
        code = subprocess.run(cmd, timeout=TIMEOUT[quick], stdin=subprocess.DEVNULL).returncode
    except subprocess.TimeoutExpired:
        print(f"=== {name}: timed out after {TIMEOUT[quick]:.0f} s", flush=True)
        code = -1
    return Ran(name, code, time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--only", help=f"comma list of: {', '.join(BENCHES)}")
    parser.add_argument("--markdown", metavar="PATH", help="also write the results as Markdown")
    args = parser.parse_args()
    names = list(BENCHES)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHES]
        if unknown:
            parser.error(f"unknown bench {', '.join(unknown)}; use {', '.join(BENCHES)}")
    started = time.perf_counter()
    figures: list[Figure] = []
    ran: list[Ran] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in names:
            script_name, structured = BENCHES[name]
            script = BENCH / script_name
            if not script.exists():
                ran.append(Ran(name, None, 0.0))
                continue
            json_path = Path(tmp) / f"{name}.json" if structured else None
            result = run_bench(name, script, quick=args.quick, json_path=json_path)
            ran.append(result)
            if json_path is not None and json_path.exists():
                figures += read_figures(json_path)
    total = time.perf_counter() - started
    report = summary(figures, ran, quick=args.quick, total=total)
    print("\n" + report["text"])
    if args.markdown:
        Path(args.markdown).write_text(report["markdown"])
        print(f"\nwritten: {args.markdown}")
    return 0 if all(r.code in (0, None) for r in ran) else 1


def summary(figures: list[Figure], ran: list[Ran], *, quick: bool, total: float) -> dict[str, str]:
    facts = machine()
    command = "python bench/run_all.py" + (" --quick" if quick else "")
    head = [
        f"command: {command}  (interpreter {facts['python']})",
        f"machine: {facts['nproc']} CPUs, {facts['cpu']}, {facts['os']}",
    ]
    status = []
    for r in ran:
        if r.code is None:
            status.append(f"{r.name}: not present (bench/{BENCHES[r.name][0]})")
        else:
            state = "ok" if r.code == 0 else f"FAILED (exit {r.code})"
            status.append(f"{r.name}: {state} in {r.seconds:.0f} s")
    status.append(f"total: {total:.0f} s")
    rows = table_rows(figures)
    notes: list[str] = []
    for f in figures:
        line = f"- {f.name}: {'; '.join(part for part in (f.runs, f.note) if part)}"
        if (f.runs or f.note) and line not in notes:
            notes.append(line)
    text = "\n".join([*head, "", text_table(rows), "", *notes, "", "benches: " + "; ".join(status)])
    markdown = "\n".join(
        [
            *(f"- {line}" for line in head),
            "",
            markdown_table(rows),
            "",
            *notes,
            "",
            "Benches: " + "; ".join(status) + ".",
            "",
        ]
    )
    return {"text": text, "markdown": markdown}


if __name__ == "__main__":
    sys.exit(main())
