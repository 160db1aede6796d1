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
