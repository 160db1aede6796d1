"""Status, warnings and errors on stderr — never stdout, never the API key."""

from __future__ import annotations

import functools
import re
from typing import TextIO

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
    text = _quoted_forms(secret).sub(MASK, text)
    if cut:
        for size in range(len(secret) - 1, 0, -1):
            if text.endswith(secret[:size]):
                return text[:-size] + MASK
    return text


@functools.lru_cache(maxsize=4)
def _quoted_forms(secret: str) -> re.Pattern[str]:
    """The key as a server may quote it back: each character as itself, percent-encoded
    (either case of hex, whatever an encoder's idea of safe characters), JSON-escaped
    (``\\u002f``, ``\\/``, ``\\"``), or ``+`` for a space."""
    parts = []
    for char in secret:
        forms = [re.escape(char)]
        forms += ["".join(f"%{_hex(b)}" for b in char.encode("utf-8"))]
        forms += [f"\\\\u{_hex(f'{ord(char):04x}')}"] if ord(char) < 0x10000 else []
        forms += ["\\\\" + re.escape(char)] if char in '"\\/' else []
        forms += ["\\+"] if char == " " else []
        parts.append(f"(?:{'|'.join(forms)})")
    return re.compile("".join(parts))


def _hex(value: int | str) -> str:
    """A pattern for hex digits in either case: 2f, 2F."""
    digits = f"{value:02x}" if isinstance(value, int) else value
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in digits)


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
        """Transient connection state; while a header shows it, only -v keeps the lines (held,
        then printed after the display has closed)."""
        if not self.quiet and (self._held is None or self.verbose):
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
