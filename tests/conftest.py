"""Shared fixtures: a clean environment for every test, and the simulator on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bctrl_tail.simulator import Simulator
from tests.support import clear_environment

# Whole files that start many processes or wait on terminals and signals: `pytest -m "not slow"`
# leaves them out for a quick inner loop; plain `pytest` (the README's command) runs them too.
SLOW_FILES = frozenset(
    {"test_bench_smoke.py", "test_pty.py", "test_signals.py", "test_view_pty.py"}
)


def pytest_configure(config: pytest.Config) -> None:
    """Compiled bytecode for the processes the tests start (most tests start the CLI).

    With PYTHONDONTWRITEBYTECODE set, as on some CI machines, every one of those processes
    compiled this checkout's modules from source again: 20-30 ms of each start-up, which a
    user's installed copy (compiled by pip) never pays. Unset here, before the workers
    start, the first process writes ``__pycache__`` (git-ignored) and the others use it."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core. Most tests wait on sockets, pipes and child processes
    rather than compute, so one worker per core leaves the cores idle half of the time."""
    return 2 * (os.cpu_count() or 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's key, base URL, colour settings, proxies, CA bundles or
    netrc: a proxy variable would send loopback traffic elsewhere, a netrc could add
    credentials, a CA bundle could trust what a test expects to be refused."""
    clear_environment(monkeypatch)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as server:
        yield server
