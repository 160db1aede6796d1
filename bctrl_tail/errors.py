"""Exit codes and the typed exceptions that travel up to the one place that reports them."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes; the README's table is checked against this enum."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    RUN_FAILED = 3
    AUTH = 4
    NOT_FOUND = 5
    UNTIL_UNMET = 6
    TIMEOUT = 124
    HANGUP = 129
    INTERRUPTED = 130
    TERMINATED = 143


class TailError(Exception):
    """An error that ends the tail with an exit code and a short message for stderr."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, detail: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail  # what the server said (code, request id), when it said it
        self.hint = hint  # what to do; always shown, whatever the detail

    def lines(self) -> list[str]:
        """The one or two lines printed on stderr: the error, then the detail and the hint."""
        out = [f"error: {self.message}"]
        second = " — ".join(part for part in (self.detail, self.hint) if part)
        if second:
            out.append(second)
        return out


class UsageError(TailError):
    """A bad option or value: nothing has been sent."""

    exit_code = ExitCode.USAGE


class AuthError(TailError):
    """No API key, or the server answered 401/403."""

    exit_code = ExitCode.AUTH


class NotFoundError(TailError):
    """The server answered 404: no such run for this key."""

    exit_code = ExitCode.NOT_FOUND


class ResponseError(TailError):
    """An unexpected response: wrong content type or a 4xx we cannot retry."""

    exit_code = ExitCode.FAILURE


class RetryableError(TailError):
    """A failure worth reconnecting for: network error, idle timeout, 408/429/5xx."""

    exit_code = ExitCode.FAILURE

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail, hint=hint)
        self.retry_after = retry_after


class ConnectFailed(RetryableError):
    """No HTTP answer at all: refused, unknown host, unreachable, timed out, closed unanswered.

    Until a first answer has been received this is retried at most ``FIRST_CONTACT_RETRIES``
    times: a wrong --base-url should fail in seconds, not after minutes of backoff.
    """


FIRST_CONTACT_RETRIES = 2


class TLSFailure(TailError):
    """A certificate that cannot be trusted, or TLS spoken to a plain-http port: final,
    since no retry can fix either."""

    exit_code = ExitCode.FAILURE


class ProxyAuthFailure(TailError):
    """The proxy answered 407: final, since the same credentials get the same answer."""

    exit_code = ExitCode.FAILURE


class GaveUpError(TailError):
    """Too many consecutive failed attempts."""

    exit_code = ExitCode.FAILURE


class TimedOut(TailError):
    """--timeout elapsed."""

    exit_code = ExitCode.TIMEOUT


class Terminated(BaseException):
    """SIGTERM arrived; raised in the main thread like KeyboardInterrupt is for SIGINT."""

    exit_code = ExitCode.TERMINATED
    word = "terminated"


class HungUp(Terminated):
    """SIGHUP arrived (the terminal was closed): handled as SIGTERM is, with its own code."""

    exit_code = ExitCode.HANGUP
    word = "hung up"
