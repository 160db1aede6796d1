"""The source distribution carries what the README tells its readers to use."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.support import REPO


@pytest.mark.slow
def test_the_sdist_has_the_completions_and_the_readme_images(tmp_path: Path) -> None:
    """Built as a user would (`python -m build --sdist`, which fetches the build backend), from
    a copy of the checkout, since building writes egg-info next to the sources."""
    if importlib.util.find_spec("build") is None:
        pytest.skip("the build package is not installed (it is in the test extra)")
    source = tmp_path / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "*.egg-info", "__pycache__", "build", "dist"
        ),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (archive,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    expected = {
        f"{folder}/{path.name}"
        for folder in ("completions", "docs")
        for path in (REPO / folder).iterdir()
        if path.is_file()
    }
    assert {"completions/_bctrl-tail", "docs/view.svg"} <= expected
    assert expected <= names, sorted(expected - names)
