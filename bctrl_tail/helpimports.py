"""``--help`` without two imports that Typer's rich help loads but never uses.

``typer.rich_utils`` imports ``rich.markdown`` (markdown-it) and ``rich.traceback`` (pygments)
at its top: a third of the start-up of ``--help``. It draws help with the first only in
markdown markup mode (ours is Typer's default, "rich") and tracebacks with the second only
when pretty exceptions are on (they are off). So for ``--help`` it is imported while two
stand-ins take those names; each stand-in imports the real class if it is ever called, and
the real modules import as usual afterwards.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

DEFERRED = (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback"))


def _stand_in(module: str, name: str) -> type:
    """A class (Typer's annotations put it in a union) whose instances are the real thing."""

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return type(name, (), {"__new__": new, "__doc__": f"{module}.{name}, imported when used"})


def import_rich_help() -> None:
    """Import ``typer.rich_utils`` with the two deferred names; a no-op once imported."""
    if "typer.rich_utils" in sys.modules:
        return
    placed = []
    for module, name in DEFERRED:
        if module not in sys.modules:
            stub = types.ModuleType(module)
            setattr(stub, name, _stand_in(module, name))
            sys.modules[module] = stub
            placed.append((module, stub))
    try:
        import typer.rich_utils  # noqa: F401  (a statement: -X importtime then shows it)
    finally:
        for module, stub in placed:
            if sys.modules.get(module) is stub:
                del sys.modules[module]
