"""Markdown rendering of model output: safe, highlighted, code blocks collected for copying."""

from __future__ import annotations

from app.chat.markdown import COPY_SCHEME, MarkdownRenderer

renderer = MarkdownRenderer()


def test_raw_html_in_model_output_is_escaped() -> None:
    html = renderer.render("<script>alert(1)</script> <b>bold?</b>").html
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_images_become_links_and_are_never_embedded() -> None:
    html = renderer.render("![tracker](https://evil.example/pixel.png)").html
    assert "<img" not in html
    assert 'href="https://evil.example/pixel.png"' in html and "[image: tracker]" in html


def test_dangerous_link_targets_are_not_links() -> None:
    html = renderer.render("[click](javascript:alert(1)) [file](file:///etc/passwd)").html
    assert "href" not in html


def test_fenced_code_is_highlighted_and_collected() -> None:
    rendered = renderer.render("Try:\n\n```python\nprint('hi')\n```\n\n```\nplain\n```")
    assert rendered.code_blocks == ("print('hi')", "plain")
    assert f'href="{COPY_SCHEME}:0"' in rendered.html and f'href="{COPY_SCHEME}:1"' in rendered.html
    assert "<span style=" in rendered.html  # Pygments colours, inline for Qt
    assert ">python<" in rendered.html


def test_an_unknown_language_still_renders() -> None:
    rendered = renderer.render("```nosuchlanguage\nx = 1\n```")
    assert rendered.code_blocks == ("x = 1",)


def test_an_unclosed_fence_while_streaming_renders_as_code() -> None:
    rendered = renderer.render("Here:\n\n```python\ndef f():\n    return")
    assert rendered.code_blocks == ("def f():\n    return",)


def test_tables_get_borders_and_inline_code_a_background() -> None:
    html = renderer.render("| a | b |\n|---|---|\n| `x` | 2 |").html
    assert '<table border="1"' in html
    assert "font-family:monospace" in html
