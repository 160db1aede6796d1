"""Status, warnings and errors on stderr — never stdout, never the API key."""

from __future__ import annotations

import json
from typing import TextIO
from urllib.parse import quote

from bctrl_tail.sanitize import clean

PREFIX = "bctrl-tail: "
MAX_HELD = 200
MIN_SECRET = 6  # redacting a one-letter "key" would garble every line
MASK = "***"


def redact(text: str, secret: str, *, cut: bool = False) -> str:
    """``text`` without the key: as sent, percent-encoded and JSON-escaped (how a server may
    quote it back). ``cut``: the text was already cut short (a body read up to a limit), so a
    start of the key left at its very end is removed too."""
    if len(secret) < MIN_SECRET:
        return text
    for form in {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}:
        text = text.replace(form, MASK)
    if cut:
        for size in range(len(secret) - 1, 0, -1):
            if text.endswith(secret[:size]):
                return text[:-size] + MASK
    return text


def shorten(text: str, limit: int, secret: str) -> str:
    """Server text fit for one line: escapes cleaned and the key removed FIRST, then cut to
    ``limit`` characters, so no cut can leave a piece of the key in what is shown."""
    text = redact(clean(text), secret)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Reporter:
    """Writes plain lines to stderr, with -q/-v applied and the key redacted as a last guard.

    While a live table owns the terminal, ``defer`` holds lines back so they do not tear the
    display; ``release`` prints them once it has stopped.
    """

    def __init__(
        self, stream: TextIO, *, quiet: bool = False, verbose: bool = False, secret: str = ""
    ) -> None:
        self._stream = stream
        self.quiet = quiet
        self.verbose = verbose
        self._secret = secret
        self._held: list[str] | None = None
        self._dropped = 0

    def info(self, message: str) -> None:
        """State a person wants to see (reconnects, the end of the run); hidden by -q."""
        if not self.quiet:
            self._write(PREFIX + message)

    def progress(self, message: str) -> None:
        """Transient connection state; not shown while the table shows it in its header."""
        if not self.quiet and self._held is None:
            self._write(PREFIX + message)

    def debug(self, message: str) -> None:
        if self.verbose:
            self._write(PREFIX + message)

    def warn(self, message: str) -> None:
        if not self.quiet:
            self._write(PREFIX + "warning: " + message)

    def error(self, lines: list[str]) -> None:
        for line in lines:
            self._write(PREFIX + line, always=True)

    def defer(self) -> None:
        self._held = []

    def release(self) -> None:
        held, self._held = self._held, None
        for line in held or []:
            self._write(line)
        if self._dropped:
            self._write(f"{PREFIX}({self._dropped} more lines were not kept while the table ran)")
            self._dropped = 0

    def _write(self, line: str, *, always: bool = False) -> None:
        """Server text reaches these lines (run.ended, error bodies): strip escapes first."""
        line = redact(clean(line), self._secret)
        if self._held is not None and not always:
            if len(self._held) < MAX_HELD:
                self._held.append(line)
            else:
                self._dropped += 1
            return
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass
