"""The CLI these tests start is this checkout's, under the interpreter running the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bctrl_tail
from tests.support import REPO, child_env, clear_environment, cli_command, run_cli


def test_the_cli_is_this_interpreter_running_this_checkout() -> None:
    assert cli_command()[0] == sys.executable
    assert Path(bctrl_tail.__file__).resolve().is_relative_to(REPO)
    result = run_cli("--version", key=None)
    assert result.code == 0 and result.stdout == f"bctrl-tail {bctrl_tail.__version__}\n"


def test_a_shell_finds_this_checkout_before_anything_else_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stale bctrl-tail first on the developer's PATH must not be the one a test runs.
    impostor = tmp_path / "bctrl-tail"
    impostor.write_text("#!/bin/sh\necho impostor\n")
    impostor.chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path), os.environ.get("PATH", "")]))
    env = child_env()
    found = shutil.which("bctrl-tail", path=env["PATH"])
    assert found is not None and Path(found).parent != tmp_path
    shell = subprocess.run(
        ["sh", "-c", "bctrl-tail --version"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # nowhere near the checkout: PYTHONPATH is what finds it
        timeout=30,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout == f"bctrl-tail {bctrl_tail.__version__}\n"


def test_a_child_imports_this_checkout_from_any_folder(tmp_path: Path) -> None:
    probe = "import bctrl_tail, sys; print(bctrl_tail.__file__); print(sys.executable)"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=tmp_path,
        timeout=30,
    )
    where, executable = proc.stdout.splitlines()
    assert Path(where).resolve().is_relative_to(REPO)
    assert executable == sys.executable


@pytest.mark.parametrize(
    "name", ["BCTRL_API_KEY", "BCTRL_X", "HTTPS_PROXY", "http_proxy", "ALL_PROXY", "no_proxy",
             "NETRC", "NO_COLOR", "FORCE_COLOR", "SSL_CERT_FILE", "SSL_CERT_DIR"],
)  # fmt: skip
def test_the_developers_environment_reaches_neither_a_test_nor_a_child(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, "from the developer")
    assert name not in child_env()
    clear_environment(monkeypatch)  # what the autouse fixture does before every test
    assert name not in os.environ
