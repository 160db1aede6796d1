"""``-o view``: the interactive viewer, built on Textual (imported only in this mode).

Modules: ``store`` (what is kept, no Textual), ``bridge`` (the renderer the tail feeds, on the
tail's thread), ``worker`` (the tail's thread and how it ended), ``app`` (the screen and its
keys), ``rows`` (the Line API rows), ``detail``, ``filter``, ``help``, and ``session`` (the
app on the main thread, the tail on its own).
"""
