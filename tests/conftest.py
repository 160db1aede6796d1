"""Shared fixtures: a clean environment for every test, and the simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bctrl_tail.simulator import Simulator
from tests.support import clear_environment

# Whole files that start many processes or wait on terminals and signals: `pytest -m "not slow"`
# leaves them out for a quick inner loop; plain `pytest` (the README's command) runs them too.
SLOW_FILES = frozenset(
    {"test_bench_smoke.py", "test_pty.py", "test_signals.py", "test_view_pty.py"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's key, base URL, colour settings, proxies or netrc: a proxy
    variable would send loopback traffic elsewhere, a netrc could add credentials."""
    clear_environment(monkeypatch)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as server:
        yield server
