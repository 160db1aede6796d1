"""The cursor file: one resume point per run, for one base URL, rewritten atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bctrl_tail.cursorfile import (
    FORMAT,
    CursorFile,
    SavedCursors,
    cursor_document,
    parse_cursor_file,
    read_cursor_file,
)
from bctrl_tail.errors import ExitCode, UsageError

BASE = "https://api.bctrl.ai"


def document(runs: dict[str, str], base: str = BASE) -> str:
    return json.dumps({"format": FORMAT, "baseUrl": base, "runs": runs})


def test_reads_the_runs_for_its_base_url(tmp_path: Path) -> None:
    path = tmp_path / "cursors"
    path.write_text(document({"run_a": "evt_1", "run_b": "事件✓"}), encoding="utf-8")
    saved = read_cursor_file(path, BASE)
    assert saved == SavedCursors(BASE, {"run_a": "evt_1", "run_b": "事件✓"})


def test_a_missing_or_blank_file_holds_no_cursor(tmp_path: Path) -> None:
    path = tmp_path / "cursors"
    assert read_cursor_file(path, BASE) == SavedCursors(BASE)
    path.write_text("\n")
    assert read_cursor_file(path, BASE) == SavedCursors(BASE)


def test_another_base_url_is_not_applied() -> None:
    saved = parse_cursor_file(document({"run_a": "evt_1"}), Path("f"), "http://localhost:8787")
    assert saved.runs == {} and saved.other_base_url == BASE
    same = parse_cursor_file(document({"run_a": "evt_1"}, BASE + "/"), Path("f"), BASE)
    assert same.runs == {"run_a": "evt_1"}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("evt_00004\n", "not a JSON object"),  # what bctrl-tail wrote before this format
        ("[1, 2]", "not a bctrl-tail.cursor/1 file"),
        ('{"runs": {}}', "not a bctrl-tail.cursor/1 file"),
        ('{"format": "bctrl-tail.cursor/2", "baseUrl": "x", "runs": {}}', "not a bctrl-tail"),
        ('{"format": "bctrl-tail.cursor/1", "runs": {}}', '"baseUrl" must be a URL'),
        ('{"format": "bctrl-tail.cursor/1", "baseUrl": "x", "runs": []}', '"runs" must map'),
        ('{"format": "bctrl-tail.cursor/1", "baseUrl": "x", "runs": {"a": 1}}', '"runs" must'),
        ('{"format": "bctrl-tail.cursor/1", "baseUrl": "x", "runs": {"a": ""}}', '"runs" must'),
        ("[" * 100_000, "not a JSON object"),
    ],
)
def test_anything_else_is_a_usage_error_naming_the_file(text: str, why: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_cursor_file(text, Path("ci/cursors.json"), BASE)
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.message.startswith("malformed --cursor-file ci/cursors.json: ")
    assert why in caught.value.message
    assert "delete the file" in (caught.value.detail or "")


def test_not_utf8_and_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "cursors"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(UsageError, match="not UTF-8"):
        read_cursor_file(path, BASE)
    path.write_bytes(b"\xef\xbb\xbf" + document({"r": "e"}).encode())
    assert read_cursor_file(path, BASE).runs == {"r": "e"}


def test_saves_every_run_and_keeps_the_entries_of_other_runs(tmp_path: Path) -> None:
    path = tmp_path / "cursors"
    cursors = CursorFile(path, BASE, {"run_old": "evt_7", "run_a": "evt_1"})
    cursors.save()
    assert not path.exists()  # nothing changed: nothing written
    cursors.update("run_a", "evt_2")
    cursors.update("run_b", "evt_5")
    cursors.save()
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == {
        "format": FORMAT,
        "baseUrl": BASE,
        "runs": {"run_old": "evt_7", "run_a": "evt_2", "run_b": "evt_5"},
    }
    assert read_cursor_file(path, BASE).runs == written["runs"]
    assert os.listdir(tmp_path) == ["cursors"]  # no temporary file left behind


def test_tails_sharing_one_file_at_once_keep_each_others_progress(tmp_path: Path) -> None:
    path = tmp_path / "cursors"
    path.write_text(document({"run_a": "a1", "run_b": "b1"}))
    saved = read_cursor_file(path, BASE).runs
    first, second = CursorFile(path, BASE, saved), CursorFile(path, BASE, saved)
    first.update("run_a", "a2")
    second.update("run_b", "b2")
    first.save()
    second.save()  # its own copy of run_a is the stale a1: the file's a2 is kept
    first.update("run_a", "a3")
    first.save()  # and its stale b1 never undoes the other tail's b2
    assert json.loads(path.read_text())["runs"] == {"run_a": "a3", "run_b": "b2"}


def test_a_cursor_is_never_applied_to_another_run(tmp_path: Path) -> None:
    path = tmp_path / "cursors"
    cursors = CursorFile(path, BASE)
    cursors.update("run_a", "evt_9")
    cursors.save()
    assert cursors.current("run_a") == "evt_9" and cursors.current("run_b") is None
    assert read_cursor_file(path, BASE).runs.get("run_b") is None


def test_maybe_save_at_most_once_per_interval(tmp_path: Path) -> None:
    path = tmp_path / "cursors"
    cursors = CursorFile(path, BASE, interval=1.0)
    cursors.update("r", "e1")
    cursors.maybe_save(10.0)
    cursors.update("r", "e2")
    cursors.maybe_save(10.5)
    assert json.loads(path.read_text())["runs"] == {"r": "e1"}
    cursors.maybe_save(11.0)
    assert json.loads(path.read_text())["runs"] == {"r": "e2"}


def test_ids_that_utf8_cannot_carry_are_escaped() -> None:
    data = cursor_document(BASE, {"r": "a\ud800b"})
    assert json.loads(data)["runs"]["r"] == "a\ud800b"
    assert json.loads(cursor_document(BASE, {"r": "✓"}).decode("utf-8"))["runs"] == {"r": "✓"}


def test_a_folder_that_cannot_be_written_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no writable folder"):
        read_cursor_file(tmp_path / "missing" / "cursors", BASE)
