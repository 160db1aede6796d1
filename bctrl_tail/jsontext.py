"""Strict JSON in, compact JSON out: the two steps every run event pays for.

NaN and Infinity (and numbers that overflow to infinity) are refused: they are not JSON, and
jq would refuse the line. Hostile nesting is an error, not a crash.
"""

from __future__ import annotations

import json
import math
from typing import Any

# built once, not per event
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def parse(text: str) -> Any:
    """The value of ``text``, or None when it is not strict JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except (ValueError, RecursionError):
        return None


def compact(value: Any) -> str:
    """The compact text of a value that ``parse`` returned (or built from its results)."""
    return _COMPACT.encode(value)
