"""The command line: Typer options, and the one place errors become exit codes and messages."""

from __future__ import annotations

import sys
from typing import Annotated, Any, NoReturn

import typer

from bctrl_tail import __version__, interrupts
from bctrl_tail.choices import CATEGORIES, COLORS, KNOWN_TYPES, OUTPUTS, TIME_FORMATS
from bctrl_tail.errors import ExitCode, Terminated

EXAMPLES = """\
Examples:

  bctrl-tail --demo                          a simulated run, no key needed
  bctrl-tail run_123                         the viewer at a terminal
  bctrl-tail run_123 | jq -r .type           JSON lines when piped
  bctrl-tail run_123 -c network -o pretty    network events as coloured lines
  bctrl-tail run_123 --exit-status --timeout 600   wait for the run in CI
  bctrl-tail run_123 --cursor-file .cursor   resume where the last tail stopped
"""

SOURCE = "Source"
FILTERS = "Filters"
OUTPUT = "Output"
STOPPING = "Stopping"
RESILIENCE = "Resilience"


def _completer(values: tuple[str, ...]) -> Any:
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return complete


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bctrl-tail {__version__}")
        raise typer.Exit()


app = typer.Typer(
    add_completion=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
)


@app.command(
    help="Follow the live event stream of a bctrl run.\n\n"
    "Shows an interactive viewer at a terminal and JSON lines when piped. The API key comes from "
    "--api-key, BCTRL_API_KEY, or else the bctrl CLI's login (bctrl auth login); the base URL "
    "from --base-url, BCTRL_BASE_URL or BCTRL_API_URL.",
    epilog=EXAMPLES,
    no_args_is_help=False,
)
def tail(
    run_id: Annotated[
        str | None, typer.Argument(metavar="RUN_ID", help="The run to follow.", show_default=False)
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            rich_help_panel=SOURCE,
            help="Bearer key; better: BCTRL_API_KEY or the bctrl CLI's login.",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            rich_help_panel=SOURCE,
            help="API base (BCTRL_BASE_URL; default https://api.bctrl.ai).",
            show_default=False,
        ),
    ] = None,
    allow_http: Annotated[
        bool,
        typer.Option(
            "--allow-http",
            metavar="",
            rich_help_panel=SOURCE,
            help="Allow sending the key over plain http to a non-loopback host.",
        ),
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            metavar="",
            rich_help_panel=SOURCE,
            help="Tail a simulated run from the built-in simulator.",
        ),
    ] = False,
    demo_speed: Annotated[
        float,
        typer.Option(
            "--demo-speed",
            metavar="FACTOR",
            rich_help_panel=SOURCE,
            help="With --demo: play the run FACTOR times faster.",
        ),
    ] = 1.0,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "-t",
            "--type",
            metavar="TYPE",
            rich_help_panel=FILTERS,
            help="Server filter by event type (repeatable, comma lists).",
            autocompletion=_completer(KNOWN_TYPES),
            show_default=False,
        ),
    ] = None,
    categories: Annotated[
        list[str] | None,
        typer.Option(
            "-c",
            "--category",
            metavar="CAT",
            rich_help_panel=FILTERS,
            help="Server filter by category (repeatable): " + " ".join(CATEGORIES) + ".",
            autocompletion=_completer(CATEGORIES),
            show_default=False,
        ),
    ] = None,
    connection_id: Annotated[
        str | None,
        typer.Option(
            "--connection-id",
            metavar="UUID",
            rich_help_panel=FILTERS,
            help="Server filter by connection.",
            show_default=False,
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        typer.Option(
            "--cursor",
            metavar="CURSOR",
            rich_help_panel=FILTERS,
            help="Start after this event id.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            metavar="N",
            rich_help_panel=FILTERS,
            help="Passed to the server as limit=N.",
            show_default=False,
        ),
    ] = None,
    grep: Annotated[
        list[str] | None,
        typer.Option(
            "--grep",
            metavar="REGEX",
            rich_help_panel=FILTERS,
            help="Keep events whose JSON matches (repeatable: any).",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="REGEX",
            rich_help_panel=FILTERS,
            help="Drop events whose JSON matches (repeatable).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            rich_help_panel=FILTERS,
            help="Drop events older than 90s, 5m, 2h, 1d or an ISO time.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            metavar="MODE",
            rich_help_panel=OUTPUT,
            help="auto, view, table, pretty, jsonl or raw.",
            autocompletion=_completer(OUTPUTS),
        ),
    ] = "auto",
    color: Annotated[
        str | None,
        typer.Option(
            "--color",
            metavar="WHEN",
            rich_help_panel=OUTPUT,
            help="auto, always or never (default auto).",
            autocompletion=_completer(COLORS),
            show_default=False,
        ),
    ] = None,
    time_format: Annotated[
        str,
        typer.Option(
            "--time-format",
            metavar="F",
            rich_help_panel=OUTPUT,
            help="local, utc, iso or relative.",
            autocompletion=_completer(TIME_FORMATS),
        ),
    ] = "local",
    quiet: Annotated[
        bool,
        typer.Option(
            "-q",
            "--quiet",
            metavar="",
            rich_help_panel=OUTPUT,
            help="Nothing on stderr but errors.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "-v",
            "--verbose",
            metavar="",
            rich_help_panel=OUTPUT,
            help="Connection diagnostics on stderr.",
        ),
    ] = False,
    max_events: Annotated[
        int | None,
        typer.Option(
            "-n",
            "--max-events",
            metavar="N",
            rich_help_panel=STOPPING,
            help="Exit 0 after N events.",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        list[str] | None,
        typer.Option(
            "--until",
            metavar="GLOB",
            rich_help_panel=STOPPING,
            help="Exit 0 after the first event whose type matches.",
            autocompletion=_completer(KNOWN_TYPES),
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            rich_help_panel=STOPPING,
            help="Exit 124 after this long.",
            show_default=False,
        ),
    ] = None,
    exit_status: Annotated[
        bool,
        typer.Option(
            "--exit-status",
            metavar="",
            rich_help_panel=STOPPING,
            help="Exit 3 when the run ends without success.",
        ),
    ] = False,
    cursor_file: Annotated[
        str | None,
        typer.Option(
            "--cursor-file",
            metavar="PATH",
            rich_help_panel=RESILIENCE,
            help="Resume from and save the last event id here.",
            show_default=False,
        ),
    ] = None,
    max_retries: Annotated[
        int,
        typer.Option(
            "--max-retries",
            metavar="N",
            rich_help_panel=RESILIENCE,
            help="Failed attempts in a row before exit 1 (0: never reconnect).",
        ),
    ] = 10,
    idle_timeout: Annotated[
        float,
        typer.Option(
            "--idle-timeout",
            metavar="SECONDS",
            rich_help_panel=RESILIENCE,
            help="Reconnect after this long without a byte.",
        ),
    ] = 60.0,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> int:
    from bctrl_tail.config import Options  # lazily: --help and TAB never need it

    opts = Options(
        run_id=run_id,
        api_key=api_key,
        base_url=base_url,
        allow_http=allow_http,
        types=tuple(types or ()),
        categories=tuple(categories or ()),
        connection_id=connection_id,
        cursor=cursor,
        limit=limit,
        grep=tuple(grep or ()),
        exclude=tuple(exclude or ()),
        since=since,
        output=output,
        color=color,
        time_format=time_format,
        max_events=max_events,
        until=tuple(until or ()),
        timeout=timeout,
        exit_status=exit_status,
        cursor_file=cursor_file,
        max_retries=max_retries,
        idle_timeout=idle_timeout,
        quiet=quiet,
        verbose=verbose,
        demo=demo,
        demo_speed=demo_speed,
    )
    from bctrl_tail.run import execute

    return execute(opts)


def _click_class(name: str) -> type[Exception]:
    """Click's exception classes, wherever this Typer keeps click (it may vendor it)."""
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name:
            return cls
    raise LookupError(name)  # pragma: no cover


_WORDING = (
    (", unable to parse string as an integer", ""),
    (", unable to parse string as a number", ""),
    ("Input should be a valid integer", "expected a whole number"),
    ("Input should be a valid number", "expected a number"),
)


def _plain(message: str) -> str:
    """Say what the value should be in our words, not the validation library's."""
    for old, new in _WORDING:
        message = message.replace(old, new)
    return message


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: every outcome leaves through sys.exit with a documented code."""
    interrupts.install()
    usage_error = _click_class("UsageError")
    click_exception = _click_class("ClickException")
    code: Any
    try:
        code = app(args=argv, prog_name="bctrl-tail", standalone_mode=False)
    except usage_error as exc:
        message = _plain(exc.format_message())  # type: ignore[attr-defined]
        sys.stderr.write(f"bctrl-tail: error: {message} (see bctrl-tail --help)\n")
        code = ExitCode.USAGE
    except click_exception as exc:
        sys.stderr.write(f"bctrl-tail: error: {exc.format_message()}\n")  # type: ignore[attr-defined]
        code = getattr(exc, "exit_code", ExitCode.FAILURE)
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
    except Terminated:
        code = ExitCode.TERMINATED
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # click turns Ctrl-C while parsing into Abort
            code = ExitCode.INTERRUPTED
        else:
            sys.stderr.write(f"bctrl-tail: internal error: {type(exc).__name__}: {exc}\n")
            code = ExitCode.FAILURE
    sys.exit(int(code) if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
