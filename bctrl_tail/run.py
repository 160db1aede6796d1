"""Wiring for one invocation: config, demo server, renderer, tail; and every way out of it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, cast

from bctrl_tail.auth import FROM_LOGIN, login_token
from bctrl_tail.config import Config, Options, build_config
from bctrl_tail.errors import ExitCode, HungUp, TailError, Terminated
from bctrl_tail.output import Output, OutputError, silence_stdout
from bctrl_tail.reporter import Reporter

if TYPE_CHECKING:
    from bctrl_tail.render import Renderer
    from bctrl_tail.tail import Tail


def execute(opts: Options) -> int:
    reporter = Reporter(sys.stderr, quiet=opts.quiet, verbose=opts.verbose and not opts.quiet)
    if sys.stdout is None:  # started with stdout closed (`>&-`): nothing could be shown
        reporter.error(["error: cannot write to stdout: it is closed"])
        return ExitCode.FAILURE
    try:
        config = build_config(
            opts,
            env=os.environ,
            stdout_is_tty=_isatty(sys.stdout),
            stdin_is_tty=_isatty(sys.stdin),
            now=dt.datetime.now(dt.timezone.utc),
            login=lambda base: login_token(base, os.environ, note=reporter.debug),
        )
    except TailError as exc:
        reporter.error(exc.lines())
        return exc.exit_code
    secret = "" if config.demo else config.api_key
    reporter = Reporter(sys.stderr, quiet=config.quiet, verbose=config.verbose, secret=secret)
    if config.key_source:
        reporter.debug(f"API key from {config.key_source}")
    report_resume(config, reporter, cursor_given=opts.cursor is not None)
    return follow(config, reporter)


def report_resume(config: Config, reporter: Reporter, *, cursor_given: bool) -> None:
    """Say where the cursor file makes each run start, and why it does not, if it does not."""
    path = config.cursor_file
    if path is None or cursor_given:
        return
    other = config.saved.other_base_url
    if other is not None:
        reporter.warn(
            f"--cursor-file {path} holds cursors for {other}, not {config.base_url}:"
            " starting from the beginning (it is rewritten for this URL once an event is shown)"
        )
    for run_id, cursor in config.cursors.items():
        which = "" if len(config.run_ids) == 1 else f"{run_id} "
        reporter.info(f"resuming {which}after {cursor} (from {path})")


def make_renderer(config: Config, reporter: Reporter, out: Output) -> Renderer:
    """The renderer of ``config.output``, writing to ``out`` (stdout)."""
    is_tty = out.terminal
    if config.output in ("jsonl", "raw"):
        stream = cast(BinaryIO, out.binary())
        if config.output == "raw":
            from bctrl_tail.render.raw import RawOutput

            return RawOutput(stream, terminal=is_tty)
        from bctrl_tail.render.jsonl import JsonlRenderer

        return JsonlRenderer(stream, terminal=is_tty, run_ids=len(config.run_ids) > 1)
    from bctrl_tail.terminal import make_console

    # what the terminal's encoding cannot show becomes "?", never a crash that loses the tail
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    console = make_console(cast(TextIO, out), color=config.color, is_tty=is_tty)
    if config.output == "pretty":
        from bctrl_tail.render.pretty import PrettyRenderer

        return PrettyRenderer(console, time_format=config.time_format, run_ids=config.run_ids)
    if _isatty(sys.stderr):  # lines would tear the display; to a file or pipe they go at once
        reporter.defer()
    if config.output == "view":
        from bctrl_tail.render.view.bridge import ViewRenderer

        return ViewRenderer(time_format=config.time_format, console=console, run_ids=config.run_ids)
    from bctrl_tail.render.table import TableRenderer

    return TableRenderer(
        console, run_id=run_title(config), time_format=config.time_format, run_ids=config.run_ids
    )


def run_title(config: Config) -> str:
    """What a header calls the runs followed: the ids, or the first and how many more."""
    ids = config.run_ids
    return ", ".join(ids) if len(ids) <= 3 else f"{ids[0]} and {len(ids) - 1} more"


def _start_demo(config: Config, reporter: Reporter) -> tuple[Any, Config]:
    from bctrl_tail.simulator import Simulator, demo_runs

    sim = Simulator(host="127.0.0.1", port=0)
    for run in demo_runs(speed=config.demo_speed):
        sim.add_run(run)
    sim.start()
    noun = "run" if len(config.run_ids) == 1 else "runs"
    reporter.info(
        f"demo: tailing simulated {noun} {' and '.join(config.run_ids)} served at {sim.base_url}"
        + ("" if config.demo_speed != 1 else " (try --demo-speed 10)")
    )
    return sim, replace(config, base_url=sim.base_url)


def follow(config: Config, reporter: Reporter) -> int:
    """Run the tail and turn how it ended into an exit code and stderr lines."""
    sim = None
    tail: Tail | None = None
    renderer: Renderer | None = None
    out = Output(sys.stdout, terminal=_isatty(sys.stdout))
    errors: list[str] = []
    summary = False
    word = ""
    code: int = ExitCode.FAILURE
    try:
        if config.demo:
            sim, config = _start_demo(config, reporter)
        from bctrl_tail.render.raw import RawOutput
        from bctrl_tail.tail import Tail

        renderer = make_renderer(config, reporter, out)
        raw = renderer if isinstance(renderer, RawOutput) else None
        tail = Tail(config, renderer, reporter, raw=raw)
        if config.output == "view":
            from bctrl_tail.render.view.session import drive

            code, summary = drive(
                renderer,
                tail,
                title=run_title(config),
                color=config.color,
                run_ids=config.run_ids,
            )
            word = "stopped"  # q before the runs ended: where each run could resume
        else:
            code = tail.run()
    except BrokenPipeError:
        silence_stdout()
        code = ExitCode.OK
        renderer = None
    except TailError as exc:
        code = exc.exit_code
        if code == ExitCode.TIMEOUT:  # with where each run could resume, as Ctrl-C says
            reporter.info(exc.message if tail is None else stopped_line(tail, exc.message))
            _mark(renderer, "timed out")
        else:
            errors = in_user_terms(exc, config).lines()
            _mark(renderer, "error", exc.message)
    except KeyboardInterrupt:
        code, summary, word = ExitCode.INTERRUPTED, True, "interrupted"
        _mark(renderer, word)
    except Terminated as exc:  # SIGTERM, or SIGHUP (HungUp)
        code, summary, word = exc.exit_code, True, exc.word
        _mark(renderer, word)
    except Exception as exc:  # the last guard: one line, never a traceback
        code, errors = ExitCode.FAILURE, [f"internal error: {type(exc).__name__}: {exc}"]
    finally:
        code = _cleanup(renderer, tail, sim, reporter, code, out)
    if summary and tail is not None:
        reporter.info(stopped_line(tail, word))
    reporter.release()
    if errors:
        reporter.error(errors)
    return code


def in_user_terms(error: TailError, config: Config) -> TailError:
    """The hint names what this user actually used: a key from the bctrl CLI's login is
    renewed by signing in again, and a base URL from BCTRL_API_URL is fixed there."""
    hint = error.hint or ""
    if config.key_source == FROM_LOGIN and error.message.startswith("HTTP 401"):
        hint = (
            "the key from the bctrl CLI's login was refused (expired or revoked?):"
            " sign in again with `bctrl auth login`, or set BCTRL_API_KEY"
        )
    if config.base_url_from == "BCTRL_API_URL" and "--base-url" in hint:
        hint += f" (it came from BCTRL_API_URL, {config.base_url}/v1)"
    error.hint = hint or None
    return error


def stopped_line(tail: Tail, word: str) -> str:
    """What a stopped tail says: the counts, and where each run could resume."""
    from bctrl_tail.flow import counted, end_line

    stats = tail.stats
    last_ids = tail.last_ids()
    if len(last_ids) == 1:
        return end_line(
            tail.config.run_id,
            None,
            shown=stats.shown,
            reconnects=stats.reconnects,
            stopped=word,
            last_id=stats.last_id,
        )
    where = ", ".join(f"{run_id} {last or '(none)'}" for run_id, last in last_ids.items())
    shown, reconnects = counted(stats.shown, "event"), counted(stats.reconnects, "reconnect")
    return f"{word}: {shown} shown, {reconnects}; last ids: {where}"


def _cleanup(
    renderer: Renderer | None,
    tail: Tail | None,
    sim: Any,
    reporter: Reporter,
    code: int,
    out: Output,
) -> int:
    """Close the display, save the resume point, stop the demo server — whatever happened.

    Each step has its own guard, so a second Ctrl-C while the table closes still saves the
    cursor file and stops the server. The cursor file moves past the events written last
    only when the output took them.
    """
    try:
        if renderer is not None:
            try:
                renderer.close(tail.ended_runs if tail is not None else {})
            except (OSError, OutputError, HungUp):  # the reader left, a full disk, a closed
                silence_stdout()  # terminal (a hang-up keeps what was shown, as SIGHUP does)
        if tail is not None and not out.lost:
            tail.cursor_file.commit()
    except (KeyboardInterrupt, Terminated):
        pass
    try:
        if tail is not None:
            try:
                tail.finish()
            except OSError as exc:
                path = tail.cursor_file.path
                reporter.error([f"error: cannot write --cursor-file {path}: {exc.strerror or exc}"])
                code = code or ExitCode.FAILURE
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        if sim is not None:
            sim.stop()
    return code


def _mark(renderer: Renderer | None, phase: str, reason: str = "") -> None:
    """Let the last screen say why it stopped (a run status like `stopped` would mislead)."""
    from bctrl_tail.render import ConnState

    if renderer is not None:
        with contextlib.suppress(Exception, KeyboardInterrupt, Terminated):
            renderer.on_state(ConnState(phase, reason=reason))


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
