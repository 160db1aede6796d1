"""Hostile event text must reach the terminal as plain visible text only."""

from __future__ import annotations

import pytest

from bctrl_tail import sanitize
from bctrl_tail.sanitize import clean


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x1b[2Jb", "ab"),  # CSI: clear screen
        ("a\x1b[38;2;255;0;0mred\x1b[0m", "ared"),  # CSI with parameters
        ("a\x1b[?1049h", "a"),  # private-mode CSI (alt screen)
        ("x\x1b]0;title\x07y", "xy"),  # OSC terminated by BEL
        ("x\x1b]0;title\x1b\\y", "xy"),  # OSC terminated by ST
        ("\x1b]52;c;aGVsbG8=\x07ok", "ok"),  # OSC 52 clipboard write
        ("\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink
        ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),  # DCS (sixel)
        ("a\x1b_apc\x1b\\b", "ab"),  # APC
        ("a\x1b^pm\x1b\\b", "ab"),  # PM
        ("a\x1bXsos\x1b\\b", "ab"),  # SOS
        ("a\x1bcb", "ab"),  # RIS: full reset
        ("a\x1b7b\x1b8c", "abc"),  # save/restore cursor
        ("a\x1b(Bb", "ab"),  # charset designation
        ("a\x1b#8b", "ab"),  # DEC screen alignment test
        ("\x9b31mred", "red"),  # 8-bit CSI
        ("\x9d0;title\x9cok", "ok"),  # 8-bit OSC, 8-bit ST
        ("\x9d0;title\x07ok", "ok"),  # 8-bit OSC, BEL
        ("\x90dcs\x9cok", "ok"),  # 8-bit DCS
        ("ok\x1b]0;never terminated", "ok"),  # unterminated string swallowed
        ("ok\x1b[31", "ok"),  # unfinished CSI
        ("ok\x1b", "ok"),  # lone ESC at the end
        ("\x1b\x1b[2Jok", "ok"),  # doubled ESC
    ],
)
def test_escape_sequences_are_removed(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_c0_and_del_are_removed() -> None:
    c0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x1b")
    assert clean(f"a{c0}b\x7fc") == "abc"


# The C1 introducers of CSI and of strings (DCS, SOS, OSC, PM, APC) are tested above.
@pytest.mark.parametrize(
    "code", sorted(set(range(0x80, 0xA0)) - {0x90, 0x98, 0x9B, 0x9D, 0x9E, 0x9F})
)
def test_c1_controls_are_removed(code: int) -> None:
    assert clean(f"a{chr(code)}b") == "ab"


def test_tab_newline_cr_become_one_space() -> None:
    assert clean("a\tb\nc\r\nd\n\n\ne") == "a b c d e"


def test_bidi_controls_are_removed() -> None:
    bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    assert clean(f"safe{bidi}.txt") == "safe.txt"
    assert clean("invoice\u202egpj.exe") == "invoicegpj.exe"


def test_markup_is_left_as_text() -> None:
    assert clean("[bold red]x[/]") == "[bold red]x[/]"


@pytest.mark.parametrize(
    "text", ["emoji 😀👍🏽", "中文 日本語 한국어", "café naïve Ångström", "¡olé! €5 ½"]
)
def test_ordinary_unicode_is_preserved(text: str) -> None:
    assert clean(text) == text


def test_printable_ascii_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    class Boom:
        def search(self, text: str) -> None:
            raise AssertionError("regex used for printable ASCII")

        sub = search

    monkeypatch.setattr(sanitize, "_UNSAFE", Boom())
    monkeypatch.setattr(sanitize, "_REMOVE", Boom())
    text = "GET 200 https://example.com/?q=[x]"
    assert clean(text) is text


def test_safe_unicode_is_returned_unchanged() -> None:
    text = "naïve 中文 😀"
    assert clean(text) is text


def test_empty() -> None:
    assert clean("") == ""


def test_huge_text_is_handled() -> None:
    text = ("x" * 1000 + "\x1b[2J") * 1000
    assert clean(text) == "x" * 1_000_000
