"""Config: every flag and variable validated in one place, before anything is sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bctrl_tail.auth import LoginToken
from bctrl_tail.config import Options, build_config, normalize_base_url, parse_duration
from bctrl_tail.errors import AuthError, ExitCode, UsageError

NOW = dt.datetime(2026, 6, 25, 12, 0, tzinfo=dt.timezone.utc)
ENV = {"BCTRL_API_KEY": "bctrl_k"}


def build(env: dict[str, str] | None = None, tty: bool = False, **kw: object):  # type: ignore[no-untyped-def]
    run_ids = kw.pop("run_ids", ("run_1",))
    opts = Options(run_ids=run_ids, **kw)  # type: ignore[arg-type]
    return build_config(opts, env=ENV if env is None else env, stdout_is_tty=tty, now=NOW)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.bctrl.ai", "https://api.bctrl.ai"),
        ("https://api.bctrl.ai/", "https://api.bctrl.ai"),
        ("https://api.bctrl.ai/v2", "https://api.bctrl.ai"),
        ("https://api.bctrl.ai/v2/", "https://api.bctrl.ai"),
        ("  https://gw.example.com/prefix/v2//  ", "https://gw.example.com/prefix"),
        ("http://localhost:8787", "http://localhost:8787"),
        ("http://127.0.0.9:1/", "http://127.0.0.9:1"),
        ("http://[::1]:8787/v2", "http://[::1]:8787"),
    ],
)
def test_base_url_normalised(raw: str, expected: str) -> None:
    assert normalize_base_url(raw, allow_http=False) == expected


@pytest.mark.parametrize(
    "raw",
    ["http://api.example.com", "http://10.0.0.1:8787", "http://localhost.evil.com"],
)
def test_plain_http_to_remote_needs_allow_http(raw: str) -> None:
    with pytest.raises(UsageError, match="--allow-http"):
        normalize_base_url(raw, allow_http=False)
    assert normalize_base_url(raw, allow_http=True) == raw


@pytest.mark.parametrize(
    "raw",
    ["ftp://x", "api.bctrl.ai", "https://", "https://u:p@host", "https://h?x=1", "http://h:99999"],
)
def test_bad_base_urls(raw: str) -> None:
    with pytest.raises(UsageError):
        normalize_base_url(raw, allow_http=True)


def test_base_url_from_environment_and_flag_wins() -> None:
    env = {**ENV, "BCTRL_BASE_URL": "http://localhost:8787/v2"}
    assert build(env=env).base_url == "http://localhost:8787"
    assert build(env=env, base_url="https://x.example").base_url == "https://x.example"


def test_stream_url_keeps_the_run_id_in_one_segment() -> None:
    assert build(run_ids=("a/b",)).stream_url.endswith("/v2/runs/a%2Fb/events/stream")
    assert build(run_ids=("..",)).stream_url.endswith("/v2/runs/%2E%2E/events/stream")
    assert build(run_ids=("é",)).stream_url.endswith("/v2/runs/%C3%A9/events/stream")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("2h", 7200), ("1d", 86400), ("250ms", 0.25), ("7", 7)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "--since") == seconds


def test_since_relative_and_absolute() -> None:
    assert build(since="5m").since == NOW - dt.timedelta(minutes=5)
    assert build(since="2026-06-25T11:00:00Z").since == dt.datetime(
        2026, 6, 25, 11, tzinfo=dt.timezone.utc
    )


def test_lists_split_on_commas_and_categories_are_checked() -> None:
    config = build(types=("a,b", " c "), categories=("Network, console",))
    assert config.types == ("a", "b", "c")
    assert config.categories == ("network", "console")
    with pytest.raises(UsageError, match="runtime command network"):
        build(categories=("net",))


def test_connection_id_is_canonical() -> None:
    config = build(connection_id="{5F0C2A7E8D3B4C1E9A6F2B7D9E4C1A30}")
    assert config.connection_id == "5f0c2a7e-8d3b-4c1e-9a6f-2b7d9e4c1a30"


def test_output_auto_follows_the_terminal() -> None:
    assert build(tty=True).output == "table"
    assert build(tty=False).output == "jsonl"
    assert build(tty=True, output="raw").output == "raw"


def test_key_rules() -> None:
    with pytest.raises(AuthError) as missing:
        build(env={})
    assert missing.value.exit_code == ExitCode.AUTH
    assert build(env={}, api_key="k_flag").api_key == "k_flag"
    with pytest.raises(UsageError):
        build(env={"BCTRL_API_KEY": "two words"})
    assert "k_flag" not in repr(build(env={}, api_key="k_flag"))


def test_demo_needs_no_key_and_defaults_the_run() -> None:
    config = build(env={}, run_ids=(), demo=True)
    assert config.run_id == "run_demo"
    assert config.demo


def test_cursor_file(tmp_path: Path) -> None:
    path = tmp_path / "c"
    assert build(cursor_file=str(path)).cursor is None
    path.write_text(
        '{"format": "bctrl-tail.cursor/1", "baseUrl": "https://api.bctrl.ai",'
        ' "runs": {"run_1": "evt_9", "run_2": "evt_2"}}'
    )
    assert build(cursor_file=str(path)).cursor == "evt_9"
    assert build(cursor_file=str(path), cursor="evt_1").cursor == "evt_1"
    config = build(cursor_file=str(path), run_ids=("run_2", "run_3", "run_1"))
    assert config.cursors == {"run_2": "evt_2", "run_1": "evt_9"}
    assert config.saved.runs == {"run_1": "evt_9", "run_2": "evt_2"}
    other = build(cursor_file=str(path), base_url="https://other.example")
    assert other.cursor is None and other.saved.other_base_url == "https://api.bctrl.ai"
    path.write_text("evt_9\n")
    with pytest.raises(UsageError, match=str(path)):
        build(cursor_file=str(path))
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(UsageError, match="not UTF-8"):
        build(cursor_file=str(path))
    with pytest.raises(UsageError, match="is a folder"):
        build(cursor_file=str(tmp_path))


@pytest.mark.parametrize(
    ("run_ids", "message"),
    [
        ((), "missing RUN_ID"),
        (tuple(f"run_{n}" for n in range(51)), "at most 50 runs at once, 51 were given"),
        (("run_1", " "), "empty RUN_ID"),
    ],
)
def test_run_ids_are_one_to_fifty(run_ids: tuple[str, ...], message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        build(run_ids=run_ids)
    assert caught.value.exit_code == ExitCode.USAGE


def test_run_ids_keep_their_order_and_a_repeat_is_followed_once() -> None:
    fifty = tuple(f"run_{n}" for n in range(50))
    assert build(run_ids=fifty).run_ids == fifty
    assert build(run_ids=("b", "a", "b")).run_ids == ("b", "a")


def test_cursor_with_several_runs_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--cursor applies to one run"):
        build(run_ids=("run_1", "run_2"), cursor="evt_1")


def test_demo_runs() -> None:
    both = build(env={}, run_ids=("run_demo", "run_demo_failed"), demo=True)
    assert both.run_ids == ("run_demo", "run_demo_failed")
    with pytest.raises(UsageError, match="--demo serves run_demo and run_demo_failed"):
        build(env={}, run_ids=("run_demo", "run_x"), demo=True)


class Login:
    """A stand-in for the bctrl CLI's login: records the base URLs it was asked for."""

    def __init__(self, key: str = "", reason: str = "") -> None:
        self.token = LoginToken(key=key, reason=reason)
        self.asked: list[str] = []

    def __call__(self, base_url: str) -> LoginToken:
        self.asked.append(base_url)
        return self.token


def with_login(login: Login, env: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    opts = Options(run_ids=kw.pop("run_ids", ("run_1",)), **kw)  # type: ignore[arg-type]
    return build_config(opts, env=env or {}, stdout_is_tty=False, now=NOW, login=login)


def test_the_login_is_asked_once_for_the_validated_base_url() -> None:
    login = Login(key="bctrl_from_login")
    config = with_login(login, base_url="https://gw.example.com/v2/")
    assert login.asked == ["https://gw.example.com"]
    assert (config.api_key, config.key_source) == ("bctrl_from_login", "the bctrl CLI's login")
    assert "bctrl_from_login" not in repr(config)


def test_a_given_key_the_demo_or_a_usage_error_never_asks_the_login() -> None:
    login = Login(key="bctrl_from_login")
    assert with_login(login, api_key="k_flag").key_source == "--api-key"
    assert with_login(login, env={"BCTRL_API_KEY": "k_env"}).key_source == "BCTRL_API_KEY"
    assert with_login(login, run_ids=(), demo=True).api_key == "demo"
    with pytest.raises(UsageError):
        with_login(login, limit=0)
    with pytest.raises(UsageError):
        with_login(login, base_url="http://api.example.com")
    assert login.asked == []


def test_no_key_from_the_login_names_both_ways_and_why() -> None:
    with pytest.raises(AuthError) as missing:
        with_login(Login(reason="bctrl auth token failed with exit 1"))
    assert missing.value.message == "no API key (bctrl auth token failed with exit 1)"
    assert "BCTRL_API_KEY" in str(missing.value.detail)
    assert "bctrl auth login" in str(missing.value.detail)
    with pytest.raises(UsageError, match="the bctrl CLI's login"):
        with_login(Login(key="two words"))


def test_base_url_precedence_option_then_base_then_api_url() -> None:
    api_url = {"BCTRL_API_URL": "http://localhost:8787/v1/"}
    both = {**api_url, "BCTRL_BASE_URL": "https://base.example"}
    assert build(env={**ENV, **api_url}).base_url == "http://localhost:8787"
    assert build(env={**ENV, **both}).base_url == "https://base.example"
    assert build(env={**ENV, **both}, base_url="https://x.example").base_url == "https://x.example"
    assert build(env={**ENV, "BCTRL_API_URL": "https://gw.example/api"}).base_url == (
        "https://gw.example/api"
    )
    with pytest.raises(UsageError) as bad:
        build(env={**ENV, "BCTRL_API_URL": "not a url"})
    assert "BCTRL_API_URL" in str(bad.value.detail)


def test_an_empty_base_url_option_is_refused_and_empty_variables_are_unset() -> None:
    env = {**ENV, "BCTRL_BASE_URL": "https://base.example"}
    for value in ("", "  "):
        with pytest.raises(UsageError, match=r"^empty value for --base-url$"):
            build(env=env, base_url=value)
    with pytest.raises(UsageError, match=r"^empty value for --base-url$"):
        build(base_url="", demo=True, run_ids=())
    unset = build(env={**ENV, "BCTRL_BASE_URL": " ", "BCTRL_API_URL": ""})
    assert (unset.base_url, unset.base_url_from) == ("https://api.bctrl.ai", "")
    api = build(env={**ENV, "BCTRL_BASE_URL": "", "BCTRL_API_URL": "https://gw.example/v1"})
    assert (api.base_url, api.base_url_from) == ("https://gw.example", "BCTRL_API_URL")


def test_an_empty_api_key_option_is_refused_not_replaced_by_the_variable() -> None:
    """`--api-key "$KEY"` with KEY unset: the key in BCTRL_API_KEY (or a login) may belong to
    another account; exit 2 says what happened instead."""
    for value in ("", " "):
        with pytest.raises(UsageError, match=r"^empty value for --api-key$"):
            build(env={**ENV, "BCTRL_API_KEY": "bctrl_other"}, api_key=value)
