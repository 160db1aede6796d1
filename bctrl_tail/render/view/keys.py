"""Keys that arrive glued to an Esc.

A terminal sends Alt+q as Esc then ``q``, so Esc and ``q`` arriving together (typed fast over
a slow link, pasted, or sent by ``tmux send-keys``) are read by Textual as Alt+q: the Esc is
lost and ``q`` does nothing. The viewer binds no Alt key, so it reads Alt and a letter back
as the two keys. What cannot be recovered, because Textual has already turned it into a key
that can also be typed on its own: Esc with ``f`` or ``b`` (iTerm's word keys, read as
Ctrl+Right / Ctrl+Left), with a digit (macOS Option characters such as ``¡``), and with any
other character (``/``, ``?``, space: the Esc is dropped, the character kept).
"""

from __future__ import annotations

ALT = "alt+"
SHIFT = "shift+"


def after_escape(key: str) -> str | None:
    """The key typed after Esc when ``key`` is Textual's name for Esc and it read as one:
    ``alt+q`` is ``q``, ``alt+shift+g`` is ``G``; None for any other key."""
    if not key.startswith(ALT):
        return None
    rest = key[len(ALT) :]
    if rest.startswith(SHIFT) and len(rest) == len(SHIFT) + 1 and rest[-1].isalpha():
        return rest[-1].upper()
    return rest if len(rest) == 1 and rest.isascii() and rest.isalnum() else None
