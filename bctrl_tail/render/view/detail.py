"""The detail screen: one event's whole JSON, pretty-printed, highlighted, wrapped, scrollable.

The JSON is written by ``json`` (which escapes C0 controls) and every other control, bidi or
surrogate character is then written as ``\\uXXXX`` too, so nothing the server sent can drive
the terminal; it enters rich as ``Text``, so markup in it shows literally.
"""

from __future__ import annotations

import json
from typing import ClassVar

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from bctrl_tail.render.view.store import Entry
from bctrl_tail.sanitize import clean, escape_unsafe

MAX_DETAIL_CHARS = 1_000_000  # a larger event is shown cut, with a note (the copy is whole)


def pretty_json(entry: Entry) -> str:
    """The entry's JSON, indented, with unsafe characters escaped."""
    try:
        text = json.dumps(json.loads(entry.text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = entry.text
    return escape_unsafe(text)


def title_of(entry: Entry, pretty: str) -> Text:
    """``event evt_1 · network.failed · run run_1``, sanitised."""
    try:
        data = json.loads(entry.text)
    except (ValueError, RecursionError):
        data = {}
    data = data if isinstance(data, dict) else {}
    parts = [str(data.get(key, "")) for key in ("id", "type")]
    title = Text("event ", style="dim")
    title.append(clean(" · ".join(p for p in parts if p)[:200]), style="bold")
    if entry.run_id:
        title.append(f"  run {clean(entry.run_id[:100])}", style="dim")
    title.append(f"  ({len(pretty.splitlines())} lines)", style="dim")
    return title


class DetailScreen(Screen[None]):
    """Esc goes back; ``c`` copies the JSON to the clipboard (OSC 52, base64: inert text)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "back"),
        Binding("c", "copy", "copy JSON"),
    ]

    DEFAULT_CSS = """
    DetailScreen #title { height: 1; padding: 0 1; }
    DetailScreen VerticalScroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, entry: Entry) -> None:
        super().__init__()
        self.entry = entry
        self.json_text = pretty_json(entry)

    def compose(self) -> ComposeResult:
        yield Static(title_of(self.entry, self.json_text), id="title")
        shown = self.json_text
        if len(shown) > MAX_DETAIL_CHARS:
            shown = shown[:MAX_DETAIL_CHARS] + "\n… (cut here; c copies the whole event)"
        body = Text(shown, overflow="fold")
        JSONHighlighter().highlight(body)
        with VerticalScroll(id="json"):
            yield Static(body, id="body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#json").focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.json_text)
        self.notify("event JSON copied to the clipboard", timeout=2)
