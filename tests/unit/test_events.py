"""RunEvent reads fields defensively across API generations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bctrl_tail.events import RunEnded, RunEvent, category_of_type


def ev(**data: Any) -> RunEvent:
    return RunEvent("e1", data)


@pytest.mark.parametrize(
    ("event_type", "category"),
    [
        ("network.failed", "network"), ("console.message", "console"),
        ("captcha.solve.failed", "captcha"), ("runtime.lifecycle", "runtime"),
        ("connection.command.sent", "command"), ("command.run", "command"),
        ("tool.call", "tool"), ("file.saved", "file"), ("download", "file"),
        ("navigation", "browser"), ("page.load", "browser"), ("dialog", "browser"),
        ("browser.closed", "browser"), ("agent.note", "event"), ("", "event"),
    ],
)  # fmt: skip
def test_category_from_type(event_type: str, category: str) -> None:
    assert category_of_type(event_type) == category
    assert ev(type=event_type).category == category
    assert ev(type=event_type, category="tool").category == "tool"


def test_time_fallbacks() -> None:
    when = dt.datetime(2026, 6, 25, 12, tzinfo=dt.timezone.utc)
    assert ev(time="2026-06-25T12:00:00Z").time == when
    assert ev(timestamp="2026-06-25T12:00:00.000Z").time == when
    assert ev(createdAt=1782388800000).time == when
    assert ev(time="garbage", createdAt="2026-06-25T12:00:00+00:00").time == when
    assert ev(time=True).time is None
    assert ev().time is None


def test_status_summary_and_odd_values() -> None:
    assert ev(outcome="denied").status == "denied"
    assert ev(status=None, outcome="ok").status == "ok"
    assert ev(status=404).status == "404"
    assert ev(name="click", message="m").summary == "click"
    assert (
        ev(data={"method": "GET", "status": 404, "url": "https://x/y"}).summary
        == "GET 404 https://x/y"
    )
    assert ev(data={"a": 1, "b": [1]}).summary == "a=1 b=[1]"
    assert ev(data="plain").summary == "plain"
    assert ev(type=["odd"]).type == '["odd"]'
    assert RunEvent("e", {}).type == "run.event"  # no type field: the SSE default name


def test_run_ended() -> None:
    ended = RunEnded.from_data({"runId": "r", "status": "Completed", "failure": None})
    assert ended.success
    failed = RunEnded.from_data({"status": "failed", "failure": {"code": "c", "message": "m"}})
    assert (failed.success, failed.failure_code, failed.failure_message) == (False, "c", "m")
    assert RunEnded.from_data("junk").status == "unknown"
