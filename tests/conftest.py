"""Shared fixtures: a clean environment for every test, and the simulator on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bctrl_tail.simulator import Simulator


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's key, base URL or colour settings."""
    for name in list(os.environ):
        if name.startswith("BCTRL_") or name in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as server:
        yield server
