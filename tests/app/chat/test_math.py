"""LaTeX math in answers: found like pandoc finds it, drawn as data: PNGs, never a crash."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from markdown_it import MarkdownIt
from PySide6.QtGui import QTextDocument

from app.chat.markdown import MarkdownRenderer
from app.chat.markdown_view import MarkdownView
from app.chat.math import MathRenderer, MathStyle, math_plugin
from tests.conftest import REPO

_md = MarkdownIt("commonmark").use(math_plugin)


def maths(text: str) -> list[tuple[str, str]]:
    """(token type, tex) of every formula in text, in order."""
    found = []
    for token in _md.parse(text):
        if token.type == "math_block":
            found.append((token.type, token.content))
        for child in token.children or []:
            if child.type.startswith("math_"):
                found.append((child.type, child.content))
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Euler: $e^{i\\pi}+1=0$.", [("math_inline", "e^{i\\pi}+1=0")]),
        ("so \\(a^2+b^2=c^2\\) holds", [("math_inline", "a^2+b^2=c^2")]),
        ("$$\nx = \\frac{1}{2}\n$$", [("math_block", "\nx = \\frac{1}{2}\n")]),
        ("\\[\n\\sum_k k\n\\]", [("math_block", "\n\\sum_k k\n")]),
        ("$$E=mc^2$$", [("math_block", "E=mc^2")]),
        ("Text\n$$\na\n$$\nmore", [("math_block", "\na\n")]),
        ("inline $$a+b$$ display", [("math_inline_display", "a+b")]),
        ("inline \\[a+b\\] display", [("math_inline_display", "a+b")]),
        ("> $$\n> x\n> $$", [("math_block", "\nx\n")]),
    ],
)
def test_math_is_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert maths(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10.",
        "$20,000 and $30,000",
        "a $ b $ c",  # spaces inside the dollars: not math
        "`$x$` is code",
        "Or $5 or `$x$`",
        "```\n$$y$$\n```",
        "    $$indented code$$",
        "an escaped \\$x\\$ dollar",
        "\\\\(not math\\\\)",
    ],
)
def test_text_that_is_not_math(text: str) -> None:
    assert maths(text) == []


@pytest.mark.parametrize(
    "text", ["so $x^", "$$ x^2", "$$\nx^2", "\\(a+b", "\\[\n\\int_0^1", "$$\na\n\nb\n$$"]
)
def test_unclosed_math_while_streaming_stays_text(text: str) -> None:
    assert maths(text) == []
    html = MarkdownRenderer().render(text).html
    assert "<img" not in html


def test_an_escaped_dollar_renders_as_a_dollar() -> None:
    assert MarkdownRenderer().render("pay \\$5 now").html.strip() == "<p>pay $5 now</p>"


def test_a_formula_becomes_a_data_png_with_its_size() -> None:
    style = MathStyle(font_px=14, color="#112233", dpr=2.0, x_height=7.0)
    html = MathRenderer().html("x^2", "$", style, display=False, inline=True)
    assert html.startswith('<img src="data:image/png;base64,')
    assert 'style="vertical-align:middle;"' in html
    png = base64.b64decode(html.split("base64,")[1].split('"')[0])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert f'width="{width // 2}"' in html and f'height="{height // 2}"' in html  # drawn at dpr 2


def test_formulas_are_cached_per_style() -> None:
    renderer = MathRenderer()
    light = MathStyle(color="#000000")
    first = renderer.image("a+b", light, display=False, inline=True)
    assert renderer.image("a+b", light, display=False, inline=True) is first
    dark = renderer.image("a+b", MathStyle(color="#ffffff"), display=False, inline=True)
    assert dark is not None and dark != first


@pytest.mark.parametrize(
    "tex", ["\\frac{1}{", "\\begin{pmatrix}a\\end{pmatrix}", "\\nosuchcommand"]
)
def test_a_bad_formula_shows_its_source(tex: str) -> None:
    html = MarkdownRenderer().render(f"bad ${tex}$ here").html
    assert "<img" not in html
    assert f'<span style="font-family:monospace;">${tex}$</span>' in html


def test_html_in_a_bad_formula_is_escaped() -> None:
    html = MarkdownRenderer().render("$<b>\\frac{$").html
    assert "<b>" not in html and "&lt;b&gt;" in html


def test_the_view_shows_an_image_in_the_text_colour(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = MarkdownView(MarkdownRenderer())
    qtbot.addWidget(view)
    view.resize(400, 100)
    view.show()
    view.set_markdown("Energy:\n\n$$E=mc^2$$")
    assert "data:image/png" in view.toHtml()
    block = view.document().begin()
    urls = []
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            char_format = iterator.fragment().charFormat()
            if char_format.isImageFormat():
                urls.append(char_format.toImageFormat().name())
            iterator += 1
        block = block.next()
    assert len(urls) == 1
    kind = int(QTextDocument.ResourceType.ImageResource.value)
    image = view.document().resource(kind, urls[0])
    assert image is not None and not image.isNull()
    assert view._math_style is not None
    assert view._math_style.color == view.palette().color(view.palette().ColorRole.Text).name()


def test_matplotlib_loads_only_with_the_first_formula(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = (
        "import sys\n"
        "from app.chat.markdown import MarkdownRenderer\n"
        "r = MarkdownRenderer()\n"
        "r.render('# Title\\n\\nprice $5, `code`')\n"
        "assert 'matplotlib' not in sys.modules\n"
        "r.render('$x^2$')\n"
        "import os, matplotlib\n"
        "assert 'matplotlib' in sys.modules and matplotlib.get_backend().lower() == 'agg'\n"
        "print(os.environ['MPLCONFIGDIR'])\n"
    )
    env = {"MINICPM_CHAT_HOME": str(tmp_path), "PATH": "", "HOME": str(tmp_path / "user")}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "cache" / "matplotlib")
    assert not (tmp_path / "user").exists()  # nothing written to the user's home
