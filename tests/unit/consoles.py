"""A recording rich Console for renderer tests: markup, highlighting and emoji off, as in use."""

from __future__ import annotations

import io

from rich.console import Console


def recording(width: int, height: int, *, terminal: bool = True) -> Console:
    return Console(
        record=True,
        width=width,
        height=height,
        force_terminal=terminal,
        color_system="truecolor",
        file=io.StringIO(),
        markup=False,
        highlight=False,
        emoji=False,
    )
