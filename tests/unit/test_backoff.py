"""The reconnection delay: doubling, the 30 s cap, jitter, the Retry-After floor, the base."""

from __future__ import annotations

import email.utils
from collections.abc import Callable

import pytest

from bctrl_tail.followed import MAX_DELAY, backoff_delay
from bctrl_tail.responses import parse_retry_after

MID = 0.5  # rand() == 0.5 is the jitter factor 1.0


def const(value: float) -> Callable[[], float]:
    return lambda: value


@pytest.mark.parametrize(
    ("failures", "delay"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 16.0), (6, 30.0)]
)
def test_doubles_per_consecutive_failure_up_to_the_cap(failures: int, delay: float) -> None:
    assert backoff_delay(failures, 1.0, None, const(MID)) == pytest.approx(delay)


def test_zero_failures_is_the_base() -> None:
    assert backoff_delay(0, 1.0, None, const(MID)) == pytest.approx(1.0)


def test_the_cap_holds_for_any_number_of_failures() -> None:
    for failures in (6, 7, 50, 1023, 1025, 10**6):  # 2.0**1024 would overflow
        assert backoff_delay(failures, 1.0, None, const(MID)) == MAX_DELAY == 30.0
        assert backoff_delay(failures, 1.0, None, const(0.999999)) <= 30.0
        assert backoff_delay(failures, 1.0, None, const(0.0)) == pytest.approx(24.0)


@pytest.mark.parametrize("failures", [1, 2, 3, 4])
def test_jitter_stays_within_plus_minus_20_percent(failures: int) -> None:
    nominal = 2.0 ** (failures - 1)
    low = backoff_delay(failures, 1.0, None, const(0.0))
    high = backoff_delay(failures, 1.0, None, const(0.999999))
    assert low == pytest.approx(0.8 * nominal)
    assert high == pytest.approx(1.2 * nominal, rel=1e-5)
    values = {round(backoff_delay(failures, 1.0, None, const(r / 10)), 9) for r in range(10)}
    assert len(values) == 10  # rand() really moves it
    assert all(0.8 * nominal <= v < 1.2 * nominal for v in values)


def test_retry_after_is_a_floor() -> None:
    assert backoff_delay(1, 1.0, 5.0, const(MID)) == 5.0
    assert backoff_delay(1, 1.0, 0.2, const(MID)) == pytest.approx(1.0)  # already later
    assert backoff_delay(4, 1.0, 2.0, const(MID)) == pytest.approx(8.0)
    assert backoff_delay(1, 1.0, 0.0, const(0.0)) == pytest.approx(0.8)


def test_retry_after_beyond_the_cap_is_honoured() -> None:
    assert backoff_delay(10, 1.0, 120.0, const(1.0)) == 120.0


def test_the_base_comes_from_retry() -> None:
    base = 250 / 1000  # retry: 250
    assert [backoff_delay(f, base, None, const(MID)) for f in (1, 2, 3)] == pytest.approx(
        [0.25, 0.5, 1.0]
    )
    assert backoff_delay(1, 0.25, None, const(0.0)) == pytest.approx(0.2)
    assert backoff_delay(20, 0.25, None, const(MID)) == 30.0
    assert backoff_delay(3, 0.0, None, const(MID)) == 0.0  # retry: 0 asks for no delay
    assert backoff_delay(1, 60.0, None, const(MID)) == 30.0  # a huge retry is still capped


# -- Retry-After parsing ---------------------------------------------------------------------------

NOW = 1_782_388_800.0  # 2026-06-25T12:00:00Z


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        (email.utils.formatdate(NOW + 90, usegmt=True), 90.0),
        ("Thu, 25 Jun 2026 12:00:07 GMT", 7.0),
        ("Thursday, 25-Jun-26 12:00:07 GMT", 7.0),  # RFC 850, obsolete but allowed
        ("Thu, 25 Jun 2026 11:00:00 GMT", 0.0),  # in the past: no floor
    ],
)
def test_parse_retry_after(header: str, seconds: float) -> None:
    assert parse_retry_after(header, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5", "Thu, 99 Foo 2026"])
def test_unusable_retry_after_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None
