"""Typer's zsh completion script, made to work when autoloaded from a folder on ``fpath``.

Typer's script only registers its function with ``compdef``, which is right when the file is
sourced. Autoloaded from ``fpath`` as ``_bctrl-tail`` (where ``--install-completion`` puts it,
and where the README suggests), the file is the completion function itself, so the first TAB
would only register it and complete nothing. Click's own zsh script tells the two apart the
same way. ``scripts/make_completions.py`` writes ``completions/`` from the same templates.
"""

from __future__ import annotations

from typer import _completion_shared

REGISTER = "compdef %(complete_func)s %(prog_name)s"
EITHER_WAY = """\
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  # autoloaded from fpath as _%(prog_name)s: complete now
  %(complete_func)s "$@"
else
  # sourced: register the function for the next TAB
  compdef %(complete_func)s %(prog_name)s
fi"""


def fix_zsh_script() -> bool:
    """Give Typer the zsh template that works both ways; False if Typer's has changed shape
    (then it is left alone, and the completion tests say so)."""
    scripts = _completion_shared._completion_scripts
    zsh = scripts["zsh"].rstrip()
    if zsh.endswith(EITHER_WAY):
        return True
    if not zsh.endswith(REGISTER):
        return False
    scripts["zsh"] = zsh.removesuffix(REGISTER) + EITHER_WAY
    return True
