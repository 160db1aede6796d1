"""The fixed vocabularies of the command line, in a module that imports nothing, so that
--help and a TAB press can name them without loading the rest of the tool."""

CATEGORIES = (
    "runtime",
    "command",
    "network",
    "console",
    "file",
    "tool",
    "browser",
    "captcha",
    "event",
)
OUTPUTS = ("auto", "view", "table", "pretty", "jsonl", "raw")
COLORS = ("auto", "always", "never")
TIME_FORMATS = ("local", "utc", "iso", "relative")
KNOWN_TYPES = (
    "runtime.lifecycle",
    "navigation",
    "network.request",
    "network.response",
    "network.failed",
    "console.message",
    "page.error",
    "page.crash",
    "page.load",
    "dialog",
    "download",
    "captcha.solve.started",
    "captcha.solve.succeeded",
    "captcha.solve.failed",
    "connection.command.*",
)
