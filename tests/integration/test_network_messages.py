"""Failures a person can act on: a closed port, redirects, gateway pages, error bodies that
quote the key, hints next to the server's code and request id; and event ids in any script.

Every test runs the real CLI against servers on loopback.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from bctrl_tail.simulator import Response, Run, Simulator
from tests.netservers import free_port
from tests.support import KEY, Result, child_env, cli_command, run_cli

TIME = "2026-06-25T12:00:00.000Z"
EVENTS = [{"id": f"e{i}", "type": "navigation", "seq": i} for i in range(3)]
LIBRARY_TEXT = ("Traceback", "ConnectionPool", "Max retries", "Errno", "urllib3", "requests.")


def ids(result: Result) -> list[str]:
    return [json.loads(line)["id"] for line in result.lines]


def error_lines(result: Result) -> list[str]:
    text = result.stderr[result.stderr.index("bctrl-tail: error: ") :]
    return text.strip().splitlines()


def assert_plain(result: Result) -> None:
    for text in LIBRARY_TEXT:
        assert text not in result.stderr, result.stderr
    assert KEY not in result.stderr + result.stdout
    assert len(error_lines(result)) <= 2, result.stderr


# -- a first connection that cannot be made ------------------------------------------------------


def test_closed_port_fails_fast_naming_host_port_and_base_url() -> None:
    port = free_port()
    started = time.monotonic()
    result = run_cli("run_1", "--base-url", f"http://127.0.0.1:{port}")
    elapsed = time.monotonic() - started
    assert result.code == 1
    assert f"gave up after 3 attempts: connection refused by 127.0.0.1:{port}" in result.stderr
    assert f"--base-url (or BCTRL_BASE_URL; now http://127.0.0.1:{port})" in result.stderr
    assert result.stderr.count("reconnecting in") == 2  # retried twice, not ten times
    assert elapsed < 30  # about 3 s of backoff; it was 2.5 minutes
    assert_plain(result)


def test_after_a_first_answer_the_usual_retries_apply() -> None:
    """Once the server has answered, a refused reconnect is a blip like any other:
    --max-retries (here 4) counts, not the first-contact limit of 2."""
    sim = Simulator().start()
    sim.add_run(Run("run_1", EVENTS, end_status=None, hold_open=True, retry_ms=5, heartbeat=0.2))
    proc = subprocess.Popen(
        [*cli_command(), "run_1", "--base-url", sim.base_url, "-o", "jsonl", "--max-retries", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env({"BCTRL_API_KEY": KEY}),
    )
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["id"] == "e0"  # the stream is live
        sim.stop()
        _, stderr = proc.communicate(timeout=30)
    finally:
        sim.stop()
        proc.kill()
        proc.wait()
    assert proc.returncode == 1
    assert "gave up after 5 attempts: connection refused by 127.0.0.1:" in stderr
    # one reconnect for the cut, then three refused ones: more than the first-contact two
    assert stderr.count("reconnecting in") == 4
    assert stderr.count("): connection refused by 127.0.0.1:") == 3


def test_malformed_base_url_is_a_usage_error() -> None:
    result = run_cli("run_1", "--base-url", "http://[::1")
    assert result.code == 2
    assert "invalid --base-url 'http://[::1'" in result.stderr
    assert "internal error" not in result.stderr


# -- redirects -----------------------------------------------------------------------------------


def test_same_origin_redirect_is_followed_and_logged(sim: Simulator) -> None:
    target = "/v2/runs/run_2/events/stream"
    sim.add_run(Run("run_1", [], responses=[Response(307, headers={"Location": target})]))
    sim.add_run(Run("run_2", EVENTS))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl", "-v")
    assert result.code == 0, result.stderr
    assert ids(result) == ["e0", "e1", "e2"]
    assert f"HTTP 307: redirected to {sim.base_url}{target}" in result.stderr
    assert [r.headers["authorization"] for r in sim.requests] == [f"Bearer {KEY}"] * 2


def test_cross_origin_redirect_is_not_followed(sim: Simulator) -> None:
    with Simulator() as elsewhere:
        elsewhere.add_run(Run("run_1", EVENTS))
        target = f"{elsewhere.base_url}/v2/runs/run_1/events/stream"
        sim.add_run(Run("run_1", [], responses=[Response(302, headers={"Location": target})]))
        result = run_cli("run_1", "--base-url", sim.base_url)
        assert elsewhere.requests == []  # the key never went there
    assert result.code == 1
    assert f"HTTP 302 redirect to {target} not followed" in result.stderr
    assert "the API key is only ever sent to --base-url" in result.stderr
    assert "HTTP 401" not in result.stderr  # a bare "401" can be part of the port
    assert_plain(result)


def test_redirect_to_https_on_the_same_host_is_not_followed(sim: Simulator) -> None:
    target = sim.base_url.replace("http://", "https://") + "/v2/runs/run_1/events/stream"
    sim.add_run(Run("run_1", [], responses=[Response(301, headers={"Location": target})]))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == 1
    assert f"redirect to {target} not followed" in result.stderr


def test_redirect_loop_stops_after_five(sim: Simulator) -> None:
    loop = Response(302, headers={"Location": "/v2/runs/run_1/events/stream"})
    sim.add_run(Run("run_1", EVENTS, responses=[loop] * 6))
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == 1
    assert "too many redirects (more than 5)" in result.stderr
    assert len(sim.requests) == 6


# -- gateway pages -------------------------------------------------------------------------------

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def test_gateway_html_502_is_named_and_retried(sim: Simulator) -> None:
    page = Response(502, NGINX_502, headers={"Content-Type": "text/html"})
    sim.add_run(Run("run_1", EVENTS, responses=[page]))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert result.code == 0, result.stderr
    assert ids(result) == ["e0", "e1", "e2"]
    address = sim.base_url.removeprefix("http://")
    assert f"HTTP 502: gateway error from {address} (502 Bad Gateway" in result.stderr
    assert "not a bctrl API response" not in result.stderr


def test_gateway_text_503_is_named_and_retried(sim: Simulator) -> None:
    page = Response(503, "upstream connect error or disconnect/reset before headers\n")
    sim.add_run(Run("run_1", EVENTS, responses=[page]))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert result.code == 0, result.stderr
    assert "gateway error from" in result.stderr
    assert "upstream connect error" in result.stderr


# -- hints and the key in error bodies -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "hint"),
    [
        (404, 5, "check the run id, and that --base-url points at the right API"),
        (401, 4, "check BCTRL_API_KEY"),
        (403, 4, "this key may not see this run"),
        (400, 1, "check --type, --category"),
    ],
)
def test_hint_is_shown_next_to_code_and_request_id(
    sim: Simulator, status: int, code: int, hint: str
) -> None:
    sim.add_run(Run("run_1", EVENTS, responses=[Response(status)]))  # bctrl's error shape
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == code
    lines = error_lines(result)
    named = "run run_1: " if status == 404 else ""  # not found: the id is what to check
    assert lines[0].startswith(f"bctrl-tail: error: {named}HTTP {status}")
    assert "code: " in lines[1]
    assert "request id: req_" in lines[1]
    assert hint in lines[1]
    assert_plain(result)


SECRET = "sk_live_Q7f9Zx2LmN4pR8tV1wY3"
KEY_WINDOWS = {SECRET[i : i + 4] for i in range(len(SECRET) - 3)}


@pytest.mark.parametrize("offset", [0, 150, 199, 200, 270, 290, 296, 298, 299, 300, 301, 400])
def test_key_quoted_around_the_cut_never_shows(sim: Simulator, offset: int) -> None:
    body = {"error": "x" * offset + SECRET + " is not valid", "code": SECRET, "hint": SECRET * 9}
    sim.add_run(Run("run_1", EVENTS, responses=[Response(400, body)]))
    result = run_cli("run_1", "--base-url", sim.base_url, key=SECRET)
    assert result.code == 1
    shown = result.stderr + result.stdout
    assert not [w for w in KEY_WINDOWS if w in shown], shown


@pytest.mark.parametrize("offset", [65536 - 10, 65536 - 1])
def test_key_at_the_body_read_limit_never_shows(sim: Simulator, offset: int) -> None:
    body = ("y" * offset + SECRET).encode()
    sim.add_run(Run("run_1", EVENTS, responses=[Response(400, body)]))
    result = run_cli("run_1", "--base-url", sim.base_url, key=SECRET)
    assert result.code == 1
    assert not [w for w in KEY_WINDOWS if w in result.stderr]


# -- event ids in any script ---------------------------------------------------------------------

UNICODE_IDS = ["✓1", "事件2", "🎉3", "Ωμέγα4", "حدث5", "событие6", "イベント7", "😀👍🏽8", "é9"]  # noqa: RUF001


def test_ids_in_several_scripts_survive_drops(sim: Simulator) -> None:
    evs = [{"id": i, "type": "navigation", "seq": n} for n, i in enumerate(UNICODE_IDS)]
    sim.add_run(Run("run_1", evs, drop_every=2, retry_ms=5))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert result.code == 0, result.stderr
    assert ids(result) == UNICODE_IDS  # nothing lost, nothing repeated
    resumed = sim.requests[1:]
    assert len(resumed) == 4
    for n, request in enumerate(resumed):
        sent = UNICODE_IDS[2 * n + 1]
        assert request.query["cursor"] == [sent]
        header = request.headers["last-event-id"]  # http.server decodes headers as Latin-1
        assert header.encode("latin-1").decode("utf-8") == sent


def test_emoji_id_cut_mid_character(sim: Simulator) -> None:
    """The drop falls inside the emoji of the id line: the broken event is not output, and the
    resume is from the last whole one."""
    evs = [{"id": f"🎉{n}", "type": "navigation", "time": TIME} for n in range(4)]
    compact = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in evs]
    frames = [
        f"event: run.event\nid: {e['id']}\ndata: {c}\n\n".encode()
        for e, c in zip(evs, compact, strict=True)
    ]
    cut = len(frames[0]) + len(frames[1]) + len(b"event: run.event\nid: ") + 2  # inside U+1F389
    sim.add_run(Run("run_1", evs, drop_at_bytes=[cut], retry_ms=5))
    result = run_cli("run_1", "--base-url", sim.base_url, "-o", "jsonl")
    assert result.code == 0, result.stderr
    assert ids(result) == ["🎉0", "🎉1", "🎉2", "🎉3"]
    second = sim.requests[1]
    assert second.query["cursor"] == ["🎉1"]
    assert second.headers["last-event-id"].encode("latin-1").decode("utf-8") == "🎉1"


def test_nginx_plain_http_to_https_port_page_says_use_https(sim: Simulator) -> None:
    page = (
        "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>"
        "\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    sim.add_run(
        Run("run_1", EVENTS, responses=[Response(400, page, {"Content-Type": "text/html"})])
    )
    result = run_cli("run_1", "--base-url", sim.base_url)
    assert result.code == 1
    address = sim.base_url.removeprefix("http://")
    assert f"that port serves https: use --base-url https://{address}" in result.stderr
    assert_plain(result)
