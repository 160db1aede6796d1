"""Config: flags and environment turned into one frozen, validated object, in one place.

Nothing downstream reads argv or the environment; every usage error is raised here, before
anything is sent.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from bctrl_tail.auth import LoginProvider, login_token, resolve_key
from bctrl_tail.choices import CATEGORIES, COLORS, OUTPUTS, TIME_FORMATS
from bctrl_tail.cursorfile import SavedCursors, read_cursor_file
from bctrl_tail.errors import UsageError
from bctrl_tail.events import parse_time
from bctrl_tail.options import MAX_RUNS, Options
from bctrl_tail.terminal import color_enabled

__all__ = ["Config", "Options", "build_config"]

DEFAULT_BASE_URL = "https://api.bctrl.ai"
DEMO_BASE_URL = "http://127.0.0.1"  # the demo server's port is chosen at start
DEMO_RUNS = ("run_demo", "run_demo_failed")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
MAX_SECONDS = 366 * 86400.0


@dataclass(frozen=True)
class Config:
    """Everything the tail needs, validated. The key is kept out of repr()."""

    run_ids: tuple[str, ...]  # one or more, no duplicates, in the order given
    api_key: str = field(repr=False)
    base_url: str
    types: tuple[str, ...]
    categories: tuple[str, ...]
    connection_id: str | None
    cursors: Mapping[str, str]  # where each run starts: --cursor, else the cursor file
    limit: int | None
    grep: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]
    since: dt.datetime | None
    output: str
    color: bool
    time_format: str
    max_events: int | None
    until: tuple[str, ...]
    timeout: float | None
    exit_status: bool
    cursor_file: Path | None
    saved: SavedCursors  # what the cursor file held at start (written back with ours)
    max_retries: int
    idle_timeout: float
    quiet: bool
    verbose: bool
    demo: bool
    demo_speed: float
    key_source: str = ""  # for -v: where the key came from (never the key)
    base_url_from: str = ""  # --base-url, BCTRL_BASE_URL, BCTRL_API_URL, or "" (the default)

    @property
    def run_id(self) -> str:
        """The first run (the only one, when one run is followed)."""
        return self.run_ids[0]

    @property
    def cursor(self) -> str | None:
        """Where the first run starts."""
        return self.cursors.get(self.run_ids[0])

    @property
    def stream_url(self) -> str:
        return self.stream_url_for(self.run_ids[0])

    def stream_url_for(self, run_id: str) -> str:
        """The run's stream: its id percent-encoded as one path segment, never more."""
        from bctrl_tail.request import stream_url

        return stream_url(self.base_url, run_id)


def split_values(values: Iterable[str], option: str = "option") -> tuple[str, ...]:
    """Repeatable options also take comma lists: `-t a,b -t c` is (a, b, c). An empty value
    is a mistake (an unset shell variable, say), not "no filter": it is refused."""
    out: list[str] = []
    for value in values:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts:
            raise UsageError(f"empty value for {option}")
        out.extend(parts)
    return tuple(out)


def normalize_base_url(raw: str, *, allow_http: bool) -> str:
    """Strip a trailing `/` or `/v2`; refuse what would send the key somewhere unsafe."""
    text = raw.strip()
    while text.endswith("/"):
        text = text[:-1]
    if text.endswith("/v2"):
        text = text[: -len("/v2")].rstrip("/")
    if not text.isascii() or any(c.isspace() for c in text):
        raise UsageError(
            f"invalid --base-url {raw!r}: use ASCII without spaces (xn-- for non-ASCII hosts)"
        )
    try:
        parts = urlsplit(text)
        _ = parts.port  # a bad port or an unclosed "[" is a usage error, not a crash later
    except ValueError:
        raise UsageError(f"invalid --base-url {raw!r}: expected http(s)://host[:port]") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"invalid --base-url {raw!r}: expected http(s)://host[:port]")
    if parts.username is not None or parts.password is not None:
        raise UsageError("--base-url must not contain credentials; use BCTRL_API_KEY")
    if parts.query or parts.fragment:
        raise UsageError(f"invalid --base-url {raw!r}: no query or fragment allowed")
    if parts.scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        raise UsageError(
            f"refusing to send the API key over plain http to {parts.hostname}: "
            "use https, or pass --allow-http"
        )
    return text


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_duration(text: str, option: str) -> float:
    """`90s`, `5m`, `2h`, `1d`, `250ms` or a bare number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"invalid {option} {text!r}: expected e.g. 90s, 5m, 2h or 1d")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]


def parse_since(text: str, now: dt.datetime) -> dt.datetime:
    if _DURATION.match(text):
        try:
            return now - dt.timedelta(seconds=parse_duration(text, "--since"))
        except OverflowError:  # beyond the year 1: every event is newer
            return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    parsed = parse_time(text, local=True)
    if parsed is None:
        raise UsageError(
            f"invalid --since {text!r}: expected a duration (90s, 5m, 2h, 1d) or an ISO-8601 time"
        )
    return parsed


def _compile(patterns: Iterable[str], option: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise UsageError(f"invalid {option} regex {pattern!r}: {exc}") from None
    return tuple(compiled)


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise UsageError(f"invalid {option} {value!r}: choose from {', '.join(choices)}")
    return value


def _output(value: str, *, env: Mapping[str, str], stdout_is_tty: bool, stdin_is_tty: bool) -> str:
    """``auto``: the viewer when a person is at a terminal (keys in, screen out), the live
    table when only stdout is one, JSON lines otherwise; a dumb terminal can redraw nothing,
    so it gets plain lines."""
    output = _choice(value, OUTPUTS, "--output")
    dumb = env.get("TERM") == "dumb"
    if output == "auto":
        if not stdout_is_tty:
            return "jsonl"
        if dumb:
            return "pretty"
        return "view" if stdin_is_tty else "table"
    if output == "view" and not (stdout_is_tty and stdin_is_tty):
        raise UsageError(
            "-o view needs a terminal on stdin and stdout; use -o table, pretty or jsonl"
        )
    return output


def _categories(values: Iterable[str]) -> tuple[str, ...]:
    out = []
    for value in split_values(values, "--category"):
        if value.lower() not in CATEGORIES:
            raise UsageError(
                f"invalid --category {value!r}: valid values are {' '.join(CATEGORIES)}"
            )
        out.append(value.lower())
    return tuple(out)


def _connection_id(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise UsageError(f"invalid --connection-id {value!r}: expected a UUID") from None


def _positive(value: float | None, option: str, *, minimum: float = 1) -> None:
    if value is not None and value < minimum:
        raise UsageError(f"invalid {option} {value}: must be at least {minimum}")


def build_config(
    opts: Options,
    *,
    env: Mapping[str, str],
    stdout_is_tty: bool,
    now: dt.datetime,
    stdin_is_tty: bool = False,
    login: LoginProvider | None = None,
) -> Config:
    """Validate everything; raise UsageError (exit 2) or AuthError (exit 4).

    ``login`` asks the bctrl CLI for a key (default: run `bctrl auth token` with ``env``); it is
    called at most once, last, when everything else is valid and no key was given.
    """
    run_ids = _run_ids(opts)
    output = _output(opts.output, env=env, stdout_is_tty=stdout_is_tty, stdin_is_tty=stdin_is_tty)
    color_flag = _choice(opts.color, COLORS, "--color") if opts.color is not None else None
    time_format = _choice(opts.time_format, TIME_FORMATS, "--time-format")
    _positive(opts.limit, "--limit")
    _positive(opts.max_events, "--max-events")
    _positive(opts.max_retries, "--max-retries", minimum=0)
    for option, value in (
        ("--timeout", opts.timeout),
        ("--idle-timeout", opts.idle_timeout),
        ("--demo-speed", opts.demo_speed),
    ):
        if value is not None and not 0 < value <= MAX_SECONDS:  # also refuses nan and inf
            most = "" if option == "--demo-speed" else " seconds (366 days)"
            raise UsageError(
                f"invalid {option} {value:g}: must be above 0 and at most {MAX_SECONDS:.0f}{most}"
            )
    if opts.demo_speed != 1.0 and not opts.demo:
        raise UsageError("--demo-speed only applies with --demo")
    for option, text in (
        ("--base-url", opts.base_url),  # never the variables or production in its place
        ("--api-key", opts.api_key),  # never the variable or the bctrl CLI login instead
        ("--cursor", opts.cursor),
        ("--cursor-file", opts.cursor_file),
        ("--since", opts.since),
    ):
        if text is not None and not text.strip():  # an unset shell variable, most likely
            raise UsageError(f"empty value for {option}")
    if opts.demo and (opts.base_url or opts.api_key):
        given = "--base-url" if opts.base_url else "--api-key"
        raise UsageError(
            f"{given} does not apply with --demo: the demo serves its own runs on loopback",
            hint="leave out --demo to follow a real run",
        )
    if opts.cursor is not None and len(run_ids) > 1:
        raise UsageError(
            "--cursor applies to one run, and several were given",
            detail="use --cursor-file to resume several runs, each after its own id",
        )
    for pattern in (*opts.grep, *opts.exclude):
        if not pattern:
            raise UsageError("empty regex for --grep/--exclude: it would match every event")
    base_url = DEMO_BASE_URL if opts.demo else _base_url(opts, env)
    cursor_file = Path(opts.cursor_file) if opts.cursor_file is not None else None
    saved = read_cursor_file(cursor_file, base_url) if cursor_file else SavedCursors(base_url)
    cursors = {run_id: saved.runs[run_id] for run_id in run_ids if run_id in saved.runs}
    if opts.cursor is not None:
        cursors = {run_ids[0]: opts.cursor}
    config = Config(
        run_ids=run_ids,
        api_key="",
        base_url=base_url,
        types=split_values(opts.types, "--type"),
        categories=_categories(opts.categories),
        connection_id=_connection_id(opts.connection_id),
        cursors=cursors,
        limit=opts.limit,
        grep=_compile(opts.grep, "--grep"),
        exclude=_compile(opts.exclude, "--exclude"),
        since=parse_since(opts.since, now) if opts.since is not None else None,
        output=output,
        color=color_enabled(color_flag, is_tty=stdout_is_tty, env=env),
        time_format=time_format,
        max_events=opts.max_events,
        until=split_values(opts.until, "--until"),
        timeout=opts.timeout,
        exit_status=opts.exit_status,
        cursor_file=cursor_file,
        saved=saved,
        max_retries=opts.max_retries,
        idle_timeout=opts.idle_timeout,
        quiet=opts.quiet,
        verbose=opts.verbose and not opts.quiet,
        demo=opts.demo,
        demo_speed=opts.demo_speed,
        base_url_from="" if opts.demo else base_url_source(opts, env),
    )
    if config.demo:  # the simulator takes any key: never ask for one, never run bctrl
        return replace(config, api_key="demo")
    if login is None:
        login = lambda base: login_token(base, env)  # noqa: E731
    key, source = resolve_key(opts.api_key, env, base_url, login)
    return replace(config, api_key=key, key_source=source)


def _run_ids(opts: Options) -> tuple[str, ...]:
    """The runs to follow: 1 to MAX_RUNS, each named once (a repeat is followed once)."""
    run_ids = tuple(dict.fromkeys(opts.run_ids))
    if any(not run_id.strip() for run_id in run_ids):
        raise UsageError("empty RUN_ID (an unset shell variable?)")
    if opts.demo and not run_ids:
        return (DEMO_RUNS[0],)
    if opts.demo and not set(run_ids) <= set(DEMO_RUNS):
        unknown = next(run_id for run_id in run_ids if run_id not in DEMO_RUNS)
        raise UsageError(f"--demo serves {' and '.join(DEMO_RUNS)}, not {unknown!r}")
    if not run_ids:
        raise UsageError(
            "missing RUN_ID", detail="usage: bctrl-tail [OPTIONS] RUN_ID... (or --demo)"
        )
    if len(run_ids) > MAX_RUNS:
        raise UsageError(
            f"at most {MAX_RUNS} runs at once, {len(run_ids)} were given",
            detail="split them over several bctrl-tail commands",
        )
    return run_ids


def base_url_source(opts: Options, env: Mapping[str, str]) -> str:
    """Where the base URL comes from: the option, a variable, or "" for the default."""
    if opts.base_url:
        return "--base-url"
    for name in ("BCTRL_BASE_URL", "BCTRL_API_URL"):
        if env.get(name, "").strip():
            return name
    return ""


def _base_url(opts: Options, env: Mapping[str, str]) -> str:
    """--base-url, else BCTRL_BASE_URL, else the bctrl CLI's BCTRL_API_URL without its /v1.
    An empty variable counts as unset, as variables do; an empty --base-url never gets here."""
    if opts.base_url:
        return normalize_base_url(opts.base_url, allow_http=opts.allow_http)
    for name in ("BCTRL_BASE_URL", "BCTRL_API_URL"):
        raw = env.get(name, "").strip()
        if not raw:
            continue
        if name == "BCTRL_API_URL":
            raw = raw.rstrip("/").removesuffix("/v1")
        try:
            return normalize_base_url(raw, allow_http=opts.allow_http)
        except UsageError as exc:
            raise UsageError(exc.message, detail=f"(from {name})") from None
    return DEFAULT_BASE_URL
