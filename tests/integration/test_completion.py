"""Shell completion: the committed scripts are current, and TAB requests return real values."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bctrl_tail.events import CATEGORIES
from tests.support import REPO, child_env, cli_command


def test_completion_scripts_are_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_completions.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stdout + "\nrun: python scripts/make_completions.py"


def complete(env: dict[str, str]) -> list[str]:
    proc = subprocess.run(
        cli_command(), capture_output=True, text=True, env=child_env(env), timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_bash_completes_the_nine_categories() -> None:
    words = complete(
        {
            "_BCTRL_TAIL_COMPLETE": "complete_bash",
            "COMP_WORDS": "bctrl-tail --category ",
            "COMP_CWORD": "2",
        }
    )
    assert words == list(CATEGORIES)


@pytest.mark.parametrize(
    ("option", "partial", "expected"),
    [
        ("--output", "", ["auto", "view", "table", "pretty", "jsonl", "raw"]),
        ("--color", "a", ["auto", "always"]),
        ("--time-format", "", ["local", "utc", "iso", "relative"]),
        ("--type", "captcha.", ["captcha.solve.started", "captcha.solve.succeeded",
                                "captcha.solve.failed"]),
    ],
)  # fmt: skip
def test_bash_completes_option_values(option: str, partial: str, expected: list[str]) -> None:
    words = complete(
        {
            "_BCTRL_TAIL_COMPLETE": "complete_bash",
            "COMP_WORDS": f"bctrl-tail {option} {partial}",
            "COMP_CWORD": "2",
        }
    )
    assert words == expected


def test_zsh_and_fish_completion_requests_answer() -> None:
    zsh = subprocess.run(
        cli_command(),
        capture_output=True,
        text=True,
        timeout=30,
        env=child_env(
            {"_BCTRL_TAIL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "bctrl-tail -c net"}
        ),
    )
    assert '"network"' in zsh.stdout
    fish = subprocess.run(
        cli_command(),
        capture_output=True,
        text=True,
        timeout=30,
        env=child_env(
            {
                "_BCTRL_TAIL_COMPLETE": "complete_fish",
                "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                "_TYPER_COMPLETE_ARGS": "bctrl-tail -o ",
            }
        ),
    )
    assert fish.stdout.split() == ["auto", "view", "table", "pretty", "jsonl", "raw"]


def in_shell(
    line: str, env: dict[str, str], shell: str = "bash"
) -> subprocess.CompletedProcess[str]:
    """Run a command line under ``shell``, so Typer detects it as the user's shell. The
    trailing `exit` keeps the shell as the command's parent: a lone command is exec'd in the
    shell's place, and Typer, looking up the process tree, then finds whatever started the
    tests (or no shell)."""
    script = f"{line}\nexit $?"
    return subprocess.run(
        [shell, "-c", script], capture_output=True, text=True, env=env, timeout=30
    )


def test_show_and_install_completion_for_bash(tmp_path: Path) -> None:
    env = child_env({"HOME": str(tmp_path)})
    command = shlex.join(cli_command())
    shown = in_shell(f"{command} --show-completion", env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == (REPO / "completions" / "bctrl-tail.bash").read_text().strip()
    installed = in_shell(f"{command} --install-completion", env)
    assert installed.returncode == 0, installed.stderr
    assert "bctrl-tail" in (tmp_path / ".bashrc").read_text()


# Each committed script loaded the way the README says, in a real interactive shell: bash
# through bash-completion's per-user folder (or `source`), zsh from a folder on fpath (or
# `source`), fish from its per-user folder. The first TAB must complete.
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")
SHELLS = {
    "bash-completion folder": (
        "bash",
        ".local/share/bash-completion/completions/bctrl-tail",
        "bctrl-tail.bash",
        f". {BASH_COMPLETION}\n",
    ),
    "bash source": ("bash", "c/bctrl-tail.bash", "bctrl-tail.bash", ". ~/c/bctrl-tail.bash\n"),
    "zsh fpath": (
        "zsh",
        ".zfunc/_bctrl-tail",
        "_bctrl-tail",
        "fpath=(~/.zfunc $fpath)\nautoload -Uz compinit && compinit -u\n",
    ),
    "zsh source": (
        "zsh",
        "c/_bctrl-tail",
        "_bctrl-tail",
        "autoload -Uz compinit && compinit -u\nsource ~/c/_bctrl-tail\n",
    ),
    "fish folder": ("fish", ".config/fish/completions/bctrl-tail.fish", "bctrl-tail.fish", ""),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", SHELLS)
def test_the_scripts_complete_where_the_readme_puts_them(case: str, tmp_path: Path) -> None:

    shell, place, name, rc = SHELLS[case]
    if shutil.which(shell) is None or (case.startswith("bash-") and not BASH_COMPLETION.exists()):
        pytest.skip(f"{shell} (or bash-completion) is not installed")
    target = tmp_path / place
    target.parent.mkdir(parents=True)
    shutil.copy(REPO / "completions" / name, target)
    rc_file = {"bash": ".bashrc", "zsh": ".zshrc", "fish": ".config/fish/config.fish"}[shell]
    (tmp_path / rc_file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / rc_file).write_text(rc)
    assert_first_tab_completes(shell, tmp_path)


def shell_env(home: Path) -> dict[str, str]:
    env = child_env({"HOME": str(home), "TERM": "xterm"})
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "BASH_COMPLETION_USER_DIR", "ZDOTDIR"):
        env.pop(name, None)
    return env


def assert_first_tab_completes(shell: str, home: Path) -> None:
    """An interactive ``shell`` with ``home`` as HOME completes a category on the first TAB."""
    import pexpect

    child = pexpect.spawn(shell, ["-i"], env=shell_env(home), cwd=str(home), encoding="utf-8",
                          timeout=20, dimensions=(30, 150))  # fmt: skip
    try:
        child.sendline("echo READY")
        child.expect("READY\r?\n")
        child.send("bctrl-tail --category capt\t")
        child.expect("captcha")  # completed on the first TAB
    finally:
        child.close(force=True)


@pytest.mark.slow
def test_install_completion_for_zsh_completes_on_the_first_tab(tmp_path: Path) -> None:
    """Typer's own zsh script, autoloaded from ~/.zfunc where it installs it, would only
    register itself on the first TAB; ours completes."""
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    installed = in_shell(
        f"{shlex.join(cli_command())} --install-completion", shell_env(tmp_path), "zsh"
    )
    assert installed.returncode == 0, installed.stderr
    script = (tmp_path / ".zfunc" / "_bctrl-tail").read_text()
    assert script.strip() == (REPO / "completions" / "_bctrl-tail").read_text().strip()
    assert "fpath+=~/.zfunc" in (tmp_path / ".zshrc").read_text()
    assert_first_tab_completes("zsh", tmp_path)
