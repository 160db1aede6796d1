"""The detail screen: one event's whole JSON, pretty-printed, highlighted, wrapped, scrollable.

The JSON is written by ``json`` (which escapes C0 controls) and every other control, bidi or
surrogate character is then written as ``\\uXXXX`` too, so nothing the server sent can drive
the terminal; it enters rich as ``Text``, so markup in it shows literally.

What is shown is made for reading: a string of several lines (a stack trace) is shown as its
lines, and a very long string is cut on its own, so every key of a huge event stays in view.
``c`` copies the event's JSON itself, whole.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, ClassVar

import orjson
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from bctrl_tail import jsontext
from bctrl_tail.render.view.jsonlines import JsonLines
from bctrl_tail.render.view.store import Entry
from bctrl_tail.sanitize import clean, escape_unsafe

MAX_DETAIL_CHARS = 4_000_000  # what is shown beyond this is cut, with a note (the copy is whole)
MAX_STRING_SHOWN = 20_000  # characters of one string shown; the rest is cut, with a note
MAX_LINES_SHOWN = 2_000  # lines of one multi-line string shown
CLIPBOARD_LIMIT = 75_000  # bytes: OSC 52 sends them as base64, and ~100 KB is dropped by tmux


def pretty_json(entry: Entry) -> str:
    """The entry's JSON, indented, with unsafe characters escaped (what ``c`` copies)."""
    try:
        text = json.dumps(json.loads(entry.text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = entry.text
    return escape_unsafe(text)


NESTED = (str, dict, list)  # what ``readable_json`` may change


def readable_json(entry: Entry) -> str:
    """The entry's JSON as shown: indented, each long string cut on its own (the keys after
    it stay in view), a multi-line string as its lines; unsafe characters escaped. orjson
    reads and writes it (a 1.3 MB event in milliseconds, where the stdlib's indenting
    encoder, written in Python, takes a tenth of a second); the stdlib writes what orjson
    cannot (integers beyond 64 bits, lone surrogates, deep nesting)."""
    value = jsontext.parse(entry.text)
    if value is None:  # not JSON, or nested too deep to be written back
        return escape_unsafe(entry.text)
    token = f"@@lines-{secrets.token_hex(8)}-"
    multiline: list[str] = []

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            if len(item) > MAX_STRING_SHOWN:
                cut = len(item) - MAX_STRING_SHOWN
                item = item[:MAX_STRING_SHOWN] + f"… ({cut:,} more characters; c copies them)"
            if "\n" in item:
                multiline.append(item)
                return f"{token}{len(multiline) - 1}@@"
            return item
        if isinstance(item, dict):
            return {key: walk(val) if isinstance(val, NESTED) else val for key, val in item.items()}
        if isinstance(item, list):  # numbers are left alone without a call: lists get long
            return [walk(val) if isinstance(val, NESTED) else val for val in item]
        return item

    shown = walk(value)
    try:
        text = orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode()
    except (orjson.JSONEncodeError, TypeError):
        try:
            text = json.dumps(shown, indent=2, ensure_ascii=False)
        except RecursionError:
            return pretty_json(entry)
    if multiline:
        text = "\n".join(_lines_in(line, token, multiline) for line in text.split("\n"))
    return escape_unsafe(text)


def _lines_in(line: str, token: str, multiline: list[str]) -> str:
    """``line`` with the multi-line string it holds (if any) written as its lines: each line
    ends with a visible ``\\n`` and the next one starts under the string, indented."""
    start = line.find('"' + token)
    if start < 0:
        return line
    end = line.index('@@"', start) + 3
    lines = multiline[int(line[start + 1 + len(token) : end - 3])].split("\n")
    if len(lines) > MAX_LINES_SHOWN:
        more = len(lines) - MAX_LINES_SHOWN
        lines = [*lines[:MAX_LINES_SHOWN], f"… ({more:,} more lines; c copies them)"]
    indent = "\n" + " " * (len(line) - len(line.lstrip()) + 2)
    pieces = [json.dumps(part, ensure_ascii=False)[1:-1] for part in lines]
    return line[:start] + '"' + ("\\n" + indent).join(pieces) + '"' + line[end:]


def title_of(entry: Entry, shown: str) -> Text:
    """``event evt_1 · network.failed · run run_1  (N lines)``, sanitised; N counts the lines
    ``shown`` (a stack trace's lines included)."""
    data = jsontext.parse(entry.text)
    data = data if isinstance(data, dict) else {}
    parts = [str(data.get(key, "")) for key in ("id", "type")]
    title = Text("event ", style="dim")
    title.append(clean(" · ".join(p for p in parts if p)[:200]), style="bold")
    if entry.run_id:
        title.append(f"  run {clean(entry.run_id[:100])}", style="dim")
    title.append(f"  ({shown.count(chr(10)) + 1:,} lines)", style="dim")
    return title


class DetailScreen(Screen[None]):
    """Esc goes back; ``c`` copies the JSON to the clipboard (OSC 52, base64: inert text)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "back"),
        Binding("c", "copy", "copy JSON"),
    ]

    DEFAULT_CSS = """
    DetailScreen #title { height: 1; padding: 0 1; }
    DetailScreen JsonLines { padding: 0 1; }
    """

    def __init__(self, entry: Entry) -> None:
        super().__init__()
        self.entry = entry

    @property
    def json_text(self) -> str:
        """What ``c`` copies: the event's JSON, whole (made only when asked for)."""
        return pretty_json(self.entry)

    def compose(self) -> ComposeResult:
        shown = readable_json(self.entry)
        yield Static(title_of(self.entry, shown), id="title")  # the lines of the whole event
        if len(shown) > MAX_DETAIL_CHARS:
            shown = shown[:MAX_DETAIL_CHARS] + "\n… (cut here; c copies the whole event)"
        yield JsonLines(shown, id="json")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#json").focus()

    def action_copy(self) -> None:
        """Terminals (and tmux) drop an OSC 52 copy that is too large, and say nothing: a
        large event is still sent, with a warning that it may not have arrived."""
        copied = self.json_text
        self.app.copy_to_clipboard(copied)
        size = len(copied.encode("utf-8", "replace"))
        if size > CLIPBOARD_LIMIT:
            self.notify(
                f"event JSON sent to the clipboard, but at {size / 1000:,.0f} KB it is likely too"
                f" large for the terminal's clipboard ({CLIPBOARD_LIMIT // 1000} KB or so):"
                " it may not have been copied",
                severity="warning",
                timeout=6,
            )
            return
        self.notify("event JSON copied to the clipboard", timeout=2)
