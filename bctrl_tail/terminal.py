"""Terminal decisions made once at start and injected: colour on or off, and the console.

Nothing here reads the process environment on its own, so tests can flip every input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from bctrl_tail.choices import COLORS

if TYPE_CHECKING:
    from rich.console import Console


def color_enabled(when: str | None, *, is_tty: bool, env: Mapping[str, str]) -> bool:
    """Apply ``--color`` (None when not given), then NO_COLOR / FORCE_COLOR, then auto-detect."""
    if when == "always":
        return True
    if when == "never":
        return False
    if when not in (None, "auto"):
        raise ValueError(f"unknown --color value {when!r}; use one of {COLORS}")
    if when is None:
        if env.get("NO_COLOR", ""):
            return False
        if env.get("FORCE_COLOR", ""):
            return True
    return is_tty and env.get("TERM", "").lower() != "dumb"


def make_console(
    file: TextIO,
    *,
    color: bool,
    is_tty: bool,
    width: int | None = None,
    height: int | None = None,
) -> Console:
    """A console that never interprets markup, emoji codes or highlighting in what it prints.

    Colour uses the 16-colour palette, which is all the renderers' styles need, so no
    terminal sniffing is required; with colour off no style escape is written at all.
    When the reader of ``file`` has gone (``| head -1``), writing raises ``BrokenPipeError``
    like every other output mode, for the caller to exit quietly; rich's own reaction would
    be ``SystemExit(1)``.
    """
    from rich.console import Console  # lazily: --version and completion never load rich

    class QuietOnBrokenPipe(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True  # anything written later is dropped, not retried
            raise BrokenPipeError

    return QuietOnBrokenPipe(
        file=file,
        force_terminal=is_tty,
        color_system="standard" if color else None,
        no_color=not color,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=width,
        height=height,
    )
