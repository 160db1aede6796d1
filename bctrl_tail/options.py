"""The command line's options, each declared once: a field of ``Options`` that carries how
Typer shows and parses it.

The Typer command is built from these fields (``command_signature``), so adding an option is
one field here plus its validation in config.py. Only Typer and the vocabularies are imported,
so --help and a TAB press stay fast.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Annotated, Any

import typer

from bctrl_tail.choices import CATEGORIES, COLORS, KNOWN_TYPES, OUTPUTS, TIME_FORMATS

MAX_RUNS = 50

SOURCE = "Source"
START = "Where to start"
FILTERS = "Filters"
OUTPUT = "Output"
STOPPING = "Stopping"
RESILIENCE = "Resilience"


def _completer(values: tuple[str, ...]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return complete


def _option(
    default: Any,
    *names: str,
    panel: str,
    help: str,
    metavar: str = "",
    values: tuple[str, ...] | None = None,
    cli_type: Any = None,
    secret: bool = False,
) -> Any:
    """A field whose metadata is its Typer option. Defaults are written in the help text,
    the one way they are shown; ``cli_type`` is the type Typer parses when it differs from
    the field's (a repeatable option is parsed as a list and kept as a tuple)."""
    info = typer.Option(
        *names,
        metavar=metavar,
        rich_help_panel=panel,
        help=help,
        show_default=False,
        autocompletion=_completer(values) if values else None,
    )
    cli_default = None if cli_type is not None else default
    metadata = {"cli": info, "cli_type": cli_type, "cli_default": cli_default}
    return field(default=default, repr=not secret, metadata=metadata)


def _repeatable(*names: str, panel: str, help: str, metavar: str, **kw: Any) -> Any:
    return _option((), *names, panel=panel, help=help, metavar=metavar, cli_type=list[str], **kw)


def _flag(*names: str, panel: str, help: str) -> Any:
    return _option(False, *names, panel=panel, help=help)


def _run_id_click_type() -> Any:
    """Typer's own string type with an empty metavar, so that --help shows ``RUN_ID...``
    without a type column (``<str>`` says nothing to a reader); found through Typer so it
    works whether Typer vendors click or not."""
    from typer.main import get_click_type

    string = get_click_type(annotation=str, parameter_info=typer.Argument())

    class RunIdType(type(string)):  # type: ignore[misc]
        name = "run_id"

        def get_metavar(self, *args: Any, **kwargs: Any) -> str:
            return ""

    return RunIdType()


@dataclass(frozen=True)
class Options:
    """The raw option values as the command line gave them (None or (): not given)."""

    run_ids: tuple[str, ...] = field(
        default=(),
        metadata={
            "cli": typer.Argument(
                metavar="RUN_ID...",
                help=f"The runs to follow (1 to {MAX_RUNS}; none with --demo).",
                show_default=False,
                click_type=_run_id_click_type(),
            ),
            "cli_type": list[str],
            "cli_default": None,
        },
    )
    api_key: str | None = _option(
        None,
        "--api-key",
        metavar="KEY",
        panel=SOURCE,
        help="Bearer key; better: BCTRL_API_KEY or the bctrl CLI's login.",
        secret=True,
    )
    base_url: str | None = _option(
        None,
        "--base-url",
        metavar="URL",
        panel=SOURCE,
        help="API base; not given: BCTRL_BASE_URL, else BCTRL_API_URL (the bctrl CLI's, "
        "without its /v1), else https://api.bctrl.ai.",
    )
    allow_http: bool = _flag(
        "--allow-http",
        panel=SOURCE,
        help="Allow sending the key over plain http to a non-loopback host.",
    )
    demo: bool = _flag(
        "--demo",
        panel=SOURCE,
        help="Tail simulated runs (run_demo, run_demo_failed) from the built-in simulator.",
    )
    demo_speed: float = _option(
        1.0,
        "--demo-speed",
        metavar="FACTOR",
        panel=SOURCE,
        help="With --demo: play the runs FACTOR times faster (default 1).",
    )
    cursor: str | None = _option(
        None,
        "--cursor",
        metavar="CURSOR",
        panel=START,
        help="Start after this event id (one run only).",
    )
    limit: int | None = _option(
        None, "--limit", metavar="N", panel=START, help="Passed to the server as limit=N."
    )
    cursor_file: str | None = _option(
        None,
        "--cursor-file",
        metavar="PATH",
        panel=START,
        help="Resume each run after its id saved here, and keep saving them.",
    )
    types: tuple[str, ...] = _repeatable(
        "-t",
        "--type",
        metavar="TYPE",
        panel=FILTERS,
        help="Server filter by event type (repeatable, comma lists).",
        values=KNOWN_TYPES,
    )
    categories: tuple[str, ...] = _repeatable(
        "-c",
        "--category",
        metavar="CAT",
        panel=FILTERS,
        help="Server filter by category (repeatable, comma lists): " + " ".join(CATEGORIES) + ".",
        values=CATEGORIES,
    )
    connection_id: str | None = _option(
        None,
        "--connection-id",
        metavar="UUID",
        panel=FILTERS,
        help="Server filter by connection.",
    )
    grep: tuple[str, ...] = _repeatable(
        "--grep",
        metavar="REGEX",
        panel=FILTERS,
        help="Keep events whose JSON matches (repeatable: any).",
    )
    exclude: tuple[str, ...] = _repeatable(
        "--exclude",
        metavar="REGEX",
        panel=FILTERS,
        help="Drop events whose JSON matches (repeatable).",
    )
    since: str | None = _option(
        None,
        "--since",
        metavar="WHEN",
        panel=FILTERS,
        help="Drop events older than 90s, 5m, 2h, 1d or an ISO time.",
    )
    output: str = _option(
        "auto",
        "-o",
        "--output",
        metavar="MODE",
        panel=OUTPUT,
        help="auto, view, table, pretty, jsonl or raw (default auto).",
        values=OUTPUTS,
    )
    color: str | None = _option(
        None,
        "--color",
        metavar="WHEN",
        panel=OUTPUT,
        help="auto, always or never (default auto). Not given: NO_COLOR turns colour off, "
        "FORCE_COLOR on; NO_COLOR wins when both are set.",
        values=COLORS,
    )
    time_format: str = _option(
        "local",
        "--time-format",
        metavar="F",
        panel=OUTPUT,
        help="local, utc, iso or relative (default local).",
        values=TIME_FORMATS,
    )
    quiet: bool = _flag("-q", "--quiet", panel=OUTPUT, help="Nothing on stderr but errors.")
    verbose: bool = _flag("-v", "--verbose", panel=OUTPUT, help="Connection diagnostics on stderr.")
    max_events: int | None = _option(
        None,
        "-n",
        "--max-events",
        metavar="N",
        panel=STOPPING,
        help="Exit 0 after N events (counted across runs).",
    )
    until: tuple[str, ...] = _repeatable(
        "--until",
        metavar="GLOB",
        panel=STOPPING,
        help="Exit 0 after the first event whose type matches; 6 if every run ends first.",
        values=KNOWN_TYPES,
    )
    timeout: float | None = _option(
        None,
        "--timeout",
        metavar="SECONDS",
        panel=STOPPING,
        help="Exit 124 after this long.",
    )
    exit_status: bool = _flag(
        "--exit-status", panel=STOPPING, help="Exit 3 when a run ends without success."
    )
    max_retries: int = _option(
        10,
        "--max-retries",
        metavar="N",
        panel=RESILIENCE,
        help="Failed attempts in a row before exit 1 (default 10; 0: never reconnect).",
    )
    idle_timeout: float = _option(
        60.0,
        "--idle-timeout",
        metavar="SECONDS",
        panel=RESILIENCE,
        help="Reconnect after this long without a byte (default 60).",
    )

    @classmethod
    def from_cli(cls, values: Mapping[str, Any]) -> Options:
        """The Options for Typer's parsed values: lists become tuples, an absent repeatable
        option an empty tuple. Values of other parameters (--version…) are ignored."""
        kwargs: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name in values:
                value = values[spec.name]
                kwargs[spec.name] = tuple(value or ()) if spec.metadata["cli_type"] else value
        return cls(**kwargs)


def command_parameters() -> list[inspect.Parameter]:
    """The Typer parameters of the command, one per field of Options, in field order."""
    hints = typing.get_type_hints(Options)
    params = []
    for spec in fields(Options):
        meta = spec.metadata
        # a repeatable option or the arguments: a list, or None when not given
        cli_type = meta["cli_type"] | None if meta["cli_type"] else hints[spec.name]
        params.append(
            inspect.Parameter(
                spec.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=meta["cli_default"],
                annotation=Annotated[cli_type, meta["cli"]],
            )
        )
    return params
