"""Strict JSON through orjson, and through the stdlib where orjson refuses or would change it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bctrl_tail import jsontext

DOCS = [
    '{"a": 1, "b": [true, false, null], "c": {"d": "é ☃ \\u2028"}, "e": -0.5, "f": 1e-7}',
    '{"n": 9223372036854775807, "m": -9223372036854775808, "u": 18446744073709551615}',
    '{"k": "x", "k": "y"}',
    "[1, 2]",
    '"text"',
]


def stdlib_compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@pytest.mark.parametrize("doc", DOCS)
def test_both_paths_read_the_same_value(doc: str) -> None:
    value = jsontext.parse(doc)
    assert value == jsontext.parse_stdlib(doc) == json.loads(doc)
    text = jsontext.compact(value)
    assert json.loads(text) == value
    assert ", " not in text and ": " not in text  # compact


@pytest.mark.parametrize(
    "number",
    ["123456789012345678901234567890", "-9999999999999999999", "18446744073709551616"],
)
def test_integers_beyond_64_bits_stay_exact(number: str) -> None:
    value = jsontext.parse(f'{{"n": {number}, "s": "x"}}')
    assert value == {"n": int(number), "s": "x"}
    assert jsontext.compact(value) == f'{{"n":{number},"s":"x"}}'


@pytest.mark.parametrize("offset", range(12))
@pytest.mark.parametrize("number", ["-9223372036854775809", "18446744073709551616", "9" * 25])
def test_a_long_integer_is_exact_wherever_it_starts(offset: int, number: str) -> None:
    """The check that sends long digit runs to the stdlib looks at every 6th byte first: a
    run of 19 digits must be caught at every alignment."""
    doc = f'{{"{"k" * offset}": {number}}}'
    assert jsontext.parse(doc) == {"k" * offset: int(number)}


def test_a_19_digit_string_is_read_by_the_stdlib_with_the_same_result() -> None:
    doc = '{"id": "1234567890123456789012", "t": 1.5}'
    assert jsontext.parse(doc) == {"id": "1234567890123456789012", "t": 1.5}


def test_lone_surrogates_are_kept() -> None:
    value = jsontext.parse('{"m": "x\\ud800y", "n": "\\udfff"}')
    assert value == {"m": "x\ud800y", "n": "\udfff"}
    assert jsontext.compact(value) == stdlib_compact(value)


@pytest.mark.parametrize(
    "doc",
    ['{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}', '{"n": 1e999}', "[-1e400]", "{", ""],
)
def test_not_strict_json_is_refused_on_both_paths(doc: str) -> None:
    assert jsontext.parse(doc) is None
    assert jsontext.parse_stdlib(doc) is None


def test_hostile_nesting_is_refused_not_a_crash() -> None:
    assert jsontext.parse("[" * 100_000 + "]" * 100_000) is None
    assert jsontext.parse('{"n": 123456789012345678901, "d": ' + "[" * 100_000) is None
