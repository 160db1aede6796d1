"""The bctrl CLI's login as the third key source, with a stand-in `bctrl` first on PATH."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bctrl_tail.auth import login_token
from bctrl_tail.simulator import Run, Simulator
from tests.support import Result, child_env, run_cli

LOGIN_KEY = "bctrl_login_key_9f8e7d6c5b4a"
EVENTS = [{"id": "e1", "type": "navigation"}, {"id": "e2", "type": "console.message"}]


class StandIn:
    """A `bctrl` executable that records each call (argv, environment, stdin) and then acts."""

    def __init__(self, root: Path, action: str) -> None:
        self.dir = root / "bin"
        self.dir.mkdir()
        self.calls_file = root / "calls.jsonl"
        script = self.dir / "bctrl"
        script.write_text(
            f"#!{sys.executable}\n"
            + textwrap.dedent(f"""\
                import json, os, subprocess, sys, time
                with open({str(self.calls_file)!r}, "a") as calls:
                    calls.write(json.dumps({{
                        "argv": sys.argv[1:],
                        "api_url": os.environ.get("BCTRL_API_URL"),
                        "has_key_env": "BCTRL_API_KEY" in os.environ,
                        "stdin": sys.stdin.read() if sys.stdin else None,
                        "pid": os.getpid(),
                    }}) + "\\n")
                """)
            + textwrap.dedent(action)
        )
        script.chmod(0o755)

    @property
    def calls(self) -> list[dict[str, object]]:
        if not self.calls_file.exists():
            return []
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]

    def env(self, **extra: str) -> dict[str, str]:
        """The CLI's environment with this stand-in first on PATH (and no BCTRL_API_KEY)."""
        return {"PATH": os.pathsep.join([str(self.dir), child_env()["PATH"]]), **extra}


PRINTS_KEY = f"""\
sys.stderr.write("notice: using the stored key {LOGIN_KEY} from the keychain\\n")
print({LOGIN_KEY!r})
"""


@pytest.fixture
def keyed_sim() -> Iterator[Simulator]:
    with Simulator(require_key=LOGIN_KEY) as server:
        server.add_run(Run("run_1", EVENTS))
        yield server


def tail(sim: Simulator, stand_in: StandIn, *args: str, **env: str) -> Result:
    return run_cli("run_1", "--base-url", sim.base_url, *args, key=None, env=stand_in.env(**env))


def assert_no_key_error(result: Result) -> None:
    assert result.code == 4, result.stderr
    assert "error: no API key" in result.stderr
    assert "BCTRL_API_KEY" in result.stderr
    assert "bctrl auth login" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_the_printed_key_is_used_and_never_shown(keyed_sim: Simulator, tmp_path: Path) -> None:
    stand_in = StandIn(tmp_path, PRINTS_KEY)
    quiet, verbose = tail(keyed_sim, stand_in), tail(keyed_sim, stand_in, "-v")
    for result in (quiet, verbose):
        assert result.code == 0, result.stderr
        assert [json.loads(line)["id"] for line in result.lines] == ["e1", "e2"]
        assert LOGIN_KEY not in result.stdout + result.stderr
    assert keyed_sim.requests[0].headers["authorization"] == f"Bearer {LOGIN_KEY}"
    assert "notice:" not in quiet.stderr  # bctrl's stderr only with -v
    assert "bctrl: notice: using the stored key *** from the keychain" in verbose.stderr
    assert "API key from the bctrl CLI's login" in verbose.stderr


def test_it_is_asked_once_for_the_api_about_to_be_called(
    keyed_sim: Simulator, tmp_path: Path
) -> None:
    stand_in = StandIn(tmp_path, PRINTS_KEY)
    assert tail(keyed_sim, stand_in).code == 0
    [call] = stand_in.calls
    assert call["argv"] == ["auth", "token"]
    assert call["api_url"] == f"{keyed_sim.base_url}/v1"
    assert call["has_key_env"] is False
    assert call["stdin"] == ""  # closed: it can never wait for a person


def test_bctrl_api_url_is_the_base_url_when_no_other_is_given(
    keyed_sim: Simulator, tmp_path: Path
) -> None:
    stand_in = StandIn(tmp_path, PRINTS_KEY)
    result = run_cli("run_1", key=None, env=stand_in.env(BCTRL_API_URL=f"{keyed_sim.base_url}/v1/"))
    assert result.code == 0, result.stderr
    assert len(keyed_sim.requests) == 1
    assert stand_in.calls[0]["api_url"] == f"{keyed_sim.base_url}/v1"


def test_a_refused_login_key_says_to_sign_in_again(tmp_path: Path) -> None:
    stand_in = StandIn(tmp_path, "print('bctrl_expired_login_key')")
    with Simulator(require_key=LOGIN_KEY) as sim:
        sim.add_run(Run("run_1", EVENTS))
        result = tail(sim, stand_in)
    assert result.code == 4
    assert "HTTP 401" in result.stderr
    assert "sign in again with `bctrl auth login`" in result.stderr
    assert "bctrl_expired_login_key" not in result.stderr


def test_a_hint_about_the_base_url_names_bctrl_api_url_when_it_came_from_there(
    keyed_sim: Simulator, tmp_path: Path
) -> None:
    stand_in = StandIn(tmp_path, PRINTS_KEY)
    api_url = f"{keyed_sim.base_url}/v1"
    result = run_cli("no_such_run", key=None, env=stand_in.env(BCTRL_API_URL=api_url))
    assert result.code == 5
    assert "run no_such_run: HTTP 404" in result.stderr
    assert f"it came from BCTRL_API_URL, {api_url}" in result.stderr


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("sys.stderr.write('not logged in\\n'); sys.exit(1)", "failed with exit 1"),
        ("", "printed no key"),
        ("print('')", "printed no key"),
        (f"print('{LOGIN_KEY[:8]}\\x1b[2J{LOGIN_KEY[8:]}')", "not a key"),
        ("print('two words')", "not a key"),
        ("time.sleep(3600)", "did not answer within 5s"),  # killed by the real 5 s limit
    ],
    ids=["fails", "silent", "empty-line", "control-characters", "a-space", "hangs"],
)
def test_no_key_from_it_is_exit_4(
    keyed_sim: Simulator, tmp_path: Path, action: str, reason: str
) -> None:
    stand_in = StandIn(tmp_path, action)
    result = tail(keyed_sim, stand_in, "-v")
    assert_no_key_error(result)
    assert reason in result.stderr
    assert len(stand_in.calls) == 1
    assert keyed_sim.requests == []
    assert LOGIN_KEY[8:] not in result.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--api-key", LOGIN_KEY], {}),
        ([], {"BCTRL_API_KEY": LOGIN_KEY}),
    ],
    ids=["option", "variable"],
)
def test_a_given_key_means_it_is_never_run(
    keyed_sim: Simulator, tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    stand_in = StandIn(tmp_path, "print('bctrl_other_key_000000')")
    result = tail(keyed_sim, stand_in, "-v", *args, **env)
    assert result.code == 0, result.stderr
    assert stand_in.calls == []
    source = "--api-key" if args else "BCTRL_API_KEY"
    assert f"API key from {source}" in result.stderr
    assert LOGIN_KEY not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--demo", "--demo-speed", "500"],
        ["run_1", "--limit", "0"],
        ["run_1", "--base-url", "ftp://x"],
    ],
    ids=["demo", "bad-option", "bad-base-url"],
)
def test_demo_and_usage_errors_never_run_it(tmp_path: Path, args: list[str]) -> None:
    stand_in = StandIn(tmp_path, PRINTS_KEY)
    result = run_cli(*args, "-n", "1", key=None, env=stand_in.env())
    assert result.code == (0 if "--demo" in args else 2), result.stderr
    assert stand_in.calls == []


def _gone(pid: int) -> bool:
    """Exited (a zombie waiting for its new parent counts: it no longer runs)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_time_limit_stops_what_it_started_too(tmp_path: Path) -> None:
    stand_in = StandIn(
        tmp_path,
        f"""\
        helper = subprocess.Popen([{sys.executable!r}, "-c", "import time; time.sleep(3600)"])
        with open({str(tmp_path / "helper")!r}, "w") as f:
            f.write(str(helper.pid))
        time.sleep(3600)
        """,
    )
    notes: list[str] = []
    token = login_token("http://127.0.0.1:9", stand_in.env(), note=notes.append, timeout=3)
    assert token.key == ""
    assert "did not answer within 3s" in token.reason
    pids = [int(str(stand_in.calls[0]["pid"])), int((tmp_path / "helper").read_text())]
    done = threading.Event()
    for _ in range(100):  # the kill is asynchronous: wait for both to be gone, boundedly
        if all(_gone(pid) for pid in pids):
            break
        done.wait(0.05)
    assert all(_gone(pid) for pid in pids)
    assert any("stopped it" in note for note in notes)
