"""ISO-8601 times parse the same on every Python from 3.10 up.

Python 3.10's ``datetime.fromisoformat`` refuses ``Z``, ``+0000`` and fractions of other than 3
or 6 digits, and 3.11 accepts compact and week dates that 3.10 does not; ``parse_time`` is its
own parser so that an event's time (and ``--since``) never depends on the interpreter.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bctrl_tail.config import parse_since
from bctrl_tail.events import parse_time

UTC = dt.timezone.utc
BASE = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

# Each fraction, 1 to 9 digits, and the microseconds it is cut (never rounded) to.
FRACTIONS = [
    ("3", 300000), ("12", 120000), ("123", 123000), ("1234", 123400), ("12345", 123450),
    ("123456", 123456), ("1234567", 123456), ("12345678", 123456), ("999999999", 999999),
]  # fmt: skip
UTC_SUFFIXES = ["Z", "z", "+0000", "+00:00", "+00", "-00:00", ""]


@pytest.mark.parametrize(("fraction", "micro"), FRACTIONS)
@pytest.mark.parametrize("suffix", UTC_SUFFIXES)
def test_every_fraction_length_with_every_utc_suffix(
    fraction: str, micro: int, suffix: str
) -> None:
    text = f"2026-01-02T03:04:05.{fraction}{suffix}"
    assert parse_time(text) == BASE.replace(microsecond=micro)
    assert parse_time(text.replace("T", " ")) == BASE.replace(microsecond=micro)
    assert parse_time(text.replace(".", ",")) == BASE.replace(microsecond=micro)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05Z", BASE),
        ("2026-01-02T03:04Z", BASE.replace(second=0)),
        ("2026-01-02", dt.datetime(2026, 1, 2, tzinfo=UTC)),
        ("  2026-01-02T03:04:05Z\n", BASE),
        ("2026-01-02T04:34:05.5+01:30", BASE.replace(microsecond=500000)),
        ("2026-01-02T04:34:05.5+0130", BASE.replace(microsecond=500000)),
        ("2026-01-02T01:04:05-02", BASE),
        ("2026-01-02T03:04:05.123456789-00:00", BASE.replace(microsecond=123456)),
    ],
)  # fmt: skip
def test_offsets_and_shorter_forms(text: str, expected: dt.datetime) -> None:
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "garbage", "20260102T030405Z", "2026-W01-5", "2026-002", "2026-1-2",
        "2026-13-02T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-02T24:00:00Z",
        "2026-01-02T03:60:00Z", "2026-01-02T03:04:60Z", "2026-01-02T03:04:05.Z",
        "2026-01-02T03:04:05.1234567890Z", "2026-01-02T03:04:05+24:00", "2026-01-02T03:04:05+05:75",
        "2026-01-02T03:04:05+5", "2026-01-02Z", "2026-01-02T03:04:05Z junk", "2026-01-02T03",
        "\uff12\uff10\uff12\uff16-01-02",  # full-width digits
    ],
)  # fmt: skip
def test_what_is_not_an_iso_time_is_none(text: str) -> None:
    assert parse_time(text) is None


def test_epoch_seconds_and_milliseconds_are_unchanged() -> None:
    when = dt.datetime(2026, 6, 25, 12, tzinfo=UTC)
    assert parse_time(1782388800) == when
    assert parse_time(1782388800000) == when
    assert parse_time(True) is None and parse_time(None) is None


def test_since_takes_a_one_digit_fraction_and_z() -> None:
    now = dt.datetime(2026, 6, 25, tzinfo=UTC)
    assert parse_since("2026-01-02T03:04:05.5Z", now) == BASE.replace(microsecond=500000)
    assert parse_since("2026-01-02T03:04:05+0000", now) == BASE
