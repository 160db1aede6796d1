"""Strict JSON in, compact JSON out: the two steps every run event pays for.

orjson does both, several times faster than the stdlib; the stdlib takes over where orjson
refuses or would change the value: integers beyond 64 bits (orjson reads them as floats, so
any run of 19 digits goes to the stdlib) and lone surrogates (``"\\ud800"`` is valid JSON).
NaN, Infinity and numbers that overflow to infinity are refused on both paths: they are not
JSON, and jq would refuse the line. Hostile nesting is an error, not a crash.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

# built once, not per event
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
# digits to "0", anything else to ".": a 19-digit run may be an integer orjson cannot hold
_DIGITS = bytes(48 if 48 <= byte <= 57 else 46 for byte in range(256))
_LONG_NUMBER = b"0" * 19
# Every 6th byte: a run of 19 digits always covers 3 of them in a row, a run of 12 or fewer
# never does. So a text is often cleared by looking at a sixth of its bytes (digit-dense
# text, timestamps say, passes this first look and gets the full one: 0.6k fewer instructions
# per event on the bench's events, which have both).
_STRIDE = 6
_MAYBE_LONG = b"0" * 3


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def parse(text: str) -> Any:
    """The value of ``text``, or None when it is not strict JSON or nested deeper than
    MAX_DEPTH (what could not be written back out on every Python)."""
    raw = text.encode("utf-8", "surrogatepass")
    value: Any = None
    # find, not ``in``: ``bytes in bytes`` first tries the operand as an int and formats a
    # TypeError it then discards, which costs more than the search itself
    if (
        raw[::_STRIDE].translate(_DIGITS).find(_MAYBE_LONG) < 0
        or raw.translate(_DIGITS).find(_LONG_NUMBER) < 0
    ):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = parse_stdlib(text)  # maybe refused by orjson only (lone surrogates)
    else:
        value = parse_stdlib(text)
    # MAX_DEPTH levels take 2 * MAX_DEPTH bytes of brackets: shorter texts need no look
    if len(raw) > 2 * MAX_DEPTH and _too_deep(raw, value):
        return None
    return value


# orjson reads 1024 levels but writes 255; deeper values are written by the stdlib, whose
# encoder recurses in C and, before Python 3.12, fails near 1000 levels (RecursionError).
MAX_DEPTH = 500


def _too_deep(raw: bytes, value: Any) -> bool:
    """Whether ``value`` nests more than MAX_DEPTH levels (its text counted first: only a
    text with that many brackets needs the walk)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def parse_stdlib(text: str) -> Any:
    """``parse`` by the stdlib alone: slower, but it keeps big integers and lone surrogates."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except (ValueError, RecursionError):
        return None


def compact(value: Any) -> str:
    """The compact text of a value that ``parse`` returned (or built from its results)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except orjson.JSONEncodeError:  # integers beyond 64 bits, lone surrogates
        return _COMPACT.encode(value)


def compact_line(value: Any) -> bytes:
    """``compact(value)`` plus a newline, as UTF-8: a jsonl line without a str in between."""
    try:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return text_line(_COMPACT.encode(value), value)


def text_line(text: str, value: Any) -> bytes:
    """``text`` (the compact text of ``value``) as a UTF-8 line; lone surrogates cannot be
    UTF-8, so then the whole line is written with \\u escapes (the same JSON value)."""
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(value, ensure_ascii=True, separators=(",", ":")) + "\n").encode()
