"""Colour decisions and console construction, with every input injected."""

from __future__ import annotations

import io

import pytest
from rich.text import Text

from bctrl_tail.terminal import color_enabled, make_console


@pytest.mark.parametrize(
    ("when", "is_tty", "env", "expected"),
    [
        # --color not given: NO_COLOR, then FORCE_COLOR, then auto
        (None, True, {}, True),
        (None, False, {}, False),
        (None, True, {"NO_COLOR": "1"}, False),
        (None, True, {"NO_COLOR": ""}, True),  # empty does not count
        (None, False, {"FORCE_COLOR": "1"}, True),
        (None, False, {"FORCE_COLOR": ""}, False),
        (None, True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (None, True, {"TERM": "dumb"}, False),
        (None, True, {"TERM": "xterm-256color"}, True),
        (None, True, {"TERM": "dumb", "FORCE_COLOR": "1"}, True),
        # explicit flag wins over the environment
        ("always", False, {"NO_COLOR": "1"}, True),
        ("always", True, {"TERM": "dumb"}, True),
        ("never", True, {"FORCE_COLOR": "1"}, False),
        ("never", True, {}, False),
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"TERM": "dumb"}, False),
        ("auto", True, {"NO_COLOR": "1"}, True),
        ("auto", False, {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_decision_table(
    when: str | None, is_tty: bool, env: dict[str, str], expected: bool
) -> None:
    assert color_enabled(when, is_tty=is_tty, env=env) is expected


def test_unknown_color_value_is_rejected() -> None:
    with pytest.raises(ValueError, match="sometimes"):
        color_enabled("sometimes", is_tty=True, env={})


def _printed(color: bool, is_tty: bool, text: Text | str) -> str:
    out = io.StringIO()
    console = make_console(out, color=color, is_tty=is_tty, width=80, height=24)
    console.print(text)
    return out.getvalue()


def test_colour_off_writes_no_escape_at_all() -> None:
    assert _printed(False, True, Text("x", style="bold red")) == "x\n"


def test_colour_on_writes_styles_even_when_piped() -> None:
    assert "\x1b[1;31mx" in _printed(True, False, Text("x", style="bold red"))


def test_console_interprets_no_markup_emoji_or_highlighting() -> None:
    text = "[bold red]x[/] :smile: 123 'str' https://x.y"
    out = _printed(True, True, text)
    assert out == text + "\n"


def test_console_follows_the_injected_decisions() -> None:
    console = make_console(io.StringIO(), color=True, is_tty=True, width=33, height=7)
    assert console.is_terminal
    assert (console.size.width, console.size.height) == (33, 7)
    assert console.color_system == "standard"
    piped = make_console(io.StringIO(), color=False, is_tty=False)
    assert not piped.is_terminal
    assert piped.color_system is None
    assert piped.no_color


def test_console_ignores_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b[1;31mx" in _printed(True, False, Text("x", style="bold red"))
    assert not make_console(io.StringIO(), color=True, is_tty=False).is_terminal
    assert _printed(False, True, Text("x", style="bold red")) == "x\n"
