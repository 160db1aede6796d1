"""Client-side selection (--grep, --exclude, --since) and stop conditions (--until)."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bctrl_tail.config import Config
    from bctrl_tail.events import RunEvent


def selected(config: Config, event: RunEvent) -> bool:
    """Keep events whose JSON text matches any --grep and no --exclude, not older than --since.

    Events that carry no readable time are kept by --since: there is nothing to judge them by.
    """
    if config.grep and not any(p.search(event.text) for p in config.grep):
        return False
    if config.exclude and any(p.search(event.text) for p in config.exclude):
        return False
    if config.since is not None:
        when = event.time
        if when is not None and when < config.since:
            return False
    return True


def reached_until(config: Config, event: RunEvent) -> bool:
    event_type = event.type
    return any(fnmatch.fnmatchcase(event_type, glob) for glob in config.until)
