"""The row layout shared by table and view: what gives way on a narrow terminal, and how
types and URLs are shortened."""

from __future__ import annotations

import pytest

from bctrl_tail.render.columns import (
    RUN_TAG_WIDTH,
    RUN_WIDTH,
    fit_summary,
    layout,
    short_run,
    short_type,
    shorten_url,
)


@pytest.mark.parametrize(
    ("width", "names"),
    [
        (200, ("time", "category", "type", "status", "summary")),
        (80, ("time", "category", "type", "status", "summary")),
        (79, ("time", "type", "status", "summary")),
        (60, ("time", "type", "status", "summary")),
        (45, ("time", "type", "summary")),
        (30, ("time", "type", "summary")),
    ],
)
def test_the_category_gives_way_before_the_status(width: int, names: tuple[str, ...]) -> None:
    lay = layout(width, time_format="utc")
    assert lay.names == names
    used = sum(getattr(lay, name) + 1 for name in names) - 1
    assert used <= max(width, 30)


def test_a_run_column_comes_first_with_several_runs_and_is_a_short_tag_when_narrow() -> None:
    assert layout(120, runs=True).names[0] == "run"
    assert layout(120, runs=True).run == RUN_WIDTH
    assert layout(60, runs=True).run == RUN_TAG_WIDTH  # runs differ without colour too
    assert "run" not in layout(120, runs=False).names
    assert layout(120, runs=True, run_chars=26).run == 26  # a wide terminal: long ids whole
    assert layout(200, runs=True, run_chars=60).run == 26  # up to a ULID's length
    assert layout(200, runs=True, run_chars=5).run == RUN_WIDTH
    assert layout(119, runs=True, run_chars=26).run == RUN_WIDTH


@pytest.mark.parametrize(
    ("type_", "category", "shown"),
    [
        ("network.failed", "network", ".failed"),
        ("captcha.solve.failed", "captcha", ".solve.failed"),
        ("navigation", "browser", "navigation"),
        ("network.", "network", "network."),
        ("networking.x", "network", "networking.x"),
        ("connection.command.sent", "command", ".sent"),
        ("connection.command.", "command", "connection.command."),
        ("connection.commander.x", "command", "connection.commander.x"),
    ],
)
def test_a_type_prefix_that_repeats_the_category_is_shortened(
    type_: str, category: str, shown: str
) -> None:
    assert short_type(type_, category) == shown


def test_a_url_is_shortened_in_the_middle_keeping_host_and_last_segment() -> None:
    url = "https://cdn.example.com/assets/js/vendor/" + "a" * 50 + "/app.bundle.js?v=3"
    short = shorten_url(url, 60)
    assert short.startswith("https://cdn.example.com/…")
    assert short.endswith("/app.bundle.js?v=3")
    assert len(url) - 60 - len("/app.bundle.js?v=3") <= len(short) <= len(url) - 60
    assert shorten_url("https://example.com", 10) == "https://example.com"  # no path: as is


def test_a_summary_is_fitted_by_shortening_its_urls() -> None:
    summary = "GET 404 https://shop.example.com/static/" + "x" * 80 + "/favicon.ico"
    fitted = fit_summary(summary, 60)
    assert len(fitted) <= 60
    assert fitted.startswith("GET 404 https://shop.example.com/…")
    assert fitted.endswith("favicon.ico")
    assert fit_summary("no url " * 20, 30) == "no url " * 20  # left for the caller to cut


def test_a_shortened_url_never_shows_a_segment_cut_in_two() -> None:
    url = "https://shop.example.com/api/cart"
    assert shorten_url(url, 3) == "https://shop.example.com/…cart"
    assert (
        shorten_url("https://shop.example.com/v1/api/cart", 3) == "https://shop.example.com/…/cart"
    )
    # not even room for the last segment: the host stays, the path is all ellipsis
    assert shorten_url(url, len("api/cart")) == "https://shop.example.com/…"


def test_a_method_and_status_before_the_url_are_counted() -> None:
    """The whole summary fits: one ellipsis, in the URL, never a second one at the end."""
    summary = "POST 200 https://shop.example.com/api/checkout"
    fitted = fit_summary(summary, 40)
    assert len(fitted) <= 40
    assert fitted.count("…") == 1
    assert fitted.startswith("POST 200 https://shop.example.com/…")


def test_wide_terminals_give_types_room_and_narrow_ones_give_it_to_the_summary() -> None:
    assert layout(200).type >= len("connection.command.completed") - len("connection.command")
    assert layout(200).type > layout(100).type
    narrow = layout(60)
    assert narrow.summary >= narrow.type


def test_a_long_run_id_keeps_its_end() -> None:
    assert short_run("run_8f14e45fceea167a", 8) == "…eea167a"
    assert short_run("run_a", 8) == "run_a"
