"""The command line: Typer options, and the one place errors become exit codes and messages."""

from __future__ import annotations

import gc
import inspect
import os
import re
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from bctrl_tail import __version__, interrupts
from bctrl_tail.completion import fix_zsh_script
from bctrl_tail.errors import ExitCode, Terminated
from bctrl_tail.options import Options, command_parameters

EXAMPLES = """\
Examples:

bctrl-tail --demo                          a simulated run, no key needed
bctrl-tail run_123                         the viewer at a terminal
bctrl-tail run_123 | jq -r .type           JSON lines when piped
bctrl-tail run_123 -c network -o pretty    network events as coloured lines
bctrl-tail run_a run_b run_c -o pretty     several runs at once
bctrl-tail $RUNS --exit-status --timeout 600   wait for runs in CI
bctrl-tail run_123 --cursor-file .cursor   resume where the last tail stopped

Exit codes:

0  every run ended; -n/--until reached    4    no API key; HTTP 401 or 403
1  gave up, or an unexpected answer       5    HTTP 404: no such run
2  usage error                            6    --until: every run ended first
3  --exit-status: a run did not succeed   124  --timeout
                                          129  SIGHUP    130  Ctrl-C
                                          143  SIGTERM
"""

COMPLETION = "Shell completion"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bctrl-tail {__version__}")
        raise typer.Exit()


VERSION = inspect.Parameter(
    "version",
    inspect.Parameter.KEYWORD_ONLY,
    default=False,
    annotation=Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ],
)


def tail(**values: Any) -> int:
    """The command: every option arrives as a field of Options (see options.py)."""
    from bctrl_tail.run import execute  # lazily: --help and TAB never need it

    return execute(Options.from_cli(values))


tail.__signature__ = inspect.Signature([VERSION, *command_parameters()])  # type: ignore[attr-defined]

fix_zsh_script()  # before --install-completion / --show-completion can use Typer's template
app = typer.Typer(
    add_completion=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
)


class _Command(TyperCommand):
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """`RUN_ID...` as the contract writes it: optional only with --demo, which the
        brackets click would add cannot say."""
        return [self.options_metavar or "[OPTIONS]", "RUN_ID..."]


app.command(
    cls=_Command,
    help="Follow the live event streams of bctrl runs.\n\n"
    "Shows an interactive viewer at a terminal and JSON lines when piped; several runs are "
    "followed at once. The API key comes from --api-key, BCTRL_API_KEY, or else the bctrl CLI's "
    "login (bctrl auth login); the base URL from --base-url, BCTRL_BASE_URL or BCTRL_API_URL.",
    epilog=EXAMPLES,
    no_args_is_help=False,
)(tail)


def command() -> Any:
    """The click command, with Typer's completion options moved to a panel of their own,
    shown last."""
    from typer.main import get_command

    cmd = get_command(app)
    for param in cmd.params:
        if param.name in ("install_completion", "show_completion"):
            param.rich_help_panel = COMPLETION  # type: ignore[attr-defined]
    return cmd


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
# Click's own sentences, said the way every other usage error of this tool is said
_CLICK_SENTENCES = (
    (re.compile(r"'-\w' / '(--[^']+)'"), r"'\1'"),  # '-n' / '--max-events': the long name
    (
        re.compile(r"^Invalid value for '([^']+)': '(.*)' is not a valid (?:int|integer)\.?$"),
        r"invalid \1 '\2': expected a whole number",
    ),
    (
        re.compile(r"^Invalid value for '([^']+)': '(.*)' is not a valid float\.?$"),
        r"invalid \1 '\2': expected a number",
    ),
    (re.compile(r"^Option '([^']+)' requires an argument\.?$"), r"\1 needs a value"),
    (re.compile(r"^Missing argument '([^']+)'\.?$"), r"missing \1"),
)


def _plain(message: str) -> str:
    """Say what the value should be in our words, not the validation library's."""
    for old, new in _WORDING:
        message = message.replace(old, new)
    for pattern, replacement in _CLICK_SENTENCES:
        message = pattern.sub(replacement, message)
    return message


def _usage_message(exc: Exception) -> str:
    """One line for a usage error. An unknown option is named, with a suggestion only when
    it is a likely typo (Click offers `--verbose` for `--bogus`)."""
    name = getattr(exc, "option_name", None)
    if type(exc).__name__ == "NoSuchOption" and isinstance(name, str):
        import difflib  # only on this error path: start-up pays nothing for it

        known = sorted(getattr(exc, "possibilities", None) or ())
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        return f"unknown option {name}" + (f" (did you mean {close[0]}?)" if close else "")
    return _plain(exc.format_message())  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: every outcome leaves through sys.exit with a documented code."""
    interrupts.install()
    if sys.stderr is None:  # started with `2>&-`: messages go nowhere; exit codes still count
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    usage_error = _click_class("UsageError")
    click_exception = _click_class("ClickException")
    if not {"-h", "--help"}.isdisjoint(sys.argv[1:] if argv is None else argv):
        from bctrl_tail.helpimports import import_rich_help

        import_rich_help()
    code: Any
    try:
        code = command().main(args=argv, prog_name="bctrl-tail", standalone_mode=False)
    except usage_error as exc:
        message = _usage_message(exc)
        sys.stderr.write(f"bctrl-tail: error: {message} (see bctrl-tail --help)\n")
        code = ExitCode.USAGE
    except click_exception as exc:
        sys.stderr.write(f"bctrl-tail: error: {exc.format_message()}\n")  # type: ignore[attr-defined]
        code = getattr(exc, "exit_code", ExitCode.FAILURE)
    except (KeyboardInterrupt, typer.Abort):  # click turns Ctrl-C while parsing into Abort
        code = ExitCode.INTERRUPTED
    except Terminated as exc:  # SIGTERM, or SIGHUP
        code = exc.exit_code
    except Exception as exc:
        sys.stderr.write(f"bctrl-tail: internal error: {type(exc).__name__}: {exc}\n")
        code = ExitCode.FAILURE
    # The interpreter's collections at exit walk every live object only to free memory the
    # system takes back anyway (6 ms of --version, 20 ms after a large backlog); frozen
    # objects are skipped. Files are flushed and closed by then: nothing waits on them.
    gc.freeze()
    sys.exit(int(code) if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
