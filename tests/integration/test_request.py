"""What goes over the wire: path, query, headers; and usage errors that send nothing."""

from __future__ import annotations

import pytest

from bctrl_tail.simulator import Run, Simulator
from tests.support import KEY, run_cli

EVENTS = [{"id": "e1", "type": "navigation"}]


def test_query_headers_and_path(sim: Simulator) -> None:
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli(
        "run_1", "--base-url", sim.base_url + "/v2/",
        "-t", "network.failed,console.message", "-t", "page.error",
        "-c", "network", "-c", "console,browser",
        "--connection-id", "5F0C2A7E-8D3B-4C1E-9A6F-2B7D9E4C1A30",
        "--cursor", "evt_0", "--limit", "5",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    request = sim.requests[0]
    assert request.path == "/v2/runs/run_1/events/stream"
    assert request.query["type"] == ["network.failed", "console.message", "page.error"]
    assert request.query["category"] == ["network", "console", "browser"]
    assert request.query["connectionId"] == ["5f0c2a7e-8d3b-4c1e-9a6f-2b7d9e4c1a30"]
    assert request.query["cursor"] == ["evt_0"]
    assert request.query["limit"] == ["5"]
    headers = request.headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["accept"] == "text/event-stream"
    assert headers["cache-control"] == "no-cache"
    assert headers["user-agent"].startswith("bctrl-tail/")
    assert "last-event-id" not in headers


@pytest.mark.parametrize(
    ("run_id", "raw_segment"),
    [("a/b", "a%2Fb"), ("../x", "..%2Fx"), ("..", "%2E%2E"), ("r un?#%", "r%20un%3F%23%25")],
)
def test_run_id_stays_one_path_segment(sim: Simulator, run_id: str, raw_segment: str) -> None:
    sim.add_run(Run(run_id, EVENTS))
    result = run_cli(run_id, "--base-url", sim.base_url)
    assert result.code == 0, result.stderr
    assert sim.requests[0].raw_path.startswith(f"/v2/runs/{raw_segment}/events/stream")
    assert sim.requests[0].path == f"/v2/runs/{run_id}/events/stream"


def test_key_and_base_url_from_environment(sim: Simulator) -> None:
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli(
        "run_1", key=None, env={"BCTRL_API_KEY": "k_env", "BCTRL_BASE_URL": sim.base_url}
    )
    assert result.code == 0, result.stderr
    assert sim.requests[0].headers["authorization"] == "Bearer k_env"


def test_api_key_option_wins_over_environment(sim: Simulator) -> None:
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli("run_1", "--base-url", sim.base_url, "--api-key", "k_flag")
    assert result.code == 0, result.stderr
    assert sim.requests[0].headers["authorization"] == "Bearer k_flag"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-c", "networking"], "runtime command network console file tool browser captcha event"),
        (["--connection-id", "not-a-uuid"], "--connection-id"),
        (["--limit", "0"], "--limit"),
        (["--grep", "("], "--grep"),
        (["--exclude", "[z-a]"], "--exclude"),
        (["--since", "yesterday-ish"], "--since"),
        (["-o", "xml"], "--output"),
        (["--color", "sometimes"], "--color"),
        (["--time-format", "mars"], "--time-format"),
        (["-n", "0"], "--max-events"),
        (["--max-retries", "-1"], "--max-retries"),
        (["--timeout", "0"], "invalid --timeout 0: must be above 0"),  # as typed, not 0.0
        (["--idle-timeout", "-5"], "--idle-timeout"),
        (["--timeout", "1e20"], "at most 31622400 seconds (366 days)"),
        (["--cursor", ""], "empty value for --cursor"),
        (["--cursor-file", ""], "empty value for --cursor-file"),
        (["--since", " "], "empty value for --since"),
        (["--limit", "many"], "--limit"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_usage_errors_exit_2_and_send_nothing(sim: Simulator, args: list[str], needle: str) -> None:
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli("run_1", "--base-url", sim.base_url, *args)
    assert result.code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert sim.requests == []


@pytest.mark.parametrize("option", ["--base-url", "--api-key"])
def test_demo_with_a_real_api_option_is_a_usage_error(option: str) -> None:
    result = run_cli("--demo", option, "https://api.example.com", key=None)
    assert result.code == 2
    assert f"{option} does not apply with --demo" in result.stderr
    assert result.stdout == ""


def test_since_further_back_than_any_date_keeps_every_event(sim: Simulator) -> None:
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli("run_1", "--base-url", sim.base_url, "--since", "99999999d")
    assert result.code == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(EVENTS)


def test_missing_run_id_is_a_usage_error() -> None:
    result = run_cli()
    assert result.code == 2
    assert "RUN_ID" in result.stderr


def test_plain_http_to_remote_host_is_refused_without_allow_http() -> None:
    result = run_cli("run_1", "--base-url", "http://api.example.com")
    assert result.code == 2
    assert "--allow-http" in result.stderr
    assert KEY not in result.stderr


def test_allow_http_permits_plain_http(sim: Simulator) -> None:
    # 127.0.0.2 is loopback too; the flag must not break loopback either.
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli("run_1", "--base-url", sim.base_url, "--allow-http")
    assert result.code == 0, result.stderr


def test_missing_key_exits_4_with_a_hint() -> None:
    result = run_cli("run_1", key=None)
    assert result.code == 4
    assert "BCTRL_API_KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_version() -> None:
    from bctrl_tail import __version__

    result = run_cli("--version", key=None)
    assert result.code == 0
    assert result.stdout.strip() == f"bctrl-tail {__version__}"


def test_verbose_shows_url_never_the_key(sim: Simulator) -> None:
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli("run_1", "--base-url", sim.base_url, "-v", "-t", "navigation")
    assert result.code == 0
    assert f"{sim.base_url}/v2/runs/run_1/events/stream?type=navigation" in result.stderr
    assert "HTTP 200" in result.stderr
    assert KEY not in result.stderr + result.stdout


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_base_url_is_refused_not_replaced_by_the_environment(
    sim: Simulator, value: str
) -> None:
    # `--base-url "$STAGING"` with STAGING unset must not quietly tail what the variables
    # (or the production default) name instead.
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli("run_1", "--base-url", value, env={"BCTRL_BASE_URL": sim.base_url})
    assert result.code == 2
    assert "empty value for --base-url" in result.stderr
    assert result.stdout == ""
    assert sim.requests == []


def test_empty_base_url_variables_count_as_unset(sim: Simulator) -> None:
    sim.add_run(Run("run_1", EVENTS))
    result = run_cli("run_1", env={"BCTRL_BASE_URL": "", "BCTRL_API_URL": sim.base_url + "/v1"})
    assert result.code == 0, result.stderr
    assert len(sim.requests) == 1
