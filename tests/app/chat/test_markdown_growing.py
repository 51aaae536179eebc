"""A growing answer rendered block by block (`GrowingMarkdown`) reads exactly as the whole text
rendered at once, whatever the pieces it arrived in."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.chat.markdown import DARK, GrowingMarkdown, MarkdownRenderer
from app.chat.math import MathStyle

renderer = MarkdownRenderer()

FRAGMENTS = (
    "## Sorting records\n\nHere is **one way**, with `sorted()`:\n\n",
    "Plain prose that goes on for a while, with *emphasis* and a [link](https://example.com).\n\n",
    "```python\ndef solve(items):\n\n    return sorted(items, key=lambda r: r.key)\n```\n\n",
    "- first point\n- second point\n\n",
    "- loose item\n\n- another loose item\n\n  continued in the item\n\n",
    "1. one\n2. two\n\n3. three\n\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\n",
    "> quoted\nlazy line\n\n> another quote\n\n",
    "    indented code\n\n    more indented code\n\n",
    "Setext title\n---\n\n",
    "The sum $S_n = \\sum_{k=1}^{n} k$ grows like $n^2$.\n\n",
    "$$\n\\int_0^1 x^2 \\, dx = \\frac{1}{3}\n$$\n\n",
    "$$x^2$$\n\n",
    "~~~\nfenced with tildes\n\nstill code\n~~~\n\n",
    "Trailing text without a blank line\n",
    "***\n\n",
    "* star list\n\n+ plus list\n\n",
    "A paragraph\n- that meets a list\n\n",
    "```\nnever closed\n\nbut grows\n",
    "Text \\$5 and $10 and `$x$` in code.\n\n",
    "\t tab start\n\n",
    "<b>raw html</b> & entities &amp;\n\n",
)


def _check(text: str, cuts: list[int], style: MathStyle | None = None) -> None:
    growing = GrowingMarkdown(renderer)
    for cut in sorted(set(cuts)) + [len(text)]:
        prefix = text[:cut]
        assert growing.render(prefix, style) == renderer.render(prefix, style), repr(prefix)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8),
    st.lists(st.integers(min_value=0, max_value=2000), max_size=25),
)
def test_any_pieces_of_real_answers_render_as_the_whole_text(
    fragments: list[str], cuts: list[int]
) -> None:
    text = "".join(fragments)
    _check(text, [cut % (len(text) + 1) for cut in cuts])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab -*#>`$|\n\t1.\\[]():", max_size=120), st.data())
def test_any_text_of_markdown_characters_renders_as_the_whole_text(
    text: str, data: st.DataObject
) -> None:
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=12))
    _check(text, cuts)


def test_every_character_of_a_long_answer_renders_as_the_whole_text() -> None:
    text = "".join(FRAGMENTS[:14])
    _check(text, list(range(0, len(text), 3)))


def test_finished_blocks_are_not_parsed_again() -> None:
    growing = GrowingMarkdown(renderer)
    text = "First paragraph.\n\n```python\nx = 1\n```\n\nThe growing one"
    growing.render(text)
    assert growing.finished_source == "First paragraph.\n\n```python\nx = 1\n```\n\n"


def test_copy_links_keep_their_numbers_across_finished_blocks() -> None:
    text = "```\na\n```\n\nmiddle\n\n```\nb\n```\n\nend"
    growing = GrowingMarkdown(renderer)
    growing.render(text[:20])
    rendered = growing.render(text)
    assert rendered.code_blocks == ("a", "b")
    assert rendered == renderer.render(text)


def test_a_reference_definition_renders_the_whole_text() -> None:
    text = "See [the docs][d].\n\nMore text.\n\n[d]: https://example.com\n"
    growing = GrowingMarkdown(renderer)
    growing.render(text[:30])
    assert growing.render(text) == renderer.render(text)
    assert 'href="https://example.com"' in growing.render(text).html


def test_a_new_style_or_palette_or_an_edited_start_renders_again() -> None:
    own = MarkdownRenderer()
    growing = GrowingMarkdown(own)
    text = "One $x^2$ formula.\n\n```python\nx = 1\n```\n\nTail"
    growing.render(text)
    big = MathStyle(font_px=24.0)
    assert growing.render(text, big) == own.render(text, big)
    own.set_palette(DARK)
    assert growing.render(text, big) == own.render(text, big)
    edited = "Another start.\n\n" + text
    assert growing.render(edited, big) == own.render(edited, big)
