"""Model output (Markdown) to the HTML subset Qt's rich text understands. Qt-free.

Safety: raw HTML in the text is escaped, images become plain links (nothing is fetched) and
markdown-it refuses javascript:, file: and similar link targets. Fenced code is highlighted
with Pygments as inline styles, and each block gets a "Copy" link (`copy:<n>`) that the view
turns into a clipboard copy of `RenderedMarkdown.code_blocks[n]`. LaTeX math becomes data: PNG
images drawn in the caller's `MathStyle` (app/chat/math.py).

A streaming answer grows at its end, so `GrowingMarkdown` keeps the HTML of the blocks that can
no longer change and parses and renders only the rest (the result is the same as rendering the
whole text at once; tests check that on random splits of real answers).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from app.chat.math import BLOCK, INLINE, INLINE_DISPLAY, MathRenderer, MathStyle, math_plugin

COPY_SCHEME = "copy"


@dataclass(frozen=True)
class Palette:
    """Colours for what CSS cannot reach in Qt's rich text (it has no cascading for tables)."""

    code_background: str = "#f3f4f6"
    code_header: str = "#e5e7eb"
    muted: str = "#6b7280"
    link: str = "#2563eb"
    pygments_style: str = "default"


LIGHT = Palette()
DARK = Palette("#1e2127", "#2a2e36", "#9ca3af", "#60a5fa", "monokai")


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    code_blocks: tuple[str, ...]


class MarkdownRenderer:
    """One parser per renderer; `render` is cheap enough for a growing answer 20 times a
    second (the transcript re-renders only the message that grows)."""

    def __init__(self, palette: Palette = LIGHT) -> None:
        self.palette = palette
        self._formatter = HtmlFormatter(nowrap=True, noclasses=True, style=palette.pygments_style)
        self._md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        self._md.enable(["table", "strikethrough"])
        self._md.use(math_plugin)
        self._math = MathRenderer()
        # markdown-it binds rules to its renderer, so they get the renderer as first argument;
        # the code blocks of one render travel in `env`.
        self._md.add_render_rule("fence", self._fence_rule())
        self._md.add_render_rule("code_block", self._fence_rule())
        self._md.add_render_rule("image", _render_image)
        self._md.add_render_rule("table_open", _render_table_open)
        self._md.add_render_rule("code_inline", self._inline_code_rule())
        for name in (INLINE, INLINE_DISPLAY, BLOCK):
            self._md.add_render_rule(name, self._math_rule())

    def set_palette(self, palette: Palette) -> None:
        """Switch colours (light/dark); messages rendered from now on use them."""
        self.palette = palette
        self._formatter = HtmlFormatter(nowrap=True, noclasses=True, style=palette.pygments_style)

    def render(self, text: str, math_style: MathStyle | None = None) -> RenderedMarkdown:
        env: dict[str, Any] = {"code_blocks": [], "math_style": math_style or MathStyle()}
        body = self._md.render(text, env)
        return RenderedMarkdown(body, tuple(env["code_blocks"]))

    def parse(self, text: str, env: dict[str, Any]) -> list[Token]:
        return self._md.parse(text, env)

    def render_tokens(self, tokens: Sequence[Token], env: dict[str, Any]) -> str:
        html_text: str = self._md.renderer.render(tokens, self._md.options, env)
        return html_text

    def _fence_rule(self) -> Any:
        def rule(_renderer: Any, tokens: Sequence[Token], idx: int, _options: Any, env: Any) -> str:
            return self._render_fence(tokens[idx], env["code_blocks"])

        return rule

    def _math_rule(self) -> Any:
        def rule(_renderer: Any, tokens: Sequence[Token], idx: int, _options: Any, env: Any) -> str:
            token = tokens[idx]
            block = token.type == BLOCK
            image = self._math.html(
                token.content,
                token.markup,
                env["math_style"],
                display=token.type != INLINE,
                inline=not block,
            )
            return f'<p align="center">{image}</p>\n' if block else image

        return rule

    def _inline_code_rule(self) -> Any:
        def rule(
            _renderer: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any
        ) -> str:
            background = self.palette.code_header  # read now: the theme can change
            code = html.escape(tokens[idx].content)
            # Qt paints no background on <code>; a monospace span takes one.
            return (
                f'<span style="font-family:monospace; background-color:{background};">{code}</span>'
            )

        return rule

    def _render_fence(self, token: Token, blocks: list[str]) -> str:
        code = token.content
        language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        index = len(blocks)
        blocks.append(code.rstrip("\n"))
        p = self.palette
        label = html.escape(language or "code")
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" '
            f'style="margin-top:6px; margin-bottom:6px;">'
            f'<tr><td bgcolor="{p.code_header}" style="color:{p.muted}; font-size:small;">'
            f"{label}</td>"
            f'<td bgcolor="{p.code_header}" align="right" style="font-size:small;">'
            f'<a href="{COPY_SCHEME}:{index}" style="color:{p.link}; text-decoration:none;">'
            f"Copy</a></td></tr>"
            f'<tr><td colspan="2" bgcolor="{p.code_background}">'
            f'<pre style="white-space:pre-wrap; margin:0;">{self._highlight(code, language)}'
            f"</pre></td></tr></table>\n"
        )

    def _highlight(self, code: str, language: str) -> str:
        try:
            lexer = get_lexer_by_name(language) if language else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        html_code: str = highlight(code.rstrip("\n"), lexer, self._formatter)
        return html_code.rstrip("\n")


def _render_image(
    _renderer: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any
) -> str:
    # Never fetch: an image in model output could be a tracking pixel. Show a link instead.
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = html.escape(token.content or src) or "image"
    return f'<a href="{html.escape(src, quote=True)}">[image: {alt}]</a>'


def _render_table_open(
    _renderer: Any, _tokens: Sequence[Token], _idx: int, _options: Any, _env: Any
) -> str:
    # Qt draws no table borders unless asked in attributes.
    return '<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse;">\n'


# A line that defines a link reference ("[id]: url") changes links anywhere in the text, also
# in blocks before it: texts with one are always rendered whole.
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
_LIST_ENDS = ("bullet_list_close", "ordered_list_close")
# What a line that may still become a list item starts with ("3" grows into "3. three").
_LIST_MARKER_STARTS = frozenset("-+*0123456789")


@dataclass
class _Finished:
    """The start of a text that no later text can change, and its rendering."""

    source: str = ""
    html: str = ""
    code_blocks: list[str] = field(default_factory=list)


class GrowingMarkdown:
    """Renders a text that grows at its end (a streaming answer) like `MarkdownRenderer.render`
    would render it whole, but parses and renders only what follows its finished blocks.

    A top-level block is finished when the next one starts after a blank line, at a line that
    starts with no space (so nothing can continue a list item or indented code) and, after a
    list, with nothing that is or may grow into a list item (which would join the list). A
    fence or `$$` still open is the growing block: nothing starts inside it. One per view: it
    holds the finished blocks of one text.
    """

    def __init__(self, renderer: MarkdownRenderer) -> None:
        self._renderer = renderer
        self._finished = _Finished()
        self._key: tuple[object, ...] = ()

    @property
    def finished_source(self) -> str:
        """The start of the last text that is rendered from the cache next time."""
        return self._finished.source

    @property
    def finished_html(self) -> str:
        """The HTML of `finished_source`: the start of the last rendering that stays as it is."""
        return self._finished.html

    def render(self, text: str, math_style: MathStyle | None = None) -> RenderedMarkdown:
        style = math_style or MathStyle()
        key = (self._renderer.palette, style)
        finished = self._finished
        if key != self._key or not text.startswith(finished.source):
            finished = self._finished = _Finished()
            self._key = key
        if "\r" in text or "\0" in text or _REFERENCE.search(text):
            # markdown-it rewrites these characters, and references reach back: render whole.
            self._finished = _Finished()
            return self._renderer.render(text, style)
        tail = text[len(finished.source) :]
        env: dict[str, Any] = {"code_blocks": list(finished.code_blocks), "math_style": style}
        tokens = self._renderer.parse(tail, env)
        cut = _last_safe_start(tokens, tail)
        if cut is None:
            growing_html = self._renderer.render_tokens(tokens, env)
            return RenderedMarkdown(finished.html + growing_html, tuple(env["code_blocks"]))
        index, line = cut
        done_html = self._renderer.render_tokens(tokens[:index], env)
        done_blocks = list(env["code_blocks"])
        growing_html = self._renderer.render_tokens(tokens[index:], env)
        self._finished = _Finished(
            finished.source + _through_line(tail, line),
            finished.html + done_html,
            done_blocks,
        )
        return RenderedMarkdown(self._finished.html + growing_html, tuple(env["code_blocks"]))


def _last_safe_start(tokens: Sequence[Token], text: str) -> tuple[int, int] | None:
    """(token index, line) of the last top-level block that starts where all before it is
    finished; None when there is none."""
    lines = text.split("\n")
    previous = ""
    best: tuple[int, int] | None = None
    for index, token in enumerate(tokens):
        if token.level != 0:
            continue
        if token.nesting == -1:
            previous = token.type
            continue
        if token.map is None:
            continue
        line = token.map[0]
        if (
            line > 0
            and not lines[line - 1].strip()
            and lines[line][:1] not in ("", " ", "\t")
            and not (previous in _LIST_ENDS and lines[line][0] in _LIST_MARKER_STARTS)
        ):
            best = (index, line)
        previous = token.type
    return best


def _through_line(text: str, line: int) -> str:
    """`text` up to the start of line number `line` (0-based)."""
    position = 0
    for _ in range(line):
        position = text.index("\n", position) + 1
    return text[:position]
