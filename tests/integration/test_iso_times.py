"""Event times in every ISO-8601 shape the API may send are shown and filtered by --since."""

from __future__ import annotations

from bctrl_tail.simulator import Run, Simulator
from tests.support import run_cli

TIMES = [
    "2026-01-02T03:04:05.4Z",
    "2026-01-02T03:04:05.60000+0000",
    "2026-01-02T03:04:06.123456789+00:00",
    "2026-01-02T04:04:04.5+01",
]


def test_since_with_a_short_fraction_filters_times_of_every_precision(sim: Simulator) -> None:
    events = [
        {"id": f"e{i}", "type": "console.message", "time": time, "message": f"m{i}"}
        for i, time in enumerate(TIMES)
    ]
    sim.add_run(Run("run_1", events))
    common = ("run_1", "--base-url", sim.base_url, "-o", "pretty", "--color", "never")
    shown = run_cli(*common, "--time-format", "iso")
    assert shown.code == 0, shown.stderr
    assert shown.lines == [
        "2026-01-02T03:04:05.400Z console/console.message m0",
        "2026-01-02T03:04:05.600Z console/console.message m1",
        "2026-01-02T03:04:06.123Z console/console.message m2",
        "2026-01-02T03:04:04.500Z console/console.message m3",
    ]
    since = run_cli(*common, "--time-format", "utc", "--since", "2026-01-02T03:04:05.5Z")
    assert since.code == 0, since.stderr
    assert since.lines == [
        "03:04:05.600Z console/console.message m1",
        "03:04:06.123Z console/console.message m2",
    ]


def test_since_without_an_offset_is_the_local_time_shown(sim: Simulator) -> None:
    # 08:00Z and 09:00Z; at UTC+05:30 09:00 local is
    # 03:30Z, so both are newer. Read as UTC it would have dropped the first.
    events = [
        {"id": f"e{hour}", "type": "console.message", "time": f"2026-12-01T0{hour}:00:00Z",
         "message": f"at {hour}"} for hour in (8, 9)
    ]  # fmt: skip
    sim.add_run(Run("run_1", events))
    common = ("run_1", "--base-url", sim.base_url, "-o", "pretty", "--color", "never")
    local = {"TZ": "IST-5:30"}  # POSIX form: UTC+05:30 with no time zone database needed
    shown = run_cli(*common, "--since", "2026-12-01 09:00", env=local)
    assert shown.code == 0, shown.stderr
    assert shown.lines == [
        "13:30:00.000 console/console.message at 8",  # as the local time it is shown in
        "14:30:00.000 console/console.message at 9",
    ]
    later = run_cli(*common, "--since", "2026-12-01 14:00", env=local)
    assert later.lines == ["14:30:00.000 console/console.message at 9"]
    explicit = run_cli(*common, "--since", "2026-12-01T08:30:00Z", env=local)
    assert explicit.lines == later.lines  # an offset given is the offset used
