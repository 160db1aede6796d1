"""What the viewer keeps: the latest events, compactly, and the rows a filter lets through.

No Textual here: the store is plain data, tested without a screen. An event is kept as its
compact JSON text plus the few fields every row or filter needs (run, category, failed);
everything else is parsed again only for the rows on screen, so 100,000 events fit in a few
tens of megabytes. Rows are addressed by a sequence number that never changes, so a selection
stays on its event while older events are let go.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from bctrl_tail.events import RunEvent
from bctrl_tail.render.table import MAX_COUNTED_CATEGORIES

KEEP = 100_000  # events kept for scrolling
FAILURES_KEPT = 20  # failures printed on the normal screen after the viewer closes
MAX_RUNS = 64  # distinct runs the `r` key cycles through (the CLI follows at most 50)


_CATEGORY = attrgetter("category")
_RUN = attrgetter("run_id")


@dataclass(slots=True)
class Entry:
    """One event as kept: its JSON text and what rows and filters need without parsing it."""

    seq: int
    text: str
    run_id: str
    category: str
    failed: bool


def parse_entry(entry: Entry) -> RunEvent:
    """The event of a kept entry, parsed again from its JSON text (only rows on screen are)."""
    try:
        data: Any = json.loads(entry.text)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        data = {"data": entry.text}
    return RunEvent(str(data.get("id", "")), data, entry.run_id, entry.text)


@dataclass(frozen=True, slots=True)
class Filters:
    """What the rows show: a case-insensitive substring of the JSON, failures, one run."""

    text: str = ""
    failures: bool = False
    run_id: str = ""

    def __bool__(self) -> bool:
        return bool(self.text or self.failures or self.run_id)

    def keeps(self, entry: Entry) -> bool:
        if self.failures and not entry.failed:
            return False
        if self.run_id and entry.run_id != self.run_id:
            return False
        return not self.text or self.text.lower() in entry.text.lower()


class Tally:
    """What every event that arrived counts for, whether it is kept or not: counts by
    category, the runs in the order first seen, the last failures and how many there were."""

    __slots__ = ("arrived", "counts", "failure_count", "failures", "runs")

    def __init__(self) -> None:
        self.arrived = 0
        self.counts: dict[str, int] = {}
        self.runs: dict[str, int] = {}
        self.failures: deque[Entry] = deque(maxlen=FAILURES_KEPT)
        self.failure_count = 0

    def count(self, entries: list[Entry]) -> None:
        """Done in whole-batch steps (C loops, not a Python loop per field): in a flood
        this runs on the UI thread for every event."""
        self.arrived += len(entries)
        self._count_categories(Counter(map(_CATEGORY, entries)))
        self._add_runs(dict.fromkeys(map(_RUN, entries)))
        failures = [entry for entry in entries if entry.failed]
        if failures:
            self.failures.extend(failures)
            self.failure_count += len(failures)

    def merge(self, other: Tally) -> None:
        """Add what ``other`` counted (events that came before those counted next)."""
        self.arrived += other.arrived
        self._count_categories(other.counts)
        self._add_runs(other.runs)
        self.failures.extend(other.failures)
        self.failure_count += other.failure_count

    def _count_categories(self, counted: Mapping[str, int]) -> None:
        counts = self.counts
        for category, count in counted.items():
            key = category
            if key not in counts and len(counts) >= MAX_COUNTED_CATEGORIES:
                key = "other"
            counts[key] = counts.get(key, 0) + count

    def _add_runs(self, run_ids: Iterable[str]) -> None:
        runs = self.runs
        if len(runs) < MAX_RUNS:
            for run_id in run_ids:
                if run_id and run_id not in runs and len(runs) < MAX_RUNS:
                    runs[run_id] = len(runs)


class Store:
    """The latest ``keep`` events, counts by category, and the filtered view over them."""

    def __init__(self, keep: int = KEEP) -> None:
        self.events: deque[Entry] = deque(maxlen=keep)
        self.keep = keep
        self.total = 0  # events ever added
        self.lost = 0  # events that arrived but were never added (dropped before the store)
        self.tally = Tally()  # every event that arrived, added yet or not
        self.filters = Filters()
        self._matches: deque[int] = deque()  # seqs of kept events the filters let through

    @property
    def let_go(self) -> int:
        """Events no longer kept: older than the window, or dropped before they got here."""
        return self.total - len(self.events) + self.lost

    @property
    def received(self) -> int:
        """Every event that arrived, including those held while paused."""
        return self.tally.arrived

    @property
    def counts(self) -> dict[str, int]:
        return self.tally.counts

    @property
    def runs(self) -> dict[str, int]:
        """Run id -> its place, in the order first seen (for ``r``)."""
        return self.tally.runs

    @property
    def failures(self) -> deque[Entry]:
        return self.tally.failures

    @property
    def failure_count(self) -> int:
        return self.tally.failure_count

    @property
    def first_seq(self) -> int:
        return self.events[0].seq if self.events else self.total

    def count(self, entries: list[Entry]) -> None:
        """Count a batch as arrived, before anything may be dropped (a pause holds at most
        ``keep`` events): the counts and the failures seen stay whole."""
        self.tally.count(entries)

    def absorb(self, tally: Tally) -> None:
        """Count events dropped before they reached the viewer (``tally`` of them)."""
        self.tally.merge(tally)
        self.lost += tally.arrived

    def add(self, entries: list[Entry], *, counted: bool = False) -> None:
        """Append a batch (entries numbered here), letting the oldest go past ``keep``;
        ``counted``: ``count`` has already seen it (held while paused).

        Done in whole-batch steps (C loops, not a Python loop per field): in a flood this runs
        on the UI thread for every event, and every microsecond is taken from the tail.
        """
        seq = self.total
        for entry in entries:
            entry.seq = seq
            seq += 1
        self.total = seq
        self.events.extend(entries)
        if not counted:
            self.count(entries)
        filters = self.filters
        if filters:
            matches, keeps = self._matches, filters.keeps
            matches.extend(entry.seq for entry in entries if keeps(entry))
            first = self.first_seq
            while matches and matches[0] < first:
                matches.popleft()

    def set_filters(self, filters: Filters) -> None:
        """Apply new filters to every kept event (one pass, on the UI thread)."""
        self.filters = filters
        self._matches = (
            deque(e.seq for e in self.events if filters.keeps(e)) if filters else deque()
        )

    def __len__(self) -> int:
        """Rows in the current view."""
        return len(self._matches) if self.filters else len(self.events)

    def row(self, index: int) -> Entry:
        """The ``index``-th row of the current view."""
        seq = self._matches[index] if self.filters else self.first_seq + index
        return self.events[seq - self.first_seq]

    def index_of(self, seq: int) -> int:
        """The row showing event ``seq``, or the nearest row after it (clamped to the view)."""
        index = bisect_left(self._matches, seq) if self.filters else seq - self.first_seq
        return max(0, min(index, len(self) - 1))
