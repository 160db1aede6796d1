"""The text side of the network work: the key removed before any cut, Retry-After in ASCII
digits only, ids as header bytes, and failures described without library text."""

from __future__ import annotations

import errno
import http.client
import ssl

import pytest
import urllib3.exceptions

from bctrl_tail.errors import ConnectFailed, TailError, TLSFailure
from bctrl_tail.netfail import connect_error, stream_error
from bctrl_tail.reporter import redact, shorten
from bctrl_tail.request import header_value, request_headers
from bctrl_tail.responses import describe_body, parse_retry_after
from bctrl_tail.transport import Route

SECRET = "sk_live_Q7f9Zx2LmN4pR8tV1wY3"
WINDOWS = {SECRET[i : i + 4] for i in range(len(SECRET) - 3)}
DIRECT = Route(None)


def leaks(text: str) -> list[str]:
    return [w for w in WINDOWS if w in text]


@pytest.mark.parametrize("limit", [40, 120, 200, 300])
def test_shorten_never_leaves_a_piece_of_the_key_at_any_offset(limit: int) -> None:
    for offset in range(limit + 5):
        text = "x" * offset + SECRET + " tail"
        shown = shorten(text, limit, SECRET)
        assert len(shown) <= limit
        assert not leaks(shown), (offset, shown)


def test_key_split_by_escape_sequences_is_still_removed() -> None:
    text = "bad key " + SECRET[:6] + "\x1b[0m" + SECRET[6:]
    assert not leaks(shorten(text, 300, SECRET))


ODD_KEY = 'sk/live"Q7f9\\Zx2+'


@pytest.mark.parametrize(
    "form",
    [
        ODD_KEY,
        "sk%2Flive%22Q7f9%5CZx2%2B",  # quote(key, safe="")
        "sk/live%22Q7f9%5CZx2%2B",  # quote(key): "/" left as it is
        "sk%2flive%22Q7f9%5cZx2%2b",  # lower-case hex
        'sk/live\\"Q7f9\\\\Zx2+',  # json.dumps
        'sk\\/live\\"Q7f9\\\\Zx2+',  # json with "/" escaped, as some encoders do
        "".join(f"\\u{ord(c):04x}" for c in ODD_KEY),  # every character \u-escaped
    ],
)
def test_redact_the_forms_a_server_may_quote_the_key_in(form: str) -> None:
    """As sent, percent-encoded (echoed in a URL), JSON-escaped (echoed in a JSON string)."""
    assert redact(f"got {form}!", ODD_KEY) == "got ***!"


def test_redact_cut_body_end() -> None:
    for size in range(1, len(SECRET)):
        assert not leaks(redact("y" * 10 + SECRET[:size], SECRET, cut=True))
    assert redact("short tail sk", SECRET) == "short tail sk"  # not cut: left alone


def test_describe_body_cuts_after_redacting() -> None:
    for offset in range(280, 310):
        body = '{"error": "' + "x" * offset + SECRET + '", "requestId": "' + SECRET + '"}'
        error, detail = describe_body(body.encode(), SECRET)
        assert not leaks(error + (detail or ""))


@pytest.mark.parametrize(
    ("value", "expected"), [("5", 5.0), (" 12 ", 12.0), ("²", None), ("١٢", None), ("", None)]
)
def test_retry_after_ascii_digits_only(value: str, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("evt_1", b"evt_1"), ("事件", "事件".encode()), ("🎉", "🎉".encode()), (" x", None),
     ("x ", None), ("a\x00b", None), ("a\x7fb", None)],
)  # fmt: skip
def test_header_value(text: str, expected: bytes | None) -> None:
    assert header_value(text) == expected


def test_last_event_id_header_only_when_it_can_be_one() -> None:
    assert request_headers("✓1")["Last-Event-ID"] == "✓1".encode()
    assert "Last-Event-ID" not in request_headers(" padded")
    assert "Authorization" not in request_headers("x")  # the key travels in the auth object


def _wrapped(cause: BaseException) -> BaseException:
    """How requests hands a failure over: three wrappers deep."""
    inner = urllib3.exceptions.NewConnectionError(None, "Failed to establish")  # type: ignore[arg-type]
    inner.__cause__ = cause
    outer = urllib3.exceptions.MaxRetryError(None, "/v2", inner)  # type: ignore[arg-type]
    return outer


@pytest.mark.parametrize(
    ("cause", "needle", "what_to_check"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "connection refused by api.x:443",
         "the server is up"),
        (OSError(errno.ENETUNREACH, "unreachable"), "api.x:443 is unreachable", "network"),
        (urllib3.exceptions.ConnectTimeoutError("t"), "timed out connecting to api.x:443",
         "firewall"),
        (urllib3.exceptions.NameResolutionError("api.x", None, OSError()),  # type: ignore[arg-type]
         "unknown host api.x:443 (the name api.x does not resolve)", "DNS"),
    ],
)  # fmt: skip
def test_connect_error_reasons(cause: BaseException, needle: str, what_to_check: str) -> None:
    error = connect_error(_wrapped(cause), "https://api.x/v2/runs/r/events/stream", DIRECT)
    assert isinstance(error, ConnectFailed)
    assert needle in error.message
    assert "--base-url" in (error.hint or "")
    assert what_to_check in (error.hint or "")
    assert "Errno" not in error.message


def test_certificate_codes() -> None:
    for code, needle in ((20, "unknown issuer"), (62, "host name mismatch"), (10, "expired"),
                         (9, "not valid yet"), (23, "refused (certificate revoked)")):  # fmt: skip
        cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
        cert.verify_code = code
        cert.verify_message = "certificate revoked"
        error = connect_error(_wrapped(cert), "https://api.x", DIRECT)
        assert isinstance(error, TLSFailure)
        assert needle in error.message


def test_stream_errors_are_retryable_and_plain() -> None:
    error: TailError = stream_error(urllib3.exceptions.ProtocolError("x", ConnectionResetError()))
    assert error.message == "the connection was reset mid-stream"
    assert stream_error(urllib3.exceptions.IncompleteRead(5, 10)).message == (
        "the connection was cut mid-stream"
    )


def test_a_tls_alert_to_a_plain_request_says_use_https() -> None:
    error = connect_error(
        http.client.BadStatusLine("\x15\x03\x01\x00\x02\x02P"), "http://h:1", DIRECT
    )
    assert isinstance(error, TLSFailure)
    assert error.lines() == ["error: h:1 answered in TLS to a plain http request",
                             "use --base-url https://h:1"]  # fmt: skip


def test_a_server_that_is_not_http() -> None:
    error = connect_error(http.client.BadStatusLine("SSH-2.0-OpenSSH_9.6"), "http://h:22", DIRECT)
    assert isinstance(error, ConnectFailed)
    assert error.message == "h:22 did not answer in HTTP"
