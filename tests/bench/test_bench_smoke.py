"""Smoke: every benchmark script runs on a tiny input (``--quick``) and exits 0.

No timing is asserted: these machines are shared and noisy. A bench whose optional baseline is
missing (bctrl's SDK, pyinstrument, curl) must skip that part and still exit 0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(path.name for path in BENCH.glob("bench_*.py"))


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        cwd=BENCH.parent,
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_runs_quick(script: str) -> None:
    args = [str(BENCH / script), "--quick"]
    if script == "bench_throughput.py":
        args.append("--no-profile")  # the profilers are exercised by the full run only
    if script == "bench_table.py":
        # its ratio target is for a full run on a quiet machine; here it must only work
        args += ["--max-ratio", "inf", "--events", "2000", "--runs", "1"]
    proc = run(*args)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.strip()


def test_run_all_tabulates_figures(tmp_path: Path) -> None:
    markdown = tmp_path / "results.md"
    proc = run(
        str(BENCH / "run_all.py"), "--quick", "--only", "startup", "--markdown", str(markdown)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "start-up --version" in proc.stdout
    assert "python -c pass" in proc.stdout
    text = markdown.read_text()
    assert text.count("| start-up ") == 3
    assert "CPUs" in text


def test_run_all_rejects_unknown_bench() -> None:
    proc = run(str(BENCH / "run_all.py"), "--only", "nonsense")
    assert proc.returncode == 2
    assert "unknown bench" in proc.stderr
