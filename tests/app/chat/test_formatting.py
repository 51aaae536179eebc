"""The short texts around messages: the preview of a long question."""

from __future__ import annotations

from app.chat.formatting import PREVIEW_CHARS, PREVIEW_LINES, preview


def test_a_short_message_is_shown_whole() -> None:
    text = "Line one\n" * (PREVIEW_LINES - 1) + "last line"
    assert preview(text) == text


def test_a_long_message_shows_its_first_lines() -> None:
    text = "".join(f"line {i}\n" for i in range(1000))
    shown = preview(text)
    assert text.startswith(shown)
    assert shown.splitlines() == [f"line {i}" for i in range(PREVIEW_LINES)]


def test_a_long_line_is_cut_at_a_word_break() -> None:
    text = "lorem ipsum " * 1000
    shown = preview(text)
    assert len(shown) <= PREVIEW_CHARS and text.startswith(shown)
    assert shown.endswith(("lorem", "ipsum"))


def test_text_without_breaks_is_cut_at_the_limit() -> None:
    assert preview("a" * 10_000) == "a" * PREVIEW_CHARS
