"""The viewer's data side, without a screen: the store, the hand-over from the tail thread,
and the summary left on the normal screen."""

from __future__ import annotations

import io
import itertools
import threading

import pytest

from bctrl_tail.render import ConnState
from bctrl_tail.render.pretty import is_failure
from bctrl_tail.render.view.bridge import ViewerClosed, ViewRenderer, failed
from bctrl_tail.render.view.store import Entry, Filters, Store
from bctrl_tail.terminal import make_console

from .viewkit import event, failure


def entries(n: int, *, start: int = 0, failed: tuple[int, ...] = ()) -> list[Entry]:
    return [
        Entry(0, f'{{"name":"Event-{i}"}}', "run_a" if i % 2 else "run_b", "network", i in failed)
        for i in range(start, start + n)
    ]


def test_the_store_keeps_the_latest_and_counts_what_it_let_go() -> None:
    store = Store(keep=5)
    store.add(entries(8))
    assert len(store) == 5
    assert store.let_go == 3
    assert store.received == 8
    assert [store.row(i).seq for i in range(5)] == [3, 4, 5, 6, 7]
    assert store.counts == {"network": 8}


def test_filters_are_case_insensitive_and_combine() -> None:
    store = Store()
    store.add(entries(12, failed=(3, 10, 11)))
    store.set_filters(Filters(text="EVENT-1"))
    assert [store.row(i).seq for i in range(len(store))] == [1, 10, 11]
    store.set_filters(Filters(text="event-1", failures=True))
    assert len(store) == 2
    store.set_filters(Filters(text="event-1", failures=True, run_id="run_a"))
    assert [store.row(i).seq for i in range(len(store))] == [11]
    store.add(entries(2, start=12, failed=(13,)))  # new events are filtered as they come
    assert [store.row(i).seq for i in range(len(store))] == [11, 13]
    store.set_filters(Filters())
    assert len(store) == 14


def test_a_selection_stays_on_its_event_while_older_ones_go() -> None:
    store = Store(keep=10)
    store.add(entries(10))
    assert store.index_of(6) == 6
    store.add(entries(4, start=10))
    assert store.index_of(6) == 2  # the same event, four rows up
    assert store.index_of(1) == 0  # let go: the oldest kept row
    store.set_filters(Filters(text="event-1"))
    assert store.row(store.index_of(11)).seq == 11


def test_failures_are_kept_for_the_summary_even_when_let_go() -> None:
    store = Store(keep=3)
    store.add(entries(30, failed=tuple(range(0, 30, 2))))
    assert store.failure_count == 15
    assert [e.seq for e in store.failures][-1] == 28
    assert len(store.failures) == 15


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_screen_is_woken_at_most_20_times_a_second_and_never_waited_for() -> None:
    clock = Clock()
    renderer = ViewRenderer(time_format="utc", clock=clock)
    wakes: list[float] = []
    renderer.attach(lambda: wakes.append(clock.now))
    for i in range(1000):
        renderer.on_event(event(i))
        renderer.flush()  # the tail calls this after every chunk
        clock.now += 0.001  # 1000 events a second
    assert len(wakes) == 20  # one second: 20 wakes
    assert renderer.due() == pytest.approx(0.05 - 0.001 * 1000 % 0.05, abs=0.002)
    batch = renderer.take()
    assert len(batch.entries) == 1000  # the screen takes everything at once
    assert renderer.due() == pytest.approx(0.1)  # idle: a look every tenth of a second


def test_states_are_handed_over_latest_first_and_the_tail_stops_once_the_viewer_closed() -> None:
    renderer = ViewRenderer(time_format="utc")
    renderer.on_state(ConnState("connecting"))
    renderer.on_state(ConnState("live"))
    assert [s.phase for s in renderer.take().states.values()] == ["live"]
    renderer.viewer_closed()
    assert renderer.due() == 0.0
    with pytest.raises(ViewerClosed):
        renderer.flush()


def test_events_from_another_thread_all_arrive() -> None:
    renderer = ViewRenderer(time_format="utc")
    renderer.attach(lambda: None)
    taken: list[Entry] = []
    done = threading.Event()

    def tail() -> None:
        for i in range(5000):
            renderer.on_event(event(i))
            renderer.flush()
        done.set()

    thread = threading.Thread(target=tail)
    thread.start()
    while not done.is_set():
        taken += renderer.take().entries
    thread.join()
    taken += renderer.take().entries
    assert [e.text for e in taken] == [event(i).text for i in range(5000)]


def test_close_leaves_the_failures_seen_as_pretty_lines() -> None:
    out = io.StringIO()
    renderer = ViewRenderer(
        time_format="utc", console=make_console(out, color=False, is_tty=False, width=200)
    )
    store = Store()
    batch = [event(1), failure(2, name="[bold]boom[/] \x1b[2J"), event(3)]
    for ev in batch:
        renderer.on_event(ev)
    renderer.flush()
    store.add(renderer.take().entries)
    renderer.finished(store)
    renderer.close(None)
    lines = out.getvalue().splitlines()
    assert lines == [
        "1 failure seen:",
        "12:00:02.000Z network/network.failed failed [bold]boom[/] ",  # the escape removed
    ]
    renderer.close(None)  # once only
    assert out.getvalue().count("failure seen") == 1


def test_with_several_runs_each_failure_left_names_its_run() -> None:
    out = io.StringIO()
    renderer = ViewRenderer(
        time_format="utc", console=make_console(out, color=False, is_tty=False, width=200)
    )
    store = Store()
    for ev in (failure(1, runId="run_a"), event(2, runId="run_long_b"), failure(3, runId="run_b")):
        renderer.on_event(ev)
    renderer.flush()
    store.add(renderer.take().entries)
    renderer.finished(store)
    renderer.close({})
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("run_a      12:00:01.000Z network/network.failed")
    assert lines[2].startswith("run_b      12:00:03.000Z network/network.failed")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"status": "FAILED"},
        {"status": "ok"},
        {"status": None, "outcome": "failed"},
        {"status": "", "outcome": "denied"},
        {"status": 500},
        {"status": ["failed"]},
        {"type": "network.failed", "status": "ok"},
        {"type": "page.crash", "status": None},
        {"type": "console.message", "status": None, "data": {"level": "error"}},
        {"type": "console.message", "status": None, "level": "ERROR"},
        {"type": "log", "category": "console", "status": None, "data": {"level": "error"}},
        {"type": 7, "status": None},
        {"type": None, "status": "crashed"},
        {"type": "captcha.solve.failed", "category": "captcha"},
    ],
)
def test_the_fast_failure_check_agrees_with_is_failure(fields: dict[str, object]) -> None:
    ev = event(1, **fields)
    assert failed(ev) == is_failure(ev)


def test_in_a_flood_the_screen_is_woken_2_times_a_second() -> None:
    clock = Clock()
    renderer = ViewRenderer(time_format="utc", clock=clock)
    wakes: list[float] = []

    def wake() -> None:
        wakes.append(clock.now)
        renderer.take()  # the screen takes each batch when woken

    renderer.attach(wake)
    for i in range(40_000):  # 40,000 events a second: 2,000 a batch at 20 a second
        renderer.on_event(event(i))
        renderer.flush()
        clock.now += 0.000025
    assert 2 <= len(wakes) <= 4
    flood_wakes = len(wakes)
    for i in range(2000):  # calm again: 1,000 events a second
        renderer.on_event(event(i))
        renderer.flush()
        clock.now += 0.001
    calm = wakes[flood_wakes:]
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(calm)]
    assert gaps[-5:] == [0.05] * 5  # 20 a second again


def test_the_viewer_stays_open_only_when_every_followed_run_ended() -> None:
    from types import SimpleNamespace

    from bctrl_tail.render.view.worker import all_ended

    one = SimpleNamespace(ended_runs={}, config=SimpleNamespace(run_id="run_a"))
    assert not all_ended(one)  # type: ignore[arg-type]  # -n, --until: nothing ended
    one.ended_runs = {"run_a": object()}
    assert all_ended(one)  # type: ignore[arg-type]
    several = SimpleNamespace(
        ended_runs={"run_a": object()}, config=SimpleNamespace(run_ids=("run_a", "run_b"))
    )
    assert not all_ended(several)  # type: ignore[arg-type]  # -n after one of two ended
    several.ended_runs["run_b"] = object()
    assert all_ended(several)  # type: ignore[arg-type]
