"""Make hostile event text safe to show on a terminal.

Event text comes from web pages and agents: it may carry escape sequences that clear the screen,
retitle the window, write the clipboard (OSC 52) or reorder text (bidi overrides). ``clean``
removes all of them so that what is printed is only the visible text.
"""

from __future__ import annotations

import re

# Strings terminated by BEL or ST: OSC, DCS, SOS, PM, APC, in 7-bit (ESC x) and 8-bit (C1) form.
# An unterminated string is removed to the end, as a terminal would swallow it.
_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
# CSI, 7-bit and 8-bit; an unfinished one at the end is removed too.
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
# Other ESC sequences: intermediates then one final byte (ESC c, ESC 7, ESC ( B, ESC # 8).
_ESC = r"\x1b[ -/]*[0-~]"
# Whatever control or bidi character is left, tab/newline/CR excepted (they become spaces).
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"

_REMOVE = re.compile(f"{_STRING}|{_CSI}|{_ESC}|{_CONTROL}")
_SPACE = re.compile(r"[\t\n\r]+")
# Lone surrogates (JSON allows "\ud800") cannot be encoded for any terminal: show U+FFFD.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# the same, but newline kept: pretty-printed JSON is lines
_UNSAFE_BUT_LINES = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def clean(text: str) -> str:
    """``text`` without escape sequences, control or bidi characters; tab/newline/CR as spaces."""
    if text.isascii() and text.isprintable():
        return text
    if _UNSAFE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", _SPACE.sub(" ", _REMOVE.sub("", text)))


def escape_unsafe(text: str) -> str:
    """``text`` with each control, bidi or surrogate character written as ``\\uXXXX``: for
    JSON shown whole (the detail view), where a removed character would hide what was sent."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE_BUT_LINES.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
