"""The real CLI against a loopback server that writes fuzzed SSE bytes, in every output mode.

A few fixed streams (hypothesis, derandomized: the same ones on every run; ``BCTRL_FUZZ_EXAMPLES``
asks for that many fresh ones instead) are written by the simulator exactly as generated, in
random chunks, then a ``run.ended``. Whatever they hold,
the tail ends with a documented code (0; 3 for a failed run, ``--exit-status``; 1 for an
error it can name), says nothing like a traceback, and writes output of the mode's shape.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bctrl_tail.simulator import Run, Simulator
from tests.hostile import UNSAFE_SHOWN, chunked, streams
from tests.support import run_cli

END = b'\n\nevent: run.ended\ndata: {"status":"completed"}\n\n'
MODES = ("jsonl", "raw", "pretty", "table")
HUNT = int(os.environ.get("BCTRL_FUZZ_EXAMPLES", "0"))  # a long local hunt: fresh streams


def check_output(mode: str, stdout: str) -> None:
    if mode == "jsonl":
        for line in stdout.split("\n")[:-1]:
            assert isinstance(json.loads(line), dict)
    elif mode in ("pretty", "table"):  # not a terminal: no colour, nothing but text
        bad = UNSAFE_SHOWN.search(stdout)
        assert bad is None, f"{mode} wrote {bad.group()!r}"


@pytest.mark.parametrize("mode", MODES)
@settings(
    max_examples=HUNT or 3,
    derandomize=not HUNT,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),  # shrinking would rerun the CLI hundreds of times
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_cli_survives_fuzzed_streams(mode: str, data: st.DataObject) -> None:
    body = data.draw(streams())
    chunks = data.draw(chunked(body))
    with Simulator() as sim:
        sim.add_run(Run("run_1", [], raw_chunks=[*chunks, END]))
        result = run_cli(
            "run_1", "--base-url", sim.base_url, "-o", mode, "--exit-status", "--timeout", "20"
        )
    assert result.code in (0, 1, 3), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    bad = UNSAFE_SHOWN.search(result.stderr)
    assert bad is None, f"stderr shows {bad.group()!r}"
    check_output(mode, result.stdout)
