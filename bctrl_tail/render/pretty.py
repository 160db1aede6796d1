"""``pretty``: one coloured line per event, fit for logs and CI (no cursor movement, no wrap).

The style helpers here are shared with ``table`` so both modes colour events the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.console import Console
from rich.style import Style
from rich.text import Text

from bctrl_tail.events import SUCCESS_STATUSES, RunEnded, RunEvent
from bctrl_tail.render import ConnState
from bctrl_tail.render.timefmt import TimeFormatter
from bctrl_tail.sanitize import clean

FAILED = Style(color="red")
FAILED_STATUS = Style(color="red", bold=True)
SUCCEEDED = Style(color="green")
DIM = Style(dim=True)
PLAIN = Style()

CATEGORY_STYLES: dict[str, Style] = {
    "runtime": Style(color="magenta"),
    "command": Style(color="blue"),
    "network": Style(color="cyan"),
    "console": Style(color="yellow"),
    "file": Style(color="green"),
    "tool": Style(color="bright_blue"),
    "browser": Style(color="bright_magenta"),
    "captcha": Style(color="bright_yellow"),
    "event": Style(color="white"),
}
# Run colours: no red (failures are red) and no plain white (it would look like no colour),
# also once brought down to the 16 colours terminals are drawn with (make_console's
# "standard": a 256-colour orange would turn bright red there, a purple white). That leaves
# ten, five hues first; then the same ten underlined, so twenty runs all look different.
RUN_COLOURS = (
    "cyan",
    "magenta",
    "yellow",
    "green",
    "blue",
    "bright_cyan",
    "bright_magenta",
    "bright_yellow",
    "bright_green",
    "bright_blue",
)
RUN_STYLES = tuple(Style(color=name, bold=True) for name in RUN_COLOURS) + tuple(
    Style(color=name, bold=True, underline=True) for name in RUN_COLOURS
)
FAILURE_TYPES = frozenset({"network.failed", "page.error", "page.crash", "captcha.solve.failed"})
FAILURE_STATUSES = frozenset({"failed", "failure", "error", "crashed"})
SUMMARY_LIMIT = 8192  # characters of summary kept in pretty; beyond that rich gets slow
FIELD_LIMIT = 256  # type, category and status: names, not payloads


def category_style(category: str) -> Style:
    """The colour of a category; unknown categories look like ``event``."""
    return CATEGORY_STYLES.get(category, CATEGORY_STYLES["event"])


class RunColours:
    """Each run's colour, by its place among the runs followed (in the order given, then any
    other run in the order first seen): runs never share a colour while there are styles
    left (a hash of the id made two runs of three look the same), and a run keeps its
    colour for the whole invocation, in every mode."""

    def __init__(self, run_ids: Iterable[str] = ()) -> None:
        self._places: dict[str, int] = {}
        for run_id in run_ids:
            self._places.setdefault(run_id, len(self._places))

    def __call__(self, run_id: str) -> Style:
        place = self._places.setdefault(run_id, len(self._places))
        return RUN_STYLES[place % len(RUN_STYLES)]


def status_style(status: str, failed: bool) -> Style:
    if failed:
        return FAILED_STATUS
    return SUCCEEDED if status.lower() in SUCCESS_STATUSES else DIM


def console_level(event: RunEvent) -> str:
    """A console message's level (`log`, `warn`, `error`…), from `data.level` or `level`."""
    if event.category != "console" and not event.type.startswith("console."):
        return ""
    payload = event.data.get("data")
    level = payload.get("level") if isinstance(payload, dict) else None
    if level is None:
        level = event.data.get("level")
    return level if isinstance(level, str) else ""


def shown_status(event: RunEvent) -> str:
    """What the status slot shows: the status, else a console message's level."""
    return event.status or console_level(event)


def is_failure(event: RunEvent) -> bool:
    """Whether an event reports something that went wrong (shown in red)."""
    if event.status.lower() in FAILURE_STATUSES or event.type in FAILURE_TYPES:
        return True
    return console_level(event).lower() == "error"


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, marked with an ellipsis when cut (before ``clean``)."""
    return text if len(text) <= limit else text[:limit] + "…"


class PrettyRenderer:
    """Writes each event as one line of ``Text``: time, category/type, status, summary; with
    several ``run_ids``, the run id first, padded to the longest, in the run's colour."""

    def __init__(
        self,
        console: Console,
        *,
        time_format: str,
        formatter: TimeFormatter | None = None,
        run_ids: Sequence[str] = (),
    ) -> None:
        self._console = console
        self._format = formatter or TimeFormatter(time_format)
        self._run_width = (
            max(len(clean(clip(r, FIELD_LIMIT))) for r in run_ids) if len(run_ids) > 1 else 0
        )
        self._colours = RunColours(run_ids)

    def line(self, event: RunEvent) -> Text:
        """The line for one event; all remote text sanitized, nothing parsed as markup."""
        when = event.time
        self._format.observe(when)
        failed = is_failure(event)
        category = clean(clip(event.category, FIELD_LIMIT))
        status = clean(clip(shown_status(event), FIELD_LIMIT))
        text = Text(end="")
        if self._run_width:
            run_id = clean(clip(event.run_id, FIELD_LIMIT))
            text.append(run_id.ljust(self._run_width), style=self._colours(event.run_id))
            text.append(" ")
        text.append(self._format(when), style=DIM)
        text.append(" ")
        text.append(category, style=category_style(category))
        text.append("/")
        text.append(clean(clip(event.type, FIELD_LIMIT)), style=FAILED if failed else PLAIN)
        if status:
            text.append(" ")
            text.append(status, style=status_style(status, failed))
        summary = clean(clip(event.summary, SUMMARY_LIMIT))
        if summary:
            text.append(" ")
            text.append(summary, style=FAILED if failed else PLAIN)
        return text

    def on_state(self, state: ConnState) -> None:
        """Connection state goes to stderr, written elsewhere."""

    def on_event(self, event: RunEvent) -> None:
        self._console.print(self.line(event), soft_wrap=True)

    def flush(self) -> None:
        self._console.file.flush()

    def due(self) -> float | None:
        """Lines are written as they come: no redraw is ever pending."""
        return None

    def close(self, ended: Mapping[str, RunEnded]) -> None:
        """The end-of-run line goes to stderr, written elsewhere."""
