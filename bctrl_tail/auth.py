"""Where the API key comes from: --api-key, BCTRL_API_KEY, or the bctrl CLI's stored login.

People at a terminal sign in once with bctrl's official CLI (`bctrl auth login`), which keeps
the key in the OS keychain; `bctrl auth token` prints it when stdout is not a terminal. Asking
it (as `gh` extensions ask `gh auth token`) keeps the key out of shell history and exports.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bctrl_tail.errors import AuthError, UsageError
from bctrl_tail.sanitize import clean

LOGIN_TIMEOUT = 5.0
FROM_OPTION = "--api-key"
FROM_ENV = "BCTRL_API_KEY"
FROM_LOGIN = "the bctrl CLI's login"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")
_MAX_NOTE_LINES = 5
_MAX_NOTE_CHARS = 200

Note = Callable[[str], None]


@dataclass(frozen=True)
class LoginToken:
    """What `bctrl auth token` gave: a key, or "" and the reason (our words, never its output)."""

    key: str = field(default="", repr=False)
    reason: str = ""


LoginProvider = Callable[[str], LoginToken]
"""Given the base URL about to be called, ask the bctrl CLI for its key for that API."""


def resolve_key(
    api_key: str | None, env: Mapping[str, str], base_url: str, login: LoginProvider
) -> tuple[str, str]:
    """The key and where it came from; AuthError (exit 4) when there is none.

    ``login`` is only asked when neither the option nor the variable gives a key, and at most
    once, so a signed-in bctrl CLI never overrides what the user said explicitly.
    """
    if api_key and api_key.strip():
        key, source = api_key.strip(), FROM_OPTION
    elif env.get("BCTRL_API_KEY", "").strip():
        key, source = env["BCTRL_API_KEY"].strip(), FROM_ENV
    else:
        token = login(base_url)
        if not token.key:
            why = f" ({token.reason})" if token.reason else ""
            raise AuthError(
                f"no API key{why}",
                detail="set BCTRL_API_KEY, or sign in with `bctrl auth login` (npm @bctrl/cli);"
                " --demo needs no key",
            )
        key, source = token.key, FROM_LOGIN
    if not _HEADER_SAFE.match(key):
        raise UsageError(
            "the API key has characters a header cannot carry (spaces, controls or non-ASCII);"
            f" check {source}"
        )
    return key, source


def login_token(
    base_url: str,
    env: Mapping[str, str],
    *,
    note: Note = lambda _: None,
    timeout: float = LOGIN_TIMEOUT,
) -> LoginToken:
    """Run `bctrl auth token` for ``{base_url}/v1`` (how that CLI scopes its logins).

    stdin is closed so it can never wait for a person; it gets ``timeout`` seconds, then it and
    anything it started are killed. Its stderr goes to ``note`` (shown with -v), cleaned and
    with the key it printed redacted.
    """
    program = shutil.which("bctrl", path=env.get("PATH", ""))
    if program is None:
        note("no key from --api-key or BCTRL_API_KEY, and no bctrl CLI on PATH to ask")
        return LoginToken()
    api_url = f"{base_url}/v1"
    child_env = {k: v for k, v in env.items() if k != "BCTRL_API_KEY"}
    child_env["BCTRL_API_URL"] = api_url
    note(f"asking the bctrl CLI for its login: {program} auth token (BCTRL_API_URL={api_url})")
    try:
        code, out, err = _run([program, "auth", "token"], child_env, timeout)
    except subprocess.TimeoutExpired:
        note(f"bctrl auth token did not answer within {timeout:g}s: stopped it")
        return LoginToken(reason=f"bctrl auth token did not answer within {timeout:g}s")
    except OSError as exc:
        note(f"cannot run {program}: {exc.strerror or type(exc).__name__}")
        return LoginToken(reason="bctrl auth token could not be run")
    key = _first_line(out)
    for line in _note_lines(err, out):
        note(f"bctrl: {line}")
    if code != 0:
        return LoginToken(reason=f"bctrl auth token failed with exit {code}")
    if not key and key is not None:
        return LoginToken(reason=f"bctrl auth token printed no key for {api_url}")
    if key is None or not _HEADER_SAFE.match(key):  # spaces, controls: its output is no key
        return LoginToken(reason="bctrl auth token printed something that is not a key")
    return LoginToken(key=key)


def _run(argv: list[str], env: dict[str, str], timeout: float) -> tuple[int, bytes, bytes]:
    """Run to completion or kill its whole process group (a Node CLI may spawn helpers)."""
    posix = hasattr(os, "killpg")
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=posix,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:  # the time limit, Ctrl-C or SIGTERM: leave nothing running
        with contextlib.suppress(OSError):
            if posix:
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # pragma: no cover
                proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        raise
    return proc.returncode, out, err


def _first_line(out: bytes) -> str | None:
    """The key is the first line, its line ending dropped; None when that is not clean text."""
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        return None
    line = text.split("\n", 1)[0].removesuffix("\r").strip(" \t")
    return None if _CONTROL.search(line) else line


def _note_lines(err: bytes, out: bytes) -> list[str]:
    """bctrl's stderr as short clean lines, without the key it printed (even a refused one)."""
    text = err.decode("utf-8", errors="replace")
    printed = out.decode("utf-8", errors="replace").split("\n", 1)[0].strip()
    if len(printed) >= 6:
        text = text.replace(printed, "***")
    lines = [clean(line).strip()[:_MAX_NOTE_CHARS] for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > _MAX_NOTE_LINES:
        lines = [*lines[:_MAX_NOTE_LINES], f"({len(lines) - _MAX_NOTE_LINES} more lines)"]
    return lines
